import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Crash safety")
struct CrashSafetyTests {
    @Test func killingTheLoaderMidFileLeavesTheWarehouseAsBeforeAndTheNextRunLoadsIt() throws {
        // Given a warehouse holding one small snapshot, and a large snapshot waiting in the inbox
        let scratch = try Scratch()
        try scratch.write("edubasealldata20190101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Before School")]))
        try scratch.run()
        let before = try scratch.dump(["dim_school", "stg_school_register", "SELECT * FROM etl_file WHERE status <> 'duplicate'"])
        let rows = (0..<20_000).map { TinyRegister.row(urn: 200_000 + $0, name: "School number \($0)") }
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file(rows))

        // When the loader is killed with SIGKILL part-way through that file
        let process = Process()
        process.executableURL = Project.executable
        process.arguments = ["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse]
        process.currentDirectoryURL = Project.root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try waitForRunToStart(scratch, runID: 2)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(process.isRunning, "the load finished before it could be killed; make the file larger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        // Then the warehouse is intact and exactly as before that file
        try scratch.read { (db: Database) throws in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
        #expect(try scratch.dump(["dim_school", "stg_school_register", "SELECT * FROM etl_file WHERE status <> 'duplicate'"]) == before)

        // And the next run closes the dead run and loads the file whole
        let report = try scratch.run()
        #expect(report.files.map(\.status) == [.duplicate, .loaded])
        #expect(report.files[1].rowsLoaded == 20_000)
        try scratch.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT status FROM etl_run ORDER BY id") == ["succeeded", "failed", "succeeded"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_school WHERE is_current") == 20_001)
        }
    }

    @Test func loadsKilledAtSeededMomentsConvergeToTheCleanRunsMarts() throws {
        // Given the demo inbox and the marts of a clean, uninterrupted load of it
        setenv(Pseudonymiser.environmentVariable, AttendanceTests.key, 1)
        let clean = try Scratch()
        try DemoInbox().write(to: clean.inbox)
        let clock = ContinuousClock.now
        try clean.run()
        let duration = (ContinuousClock.now - clock).seconds
        let tables = try clean.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND (name GLOB 'mart_*' OR name GLOB 'fct_*' OR name GLOB 'dim_*' OR name = 'school_lineage') ORDER BY name")
        }
        let expected = try clean.dump(tables)

        // When loads of the same inbox are killed at three seeded moments, then rerun
        var random = SeededRandom(seed: 2026)
        for _ in 0..<3 {
            let moment = Double.random(in: 0.1...0.9, using: &random) * duration
            let killed = try Scratch()
            try DemoInbox().write(to: killed.inbox)
            let process = Process()
            process.executableURL = Project.executable
            process.arguments = ["run", "--inbox", killed.inbox.path, "--warehouse", killed.warehouse]
            process.currentDirectoryURL = Project.root
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: moment)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            // Then the warehouse is intact, no file is half loaded, and a rerun converges
            if FileManager.default.fileExists(atPath: killed.warehouse) {
                try killed.read { (db: Database) throws in
                    let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                    #expect(integrity == ["ok"], "killed at \(moment)s")
                    let halfLoaded = try Int.fetchOne(db, sql: """
                        SELECT count(*) FROM etl_file f WHERE f.status = 'loaded' AND f.rows_loaded <> CASE f.source
                            WHEN 'school_register' THEN (SELECT count(*) FROM stg_school_register WHERE etl_file_id = f.id)
                            WHEN 'school_links' THEN (SELECT count(*) FROM stg_school_link WHERE etl_file_id = f.id)
                            WHEN 'attendance_csv' THEN (SELECT count(*) FROM stg_attendance WHERE etl_file_id = f.id)
                            WHEN 'contributions_csv' THEN (SELECT count(*) FROM stg_contribution WHERE etl_file_id = f.id)
                            WHEN 'contributions_xml' THEN (SELECT count(*) FROM stg_contribution WHERE etl_file_id = f.id)
                            ELSE f.rows_loaded END
                        """)
                    #expect(halfLoaded == 0, "killed at \(moment)s")
                }
            }
            try killed.run()
            #expect(try killed.dump(tables) == expected, "killed at \(moment)s of \(duration)s")
            // (and the finished warehouse passes its own check too: it once could not, see migration 0009)
            #expect(try killed.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        }
    }

    private func waitForRunToStart(_ scratch: Scratch, runID: Int) throws {
        for _ in 0..<200 {
            if let count = try? Warehouse.openReadOnly(path: scratch.warehouse).read({ db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM etl_run WHERE id = ?", arguments: [runID])
            }), count == 1 { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("the run never started")
    }
}
