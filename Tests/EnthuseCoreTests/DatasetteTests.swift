import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Testing
@testable import EnthuseCore

/// The shipped Datasette metadata served over a demo warehouse: the canned queries answer with
/// the same figures as SQL on the same file.
@Suite("Datasette over the warehouse")
struct DatasetteTests {
    /// Datasette from `ENTHUSE_DATASETTE`, the project's `.venv` (scripts/install-datasette) or PATH.
    static let executable: String? = {
        var candidates: [String?] = [ProcessInfo.processInfo.environment["ENTHUSE_DATASETTE"], Project.root.appendingPathComponent(".venv/bin/datasette").path]
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/datasette" }
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
    static let required = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: executable != nil || required, "datasette is not installed; run scripts/install-datasette"),
          .timeLimit(.minutes(2)))
    func cannedQueriesAnswerWithTheWarehousesOwnFigures() async throws {
        // Given the demo warehouse (its ledgers fund the 2008 round's £27,000,000 exactly) and its
        // docs' Datasette metadata
        let datasette = try #require(Self.executable, "datasette is not installed; run scripts/install-datasette")
        let scratch = try Scratch()
        let demo = scratch.directory.appendingPathComponent("demo")
        let warehouse = demo.appendingPathComponent("warehouse.sqlite").path
        #expect(try enthuse(["demo", "--dir", demo.path]).status == 0)
        let docs = scratch.directory.appendingPathComponent("docs")
        #expect(try enthuse(["docs", "--out", docs.path]).status == 0)

        // When Datasette serves it read-only on a free loopback port
        let server = try DatasetteServer(executable: datasette, database: warehouse, metadata: docs.appendingPathComponent("datasette-metadata.json").path)
        defer { server.stop() }
        let base = try await server.waitUntilListening()

        // Then the finance query's rows are the mart's rows
        let rounds = try await Self.fetchArray(base + "/warehouse/funding_rounds.json?_shape=array")
        let expected = try Warehouse.openReadOnly(path: warehouse).read { db in
            try Row.fetchAll(db, sql: "SELECT round, pledged_pence, net_received_pence, outstanding_pence, status FROM mart_funding_round ORDER BY round")
        }
        #expect(rounds.count == expected.count)
        #expect(expected.count == 2)
        for (served, row) in zip(rounds, expected) {
            #expect(served["round"] as? String == row["round"])
            #expect(served["pledged_pence"] as? Int == row["pledged_pence"])
            #expect(served["net_received_pence"] as? Int == row["net_received_pence"])
            #expect(served["outstanding_pence"] as? Int == row["outstanding_pence"])
            #expect(served["status"] as? String == row["status"])
        }
        #expect(rounds.first?["pledged_pence"] as? Int == 2_700_000_000)
        #expect(rounds.first?["pledged_pounds"] as? String == "27000000.00")

        // And the attainment query shows a school's history as dim_school holds it
        let (urn, versions) = try await Warehouse.openReadOnly(path: warehouse).read { db in
            let urn = try Int.fetchOne(db, sql: "SELECT urn FROM dim_school GROUP BY urn HAVING count(*) > 1 ORDER BY urn LIMIT 1")!
            return (urn, try String.fetchAll(db, sql: "SELECT name FROM dim_school WHERE urn = ? ORDER BY valid_from", arguments: [urn]))
        }
        let history = try await Self.fetchArray(base + "/warehouse/school_history.json?_shape=array&urn=\(urn)")
        #expect(history.map { $0["name"] as? String } == versions)
        let issues = try await Self.fetchArray(base + "/warehouse/funding_issues.json?_shape=array&round=2013%2F14")
        #expect(issues.allSatisfy { $0["round"] as? String == "2013/14" })
    }

    static func fetchArray(_ address: String) async throws -> [[String: Any]] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: address)!)
        let status = (response as? HTTPURLResponse)?.statusCode
        guard status == 200, let array = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw DatasetteServer.Failure(message: "GET \(address) answered \(status.map(String.init) ?? "?"): \(String(decoding: data, as: UTF8.self).prefix(500))")
        }
        return array
    }
}

/// `datasette serve` on 127.0.0.1 with a port the system picks, stopped by the test.
final class DatasetteServer: @unchecked Sendable {
    private let process: RunningProcess
    private let log: URL

    init(executable: String, database: String, metadata: String) throws {
        log = URL(fileURLWithPath: database + ".datasette.log")
        process = try RunningProcess("/bin/sh", ["-c", "exec \"$0\" serve \"$1\" --metadata \"$2\" --host 127.0.0.1 --port 0 >\"$3\" 2>&1",
                                                 executable, database, metadata, log.path], environment: [:])
    }

    /// Waits for Uvicorn's "running on http://127.0.0.1:PORT" line; returns that address.
    func waitUntilListening() async throws -> String {
        for _ in 0..<300 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let match = text.firstMatch(of: /running on (http:\/\/127\.0\.0\.1:\d+)/) { return String(match.1) }
            guard process.isRunning else { throw Failure(message: "datasette exited: \(text)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure(message: "datasette did not start listening within 30 s")
    }

    /// SIGKILL: a child of the test process inherits its blocked signal mask, SIGTERM and
    /// SIGINT included, and a read-only server has nothing to clean up.
    func stop() {
        kill(process.pid, SIGKILL)
        _ = process.wait()
    }

    struct Failure: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
