import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// The exact half of a pipeline's `unique` rule: of the rows the reading thread flagged, which
/// really repeat an earlier row.
@Suite("The unique rule's exact check")
struct RepeatCheckTests {
    @Test func theKeyLogNamesEveryLineWhoseHashIsAskedForInFileOrder() throws {
        let log = try #require(RowKeyLog())
        // Past several of its 64 KiB chunks
        for line in 2 ..< 20_002 { log.append(line: line, hash: UInt64(line % 7_000)) }
        var lines: [Int] = []
        #expect(try log.lines(withHashIn: [5, 6_999]) { lines.append($0) })
        #expect(lines == (2 ..< 20_002).filter { [5, 6_999].contains($0 % 7_000) })
        // Many hashes, in no order, some never logged: every logged one is found, and only those
        let asked = Set((0 ..< 3_000).map { UInt64($0 * 5 + 3) })
        lines = []
        #expect(try log.lines(withHashIn: Array(asked)) { lines.append($0) })
        #expect(lines == (2 ..< 20_002).filter { asked.contains(UInt64($0 % 7_000)) })
    }

    @Test func theKeyLogFindsHashesSpreadOverAllSixtyFourBits() throws {
        let log = try #require(RowKeyLog())
        let hash = { (line: Int) in UInt64(line % 5_000) &* 0x9E37_79B9_7F4A_7C15 }
        for line in 2 ..< 20_002 { log.append(line: line, hash: hash(line)) }
        let asked = (0 ..< 5_000).filter { $0.isMultiple(of: 7) }.map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 } + [1, 2, UInt64.max]
        var lines: [Int] = []
        #expect(try log.lines(withHashIn: asked) { lines.append($0) })
        #expect(lines == (2 ..< 20_002).filter { ($0 % 5_000).isMultiple(of: 7) })
    }

    @Test func aKeyLogThatCouldNotRecordALineSaysItCannotAnswer() throws {
        let log = try #require(RowKeyLog())
        log.append(line: 2, hash: 1)
        log.append(line: Int(UInt32.max) + 1, hash: 1)
        #expect(try !log.lines(withHashIn: [1]) { _ in })
    }

    /// Lines 4 and 5 repeat lines 2 and 3; line 6 was flagged but repeats nothing (a false
    /// positive of the filter). Compared through the log, without one, and with more flagged rows
    /// than the check keeps hashes of, the answer is the same.
    @Test(arguments: [(log: true, hashLimit: RepeatedRowCheck.hashLimit), (log: false, hashLimit: RepeatedRowCheck.hashLimit), (log: true, hashLimit: 2)])
    func repeatsAreFoundWhicheverWayTheRowsAreCompared(log useLog: Bool, hashLimit: Int) throws {
        setenv(Pseudonymiser.environmentVariable, AttendanceTests.key, 1)
        let scratch = try Scratch()
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let pipeline = try #require(try Project.catalog().pipeline(named: "attendance_csv"))
        let pseudonymiser = try Pseudonymiser.fromEnvironment()
        let keyColumns = pipeline.unique.map { name in pipeline.columns.firstIndex { $0.name == name }! }
        let rows: [(line: Int, date: String, email: String, hours: Double, flagged: Bool)] = [
            (2, "2014-09-08", "a@school.sch.uk", 2, false),
            (3, "2014-09-08", "b@school.sch.uk", 2, false),
            (4, "2014-09-08", "a@school.sch.uk", 3, true),
            (5, "2014-09-08", "b@school.sch.uk", 1, true),
            (6, "2014-09-09", "a@school.sch.uk", 2, true),
        ]
        let keys = try #require(RowKeyLog())
        var batch = ValidatedBatch(width: pipeline.columns.count)
        for row in rows {
            batch.beginRow(line: row.line)
            let key = try pseudonymiser.digest(ofEmail: row.email).get()
            for value: FieldValue in [.text(row.date), .integer(101445), .text("Royal Park")] { batch.append(value) }
            key.withUnsafeBytes { batch.appendBytes($0) }
            for value: FieldValue in [.text("Teacher"), .text("CPD-SCI-101"), .text("Forces"), .text("CPD"), .text("Science"), .real(row.hours), .integer(1)] {
                batch.append(value)
            }
            let hash = batch.hashOfLastRow(columns: keyColumns)
            keys.append(line: row.line, hash: hash)
            if row.flagged { batch.flagLastRow(raw: "line \(row.line)", hash: hash) }
        }

        let refused = try warehouse.pool.write { db -> [Int: String] in
            try recordStagingFile(db)
            let writer = try StagingWriter(db: db, pipeline: pipeline, fileID: 1, fileValues: [])
            var check = try #require(try RepeatedRowCheck(db: db, pipeline: pipeline, hashLimit: hashLimit))
            try batch.withUnsafeRows { lines, slots, text in
                let width = batch.width
                try writer.insert(lines: lines, slots: slots, text: text) { row, reason in Issue.record("row \(row) refused: \(reason)") }
                for flagged in batch.possibleRepeats {
                    try check.remember(line: lines[flagged.row], hash: flagged.hash, values: UnsafeBufferPointer(rebasing: slots[flagged.row * width ..< (flagged.row + 1) * width]),
                                       text: text, raw: flagged.raw, as: writer)
                }
            }
            var refused: [Int: String] = [:]
            let count = try check.refuseRepeats(db, fileID: 1, keys: useLog ? keys : nil) { line, reject, raw in
                refused[line] = reject.reason
                #expect(raw == "line \(line)")
            }
            #expect(count == 2)
            #expect(try Int.fetchAll(db, sql: "SELECT line FROM stg_attendance_packed ORDER BY line") == [2, 3, 6])
            return refused
        }
        #expect(refused.keys.sorted() == [4, 5])
        #expect(refused[4]?.contains("as line 2;") == true)
        #expect(refused[5]?.contains("as line 3;") == true)
    }
}
