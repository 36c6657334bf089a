import Foundation
import Testing
@testable import EnthuseCore

/// The text the run ledger and the manifest are written in, which analysts and the nightly
/// wrapper read: written without Foundation's ICU-backed formatters, and the same as theirs.
@Suite("Ledger text")
struct LedgerTextTests {
    @Test(arguments: [0, 951_782_399, 1_709_251_199, 1_764_460_821, 2_147_483_648, 4_102_444_800])
    func timestampsAreWhatFoundationsISO8601StyleWrites(seconds: Int) {
        let foundation = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
        #expect(Timestamp.text(secondsSinceEpoch: seconds) == foundation)
    }

    @Test func timestampNowIsTheClocksUTCTime() throws {
        let before = Date().formatted(.iso8601)
        let now = Timestamp.now()
        let after = Date().formatted(.iso8601)
        #expect(before <= now && now <= after)
        #expect(now.hasSuffix("Z") && now.count == 20)
    }

    @Test(arguments: [nil, "file refused: \"quoted\", a back\\slash, a/slash, caf\u{E9} and a tab\t"])
    func manifestLineIsTheSortedJSONObjectItWasBefore(message: String?) throws {
        var outcome = FileOutcome(path: "/srv/enthuse/inbox/attendance_EP-0001_2016-autumn_20170105.csv",
                                  fileName: "attendance_EP-0001_2016-autumn_20170105.csv", source: "attendance_csv",
                                  started: "2026-11-30T00:15:21Z")
        outcome.sha256 = String(repeating: "ab", count: 32)
        outcome.rowsRead = 2_301
        outcome.rowsLoaded = 2_299
        outcome.rowsRejected = 2
        outcome.status = message == nil ? .loaded : .rejected
        outcome.message = message
        // What JSONSerialization wrote for the same object, before the manifest moved to JSONEncoder.
        let object: [String: Any] = [
            "path": outcome.path, "file_name": outcome.fileName, "source": outcome.source, "status": outcome.status.rawValue,
            "rows_read": outcome.rowsRead, "rows_loaded": outcome.rowsLoaded, "rows_rejected": outcome.rowsRejected,
            "sha256": outcome.sha256, "message": outcome.message ?? NSNull(),
        ]
        let before = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        #expect(outcome.manifestLine == before)
    }
}
