import Foundation
import GRDB

/// The warehouse: one SQLite file in WAL mode with foreign keys on, its schema versioned by the
/// SQL migrations in `schemas/migrations/` (applied in file-name order, never edited once shipped).
public struct Warehouse: Sendable {
    /// The page size a new warehouse is created with. In WAL mode every page a load writes goes
    /// to the log and then, at the checkpoint, into the file: with 4 KiB pages (SQLite's default)
    /// a 1,000,000-row register's 200 MB were 50,000 frames, each a write of its own twice over.
    /// 16 KiB pages took that load from 7.3–8.1 s to 6.7–6.9 s (A/B of one binary, same file,
    /// warehouses made at each size). SQLite fixes the size when the file is created; a warehouse
    /// made before keeps its 4 KiB pages (`VACUUM` outside WAL mode would convert it).
    static let pageSize = 16_384

    /// Pages the write-ahead log may hold before a commit copies them into the file (SQLite's
    /// default is 1,000). A nightly commits hundreds of small files, and each checkpoint copies
    /// and syncs the pages written since the last — the ledger's and the indexes' again and again;
    /// with 16 KiB pages 1,000 are only 16 MB, some thirty checkpoints a national nightly. At
    /// 10,000 (~160 MB) the national nightly took 31.2–34.3 s against 34.3–35.4 s (four runs
    /// each, alternated; the 140 CSV registers 1.6–2.1 s against 2.3–3.0 s). A single file larger
    /// than that still lands in one transaction, the log growing with it until its commit. While
    /// `enthuse run` loads, its ``WALCheckpointer`` checkpoints instead, off the loading thread.
    static let checkpointPages = 10_000

    /// KiB of the temporary database (`temp.*` tables, materialised views of a transform) the
    /// loading connection keeps in memory; beyond it SQLite writes them to a temporary file.
    /// SQLite's default of 2,000 KiB let a 5,000,000-row register peak at 49–51 MiB against
    /// 41–42 MiB for 1,000,000 rows: the rows the `unique` rule's filter flags (tens of thousands
    /// once it saturates, past ~2.5 million rows) wait in `temp.possible_repeat`. At 256 KiB the
    /// 5,000,000-row load peaked at 41 MiB in the same time (35.8–37.6 s against 36.1–36.3 s), and
    /// the national nightly's KS4 transforms, whose unpivot is materialised there, took 5.2–5.6 s
    /// against 6.9–7.0 s (two alternated runs each, `/usr/bin/time`).
    static let temporaryCacheKiB = 256

    public let path: String
    public let pool: DatabasePool

    /// Opens (creating if needed) and migrates the warehouse for loading.
    public init(path: String, schemas: URL) throws {
        self.path = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "enthuse.warehouse"
        configuration.prepareDatabase { db in
            // The writer opens first and may be creating the file: the size takes effect only
            // while the file is empty, before GRDB turns on WAL mode. Readers never commit, so
            // they have no checkpoints to space out, and analysts' queries keep SQLite's defaults.
            guard !db.configuration.readonly else { return }
            try db.execute(sql: """
                PRAGMA page_size = \(Self.pageSize);
                PRAGMA wal_autocheckpoint = \(Self.checkpointPages);
                PRAGMA temp.cache_size = -\(Self.temporaryCacheKiB);
                """)
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator(schemas: schemas).migrate(pool)
    }

    /// Opens an existing warehouse for reading only: every statement that would write is refused
    /// by SQLite itself.
    public static func openReadOnly(path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw WarehouseError.missing(path: path)
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// One migration per `schemas/migrations/*.sql` file, named after the file.
    static func migrator(schemas: URL) throws -> DatabaseMigrator {
        let directory = schemas.appendingPathComponent("migrations")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw WarehouseError.schemasMissing(path: directory.path)
        }
        guard !names.isEmpty else { throw WarehouseError.schemasMissing(path: directory.path) }
        var migrator = DatabaseMigrator()
        for name in names {
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            migrator.registerMigration(String(name.dropLast(4))) { db in
                db.add(function: unhex)
                try db.execute(sql: sql)
            }
        }
        return migrator
    }

    /// `unhex(text)`, the bytes that hex digits spell (NULL for anything else), for migrations that
    /// pack hex into bytes: SQLite has it built in only from 3.41, and Debian 12 ships 3.40.
    private static let unhex = DatabaseFunction("unhex", argumentCount: 1, pure: true) { arguments -> Data? in
        guard let text = String.fromDatabaseValue(arguments[0]) else { return nil }
        var bytes = [UInt8](repeating: 0, count: text.utf8.count / 2)
        let decoded = text.utf8.withContiguousStorageIfAvailable { digits in
            bytes.withUnsafeMutableBufferPointer { Hex.decode(digits, into: $0) }
        } ?? false
        return decoded ? Data(bytes) : nil
    }

    /// The newest applied migration, recorded in each run's versions.
    public func schemaVersion() throws -> String {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT max(identifier) FROM grdb_migrations") ?? "none"
        }
    }
}

/// A warehouse that cannot be opened as asked.
public enum WarehouseError: Error, CustomStringConvertible {
    case missing(path: String)
    case schemasMissing(path: String)

    public var description: String {
        switch self {
        case let .missing(path):
            return "no warehouse at \(path); load one with `enthuse run --inbox DIR` or pass --warehouse PATH"
        case let .schemasMissing(path):
            return "no SQL migrations in \(path); run from the project directory or pass --schemas DIR"
        }
    }
}
