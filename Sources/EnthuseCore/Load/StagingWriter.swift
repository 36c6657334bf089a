import GRDB
import GRDBSQLite

/// The load stage's bulk insert into one `stg_*` table: a statement prepared once per file, values
/// bound straight through SQLite's C API (GRDB's `execute(arguments:)` builds an arguments array
/// per row and measured 190–320k rows/s against 400–510k for direct binding; TECH-NOTES.md).
struct StagingWriter {
    private let statement: Statement
    private let fileColumnCount: Int

    /// Prepares `INSERT INTO <staging> (etl_file_id, line, <file captures…>, <columns…>)`.
    /// File captures are bound when the staging table has a column of that name.
    init(db: Database, pipeline: PipelineDefinition, fileValues: [(String, FieldValue)]) throws {
        let tableColumns = Set(try db.columns(in: pipeline.staging).map(\.name))
        let missing = pipeline.columns.map(\.name).filter { !tableColumns.contains($0) }
        guard missing.isEmpty else {
            throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "staging table \(pipeline.staging) has no column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")); add them in a new migration under schemas/migrations/")
        }
        let captured = fileValues.filter { tableColumns.contains($0.0) }
        let names = ["etl_file_id", "line"] + captured.map(\.0) + pipeline.columns.map(\.name)
        let sql = "INSERT INTO \(pipeline.staging.quotedDatabaseIdentifier) (\(names.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))"
        statement = try db.makeStatement(sql: sql)
        fileColumnCount = 2 + captured.count
        // File-level values are bound once; SQLite keeps bindings across resets.
        for (offset, value) in captured.enumerated() {
            Self.bind(value.1, at: Int32(3 + offset), in: statement.sqliteStatement)
        }
    }

    /// Inserts one validated row, its text bound straight from the batch's arena. A constraint the
    /// row breaks (a URN twice in one snapshot, say) comes back as the SQLite message so the row can
    /// be rejected; other errors throw.
    ///
    /// Text is bound without a copy (SQLITE_STATIC): SQLite reads it during the step, and every
    /// column is bound afresh for each row. ``releaseText()`` unbinds it before the arena goes.
    func insert(fileID: Int64, line: Int, values: UnsafeBufferPointer<ValidatedBatch.Slot>, text: UnsafeBufferPointer<UInt8>) throws -> String? {
        let handle = statement.sqliteStatement
        sqlite3_bind_int64(handle, 1, fileID)
        sqlite3_bind_int64(handle, 2, Int64(line))
        var index = Int32(fileColumnCount + 1)
        for value in values {
            switch value {
            case .null:
                sqlite3_bind_null(handle, index)
            case let .integer(number):
                sqlite3_bind_int64(handle, index, number)
            case let .real(number):
                sqlite3_bind_double(handle, index, number)
            case let .text(offset, count) where count > 0:
                let start = UnsafeRawPointer(text.baseAddress! + offset).assumingMemoryBound(to: CChar.self)
                sqlite3_bind_text(handle, index, start, Int32(count), sqliteStatic)
            case .text:
                sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
            }
            index += 1
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        // GRDB turns on extended result codes: SQLITE_CONSTRAINT_UNIQUE is 2067, its primary code 19.
        switch code & 0xFF {
        case SQLITE_DONE:
            return nil
        case SQLITE_CONSTRAINT:
            return String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: statement.sql)
        }
    }

    /// Unbinds the row columns, so that no binding points into an arena that is about to be freed.
    func releaseText() {
        let handle = statement.sqliteStatement
        for index in Int32(fileColumnCount + 1) ... sqlite3_bind_parameter_count(handle) {
            sqlite3_bind_null(handle, index)
        }
    }

    private static func bind(_ value: FieldValue, at index: Int32, in handle: OpaquePointer) {
        switch value {
        case .null:
            sqlite3_bind_null(handle, index)
        case let .integer(number):
            sqlite3_bind_int64(handle, index, number)
        case let .real(number):
            sqlite3_bind_double(handle, index, number)
        case let .text(text):
            var text = text
            text.withUTF8 { bytes in
                _ = sqlite3_bind_text(handle, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(bytes.count), sqliteTransient)
            }
        }
    }
}

/// SQLite's "copy the bytes now" destructor, which Swift does not import on Linux.
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
/// SQLite's "the bytes stay put until rebound" destructor (a null pointer).
let sqliteStatic: sqlite3_destructor_type? = nil
