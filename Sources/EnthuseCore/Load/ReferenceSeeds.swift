import Foundation
import GRDB

/// Reference data kept as versioned CSV files beside the pipelines (`pipelines/reference/*.csv`,
/// like dbt seeds): each file fills the `ref_<name>` table whose columns its header names.
///
/// Seeds are reloaded only when a SHA-256 changes, all changed ones in one transaction with
/// foreign keys checked at its end (seeds refer to each other); a bad seed (unknown table, wrong
/// header, a row the schema refuses) is a configuration error naming the file and line.
public enum ReferenceSeeds {
    /// Loads every changed seed; returns the names of the tables reloaded.
    @discardableResult
    public static func load(directory: URL, into warehouse: Warehouse) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var changed: [(name: String, path: String, sha256: String)] = []
        for name in names.filter({ $0.hasSuffix(".csv") }).sorted() {
            let path = directory.appendingPathComponent(name).path
            let sha256 = try FileFingerprint.compute(path: path).sha256
            let known = try warehouse.pool.read { db in
                try String.fetchOne(db, sql: "SELECT sha256 FROM etl_seed WHERE file = ?", arguments: [name])
            }
            if known != sha256 { changed.append((name, path, sha256)) }
        }
        guard !changed.isEmpty else { return [] }
        do {
            try warehouse.pool.write { db in
                try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                for seed in changed {
                    try reload(db, table: "ref_" + seed.name.dropLast(4), path: seed.path, file: seed.name, sha256: seed.sha256)
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw PipelineConfigurationError(file: directory.path, line: nil, message: "the reference files refer to each other inconsistently (\(error.message ?? "constraint failed")): a funder id used in one file is missing from funders.csv, say")
        }
        return changed.map { "ref_" + $0.name.dropLast(4) }
    }

    private static func reload(_ db: Database, table: String, path: String, file: String, sha256: String) throws {
        func failure(_ line: Int?, _ message: String) -> PipelineConfigurationError {
            PipelineConfigurationError(file: path, line: line, message: message)
        }
        guard try db.tableExists(table) else {
            throw failure(nil, "no table \(table) for this seed; add it in a migration under schemas/migrations/")
        }
        let columns = try db.columns(in: table).map(\.name)
        let reader = try CSVReader(path: path)
        guard try reader.next() else { throw failure(1, "the seed is empty; its first line must name the columns \(columns.joined(separator: ","))") }
        let header = (0..<reader.fieldCount).map { index in reader.withField(index) { String(decoding: $0, as: UTF8.self) } }
        guard Set(header) == Set(columns), header.count == columns.count else {
            throw failure(1, "the header must name exactly the columns of \(table): \(columns.joined(separator: ",")); found \(header.joined(separator: ","))")
        }
        try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)")
        let insert = try db.makeStatement(sql: "INSERT INTO \(table.quotedDatabaseIdentifier) (\(header.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(header.map { _ in "?" }.joined(separator: ", ")))")
        var rows = 0
        while try reader.next() {
            guard reader.fieldCount == header.count else {
                throw failure(reader.line, "the row has \(reader.fieldCount) fields where the header has \(header.count)")
            }
            let values: [DatabaseValue] = (0..<reader.fieldCount).map { index in
                reader.withField(index) { bytes in
                    let text = String(decoding: bytes, as: UTF8.self)
                    if text.isEmpty { return .null }
                    if let number = Int64(text), String(number) == text { return number.databaseValue }
                    return text.databaseValue
                }
            }
            do {
                try insert.execute(arguments: StatementArguments(values))
            } catch let error as DatabaseError {
                throw failure(reader.line, "the warehouse refused the row: \(error.message ?? "\(error.resultCode)")")
            }
            rows += 1
        }
        try db.execute(sql: "INSERT OR REPLACE INTO etl_seed (file, sha256, rows, loaded) VALUES (?, ?, ?, ?)",
                       arguments: [file, sha256, rows, Timestamp.now()])
    }
}
