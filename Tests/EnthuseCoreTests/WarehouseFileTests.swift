import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("The warehouse file")
struct WarehouseFileTests {
    @Test func newWarehouseIsInWALModeWith16KiBPagesSpacedCheckpointsAndASmallTemporaryCache() throws {
        let scratch = try Scratch()

        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))

        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_size") == 16_384)
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
        }
        // and the loading connection lets the log grow to ~160 MB between checkpoints, and keeps
        // at most 256 KiB of temporary tables in memory
        #expect(try warehouse.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 10_000)
        #expect(try warehouse.pool.write { try Int.fetchOne($0, sql: "PRAGMA temp.cache_size") } == -256)
    }

    @Test func duringARunTheLoadingConnectionsCommitsAreCheckpointedByAThreadOfTheirOwn() throws {
        let scratch = try Scratch()
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let checkpointer = try WALCheckpointer(path: scratch.warehouse)
        warehouse.pool.writeWithoutTransaction { checkpointer.watch($0) }

        // When the loading connection commits more pages than a checkpoint waits for, far fewer
        // than SQLite's own automatic checkpoint would
        let pages = WALCheckpointer.framesPerCheckpoint + 500
        try warehouse.pool.write { db in
            try db.execute(sql: "CREATE TABLE filler (bytes BLOB)")
            for _ in 0..<pages { try db.execute(sql: "INSERT INTO filler VALUES (zeroblob(16000))") }
        }
        warehouse.pool.writeWithoutTransaction { checkpointer.stop($0) }

        // Then those pages are in the warehouse file itself, not only in its log
        let size = try #require(try FileManager.default.attributesOfItem(atPath: scratch.warehouse)[.size] as? Int)
        #expect(size >= pages * 16_000)
        // and the loading connection has SQLite's automatic checkpoint back
        #expect(try warehouse.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 10_000)
    }

    @Test func warehouseMadeWithSmallerPagesKeepsThemAndIsMigrated() throws {
        // Given a file SQLite made with its default 4 KiB pages
        let scratch = try Scratch()
        let older = try DatabaseQueue(path: scratch.warehouse)
        try older.write { try $0.execute(sql: "CREATE TABLE kept (id INTEGER PRIMARY KEY); INSERT INTO kept VALUES (1)") }
        try older.close()

        // When it is opened as the warehouse
        _ = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))

        // Then its pages and rows are as they were, and it holds the whole schema
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_size") == 4_096)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM kept") == 1)
            #expect(try db.tableExists("fct_attainment"))
        }
    }
}
