import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// `enthuse query`: analysts' SQL runs read-only, whatever the statement tries, streams its rows,
/// and neither waits for a nightly load nor holds one up.
@Suite("Analyst queries")
struct AnalystQueryTests {
    /// A warehouse holding a small register of `schools` schools.
    private func loaded(schools: Int = 3) throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20260101.csv", text: TinyRegister.file((1...schools).map { TinyRegister.row(urn: 100_000 + $0, name: "School \($0)") }))
        try scratch.run()
        return scratch
    }

    /// Every way of writing the tests know of; each must be refused before anything runs.
    static let writes = [
        "INSERT INTO etl_run (started, versions, inbox) VALUES ('x', '{}', 'x')",
        "UPDATE dim_school SET name = 'Hacked'",
        "DELETE FROM dim_school",
        "DROP TABLE dim_school",
        "DROP VIEW mart_funding_round",
        "ATTACH DATABASE '/tmp/enthuse-attached.sqlite' AS other",
        "ATTACH 'file::memory:' AS scratch",
        "PRAGMA writable_schema = 1",
        "PRAGMA writable_schema(1)",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA query_only = 0",
        "PRAGMA user_version = 7",
        "VACUUM",
        "VACUUM INTO '/tmp/enthuse-vacuum-copy.sqlite'",
        "CREATE TEMP TABLE t AS SELECT * FROM dim_school",
        "CREATE TEMP VIEW v AS SELECT 1",
        "CREATE TABLE t (x)",
        "WITH doomed AS (SELECT urn FROM dim_school) DELETE FROM dim_school WHERE urn IN doomed",
        "WITH x AS (SELECT 1) INSERT INTO etl_run (started, versions, inbox) SELECT 'x', '{}', 'x' FROM x",
        "REPLACE INTO school_lineage (urn, current_urn, resolution, steps) VALUES (1, 1, 'current', 0)",
        "SELECT 1; DELETE FROM dim_school",
        "SELECT 1; SELECT 2",
        "select 1 ;\n-- a comment\nDROP TABLE dim_school",
        "BEGIN IMMEDIATE",
        "ANALYZE",
        "REINDEX",
        "ALTER TABLE dim_school ADD COLUMN x",
        "SELECT load_extension('/tmp/evil')",
    ]

    @Test(arguments: writes)
    func everyWriteIsRefusedAndTheWarehouseIsUnchanged(sql: String) throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let before = try scratch.dump(["dim_school", "etl_run", "school_lineage"])

        #expect(throws: QueryError.self, "\(sql)") {
            let query = try AnalystQuery(warehouse: scratch.warehouse, sql: sql)
            while try query.next() != nil {}
        }

        #expect(try scratch.dump(["dim_school", "etl_run", "school_lineage"]) == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/enthuse-vacuum-copy.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/enthuse-attached.sqlite"))
    }

    @Test func refusalsSayWhatWasRefusedAndWhatToDoInstead() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let warehouse = scratch.warehouse
        func message(_ sql: String) -> String {
            do {
                _ = try AnalystQuery(warehouse: warehouse, sql: sql)
                return "ran"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("DELETE FROM dim_school").hasPrefix("DELETE from dim_school is refused. enthuse query only reads the warehouse"))
        #expect(message("ATTACH 'x.sqlite' AS x").hasPrefix("ATTACH is refused"))
        #expect(message("PRAGMA writable_schema = 1").hasPrefix("PRAGMA writable_schema = 1 is refused"))
        #expect(message("SELECT 1; SELECT 2").hasPrefix("one statement at a time"))
        #expect(message("CREATE TEMP TABLE t (x)").contains("use a CTE"))
        #expect(message("SELECT nonsense FROM nowhere").hasPrefix("SQLite could not run the statement: no such table: nowhere"))
        #expect(message("  -- only a comment\n").hasPrefix("no SQL statement given"))
    }

    @Test func readsAndSchemaPragmasRun() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let warehouse = scratch.warehouse
        func rows(_ sql: String) throws -> [[QueryValue]] {
            let query = try AnalystQuery(warehouse: warehouse, sql: sql)
            var rows: [[QueryValue]] = []
            while let row = try query.next() { rows.append(row) }
            return rows
        }
        #expect(try rows("SELECT count(*) FROM dim_school WHERE is_current") == [[.integer(3)]])
        #expect(try rows("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT sum(x) FROM n;") == [[.integer(6)]])
        #expect(try rows("PRAGMA table_info(mart_funding_round)").count == 10)
        #expect(try rows("SELECT name FROM pragma_table_info('dim_school') WHERE pk > 0").count == 2)
        #expect(try rows("PRAGMA user_version") == [[.integer(0)]])
        #expect(try rows("SELECT * FROM mart_funding_round ORDER BY round").count == 2)
    }

    @Test func aQueryReadsWhileALoadHoldsAWriteTransactionAndNeitherWaits() throws {
        // Given a load in progress: a write transaction open on the warehouse
        let scratch = try loaded(schools: 30)
        defer { withExtendedLifetime(scratch) {} }
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let writer = try DatabaseQueue(path: scratch.warehouse, configuration: configuration)
        try writer.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "UPDATE dim_school SET name = 'Uncommitted' WHERE urn IN (SELECT urn FROM dim_school LIMIT 5)")
        }
        defer { try? writer.inDatabase { db in try db.execute(sql: "ROLLBACK") } }

        // When an analyst queries, and part-way through the load commits more
        let clock = ContinuousClock.now
        let query = try AnalystQuery(warehouse: scratch.warehouse, sql: "SELECT name FROM dim_school")
        let first = try query.next()
        try writer.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        try writer.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "UPDATE etl_run SET message = 'committed while a query was reading' WHERE id = 1")
            try db.execute(sql: "COMMIT")
        }
        var names = [first]
        while let row = try query.next() { names.append(row) }

        // Then the query never waited, saw only committed data, and the writer was never blocked
        #expect(ContinuousClock.now - clock < .seconds(2))
        #expect(names.count == 30)
        #expect(!names.contains { $0 == [.text("Uncommitted")] })
        let after = try AnalystQuery(warehouse: scratch.warehouse, sql: "SELECT message FROM etl_run WHERE id = 1")
        #expect(try after.next() == [.text("committed while a query was reading")])
        try writer.write { db in try db.execute(sql: "UPDATE etl_run SET message = NULL WHERE id = 1") }
    }

    @Test func csvNeutralisesFormulasInTextButKeepsNumbersAsNumbers() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let query = try AnalystQuery(warehouse: scratch.warehouse, sql: """
            SELECT '=HYPERLINK("http://x")' AS "=danger", '-2+3' AS text_minus, -1500 AS pence, 'plain, with comma' AS plain, NULL AS empty, 2.5 AS real
            """)
        var lines: [String] = []
        try QueryOutput.write(query, format: .csv, to: { lines.append($0) })

        #expect(lines == [
            "'=danger,text_minus,pence,plain,empty,real",
            "\"'=HYPERLINK(\"\"http://x\"\")\",'-2+3,-1500,\"plain, with comma\",,2.5",
        ])
    }

    @Test func jsonWritesOneObjectPerLineWithTypedValuesInColumnOrder() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let query = try AnalystQuery(warehouse: scratch.warehouse, sql: """
            SELECT 'b' AS zeta, 7 AS alpha, NULL AS gap, 'quote " and\nnewline' AS text, 1 AS alpha
            """)
        var lines: [String] = []
        try QueryOutput.write(query, format: .json, to: { lines.append($0) })

        #expect(lines == [#"{"zeta":"b","alpha":7,"gap":null,"text":"quote \" and\nnewline","alpha_2":1}"#])
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(object?["alpha"] as? Int == 7)
    }

    @Test func tableAlignsColumnsAndCountsRows() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let query = try AnalystQuery(warehouse: scratch.warehouse, sql: "SELECT 'a' AS name, 5 AS n UNION ALL SELECT 'longer', 12345")
        var lines: [String] = []
        try QueryOutput.write(query, format: .table, to: { lines.append($0) })

        #expect(lines == ["name        n", "------  -----", "a           5", "longer  12345", "(2 rows)"])
    }

    @Test func theCommandExits64OnARefusalAnd0OnARead() throws {
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let warehouse = scratch.warehouse

        let refused = try enthuse(["query", "--warehouse", warehouse, "UPDATE dim_school SET name = 'x'"])
        let read = try enthuse(["query", "--warehouse", warehouse, "--format", "csv", "SELECT urn, name FROM dim_school WHERE is_current ORDER BY urn LIMIT 2"])

        #expect(refused.status == 64)
        #expect(refused.stderr.hasPrefix("enthuse: UPDATE of dim_school is refused"))
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.split(separator: "\n").count == 3)
        #expect(read.stdout.hasPrefix("urn,name\n"))
    }

    @Test func aLargeResultStreamsWithoutWaitingForTheEnd() throws {
        // 2 million generated rows would take far longer to collect than to start: the first row
        // arrives at once
        let scratch = try loaded()
        defer { withExtendedLifetime(scratch) {} }
        let query = try AnalystQuery(warehouse: scratch.warehouse, sql: """
            WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000) SELECT x FROM n
            """)
        let clock = ContinuousClock.now
        #expect(try query.next() == [.integer(1)])
        #expect(ContinuousClock.now - clock < .milliseconds(200))
    }
}
