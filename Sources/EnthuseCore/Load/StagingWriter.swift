import GRDB
import GRDBSQLite

/// The load stage's bulk insert into one `stg_*` table: statements prepared once per file, values
/// bound straight through SQLite's C API (GRDB's `execute(arguments:)` builds an arguments array
/// per row and measured 190–320k rows/s against 400–510k for direct binding; TECH-NOTES.md).
///
/// Rows go in ``rowsPerStatement`` at a time, through one `INSERT OR FAIL … VALUES (…), (…), …`:
/// in a perf profile of a 1,000,000-row register inserted a row a statement, SQLite spent 2.7 s of
/// the loading thread's 3.3 s, the critical path, against 0.55 s for the same rows in one
/// `INSERT … SELECT` (sqlite3, from a table holding them): each statement opened a cursor,
/// descended the tree from its root to find the row's place, and closed it again. `OR FAIL` keeps
/// the rows before one the table refuses, and needs no statement journal to undo them.
///
/// How a value is stored follows the pipeline and the table: a `pseudonym` goes into a `BLOB`
/// column as its 32 bytes rather than 64 hex digits, and a `dictionary: true` column holds the
/// number of its text in the file's ``StagedTextDictionary``.
struct StagingWriter {
    static let rowsPerStatement = 64

    /// One row.
    private let statement: Statement
    /// ``rowsPerStatement`` rows.
    private let groupStatement: Statement
    /// Parameters bound once per file (the file's id and captures), first in both statements.
    private let fileParameterCount: Int
    /// How each of the pipeline's columns is stored, by position.
    private let storage: [StagedStorage]
    private let columnNames: [String]
    private let dictionary: StagedTextDictionary?

    /// Prepares `INSERT INTO <staging> (etl_file_id, <file captures…>, line, <columns…>)` for the
    /// file `fileID`. File captures are bound when the staging table has a column of that name.
    init(db: Database, pipeline: PipelineDefinition, fileID: Int64, fileValues: [(String, FieldValue)]) throws {
        let tableColumns = Dictionary(try db.columns(in: pipeline.staging).map { ($0.name, $0.type.uppercased()) }, uniquingKeysWith: { first, _ in first })
        let missing = pipeline.columns.map(\.name).filter { tableColumns[$0] == nil }
        guard missing.isEmpty else {
            throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "staging table \(pipeline.staging) has no column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")); add them in a new migration under schemas/migrations/")
        }
        storage = try pipeline.columns.map { column in
            let declared = tableColumns[column.name]!
            if column.dictionary {
                // A declared type gives the column an affinity: SQLite would turn a school named
                // "1066" into the number of another text.
                guard declared.isEmpty else {
                    throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "\(column.name) is a dictionary column, but \(pipeline.staging).\(column.name) is declared \(declared); declare it with no type in a new migration, so that SQLite keeps numbers and text as given")
                }
                return .dictionary
            }
            return column.type == .pseudonym && declared == "BLOB" ? .pseudonymBytes : .asValidated
        }
        columnNames = pipeline.columns.map(\.name)
        dictionary = storage.contains(.dictionary) ? try StagedTextDictionary(db: db, fileID: fileID) : nil

        let captured = fileValues.filter { tableColumns[$0.0] != nil }
        let fileParameterCount = 1 + captured.count
        self.fileParameterCount = fileParameterCount
        let names = ["etl_file_id"] + captured.map(\.0) + ["line"] + pipeline.columns.map(\.name)
        let table = "\(pipeline.staging.quotedDatabaseIdentifier) (\(names.map(\.quotedDatabaseIdentifier).joined(separator: ", ")))"
        // ?1… are the file's parameters, repeated in every row; each row's own follow in turn.
        let fileParameters = (1 ... fileParameterCount).map { "?\($0)" }
        let rowWidth = 1 + pipeline.columns.count
        func values(row: Int) -> String {
            let first = fileParameterCount + 1 + row * rowWidth
            return "(" + (fileParameters + (first ..< first + rowWidth).map { "?\($0)" }).joined(separator: ", ") + ")"
        }
        statement = try db.makeStatement(sql: "INSERT OR FAIL INTO \(table) VALUES \(values(row: 0))")
        groupStatement = try db.makeStatement(sql: "INSERT OR FAIL INTO \(table) VALUES \((0 ..< Self.rowsPerStatement).map(values).joined(separator: ", "))")
        // The file-level values are bound once; SQLite keeps bindings across resets.
        for handle in [statement.sqliteStatement, groupStatement.sqliteStatement] {
            sqlite3_bind_int64(handle, 1, fileID)
            for (offset, value) in captured.enumerated() {
                Self.bind(value.1, at: Int32(2 + offset), in: handle)
            }
        }
    }

    /// Inserts validated rows (`lines`, and their values `slots`, a row of the pipeline's columns
    /// after another), their text bound straight from the batch's arena. A row that breaks a
    /// constraint (a URN twice in one snapshot, say), or has a value that cannot take its staged
    /// form, is not inserted: `refused` gets its index and the reason, and the rows after it go on.
    /// Other errors throw.
    ///
    /// Text is bound without a copy (SQLITE_STATIC): SQLite reads it during the step, and every
    /// column is bound afresh for each row. ``releaseText()`` unbinds it before the arena goes.
    func insert(lines: UnsafeBufferPointer<Int>, slots: UnsafeBufferPointer<ValidatedBatch.Slot>, text: UnsafeBufferPointer<UInt8>,
                refused: (_ row: Int, _ reason: String) throws -> Void) throws {
        var row = 0
        while row < lines.count {
            let end = min(row + Self.rowsPerStatement, lines.count)
            if end - row == Self.rowsPerStatement {
                // All of them, or those before a refused row (or none, when a value has no staged
                // form): the rest a row at a time, to find which the table refuses and why.
                row += try insertGroup(from: row, lines: lines, slots: slots, text: text)
            }
            for single in row ..< end {
                if let reason = try insert(row: single, lines: lines, slots: slots, text: text) { try refused(single, reason) }
            }
            row = end
        }
    }

    /// Inserts the ``rowsPerStatement`` rows from `first` in one statement; returns how many went
    /// in: all of them, those before the row the table refused, or none when a value has no staged
    /// form.
    private func insertGroup(from first: Int, lines: UnsafeBufferPointer<Int>, slots: UnsafeBufferPointer<ValidatedBatch.Slot>,
                             text: UnsafeBufferPointer<UInt8>) throws -> Int {
        let handle = groupStatement.sqliteStatement
        for offset in 0 ..< Self.rowsPerStatement {
            guard try bindRow(first + offset, lines: lines, slots: slots, text: text, asRow: offset, of: handle) == nil else { return 0 }
        }
        // After a refusal, the rows `OR FAIL` kept (none, had SQLite rolled the statement back).
        return try step(groupStatement) { $0 == nil ? Self.rowsPerStatement : Int(sqlite3_changes(sqlite3_db_handle(handle))) }
    }

    /// Inserts row `row` alone: nil, or the reason it was refused.
    private func insert(row: Int, lines: UnsafeBufferPointer<Int>, slots: UnsafeBufferPointer<ValidatedBatch.Slot>,
                        text: UnsafeBufferPointer<UInt8>) throws -> String? {
        if let position = try bindRow(row, lines: lines, slots: slots, text: text, asRow: 0, of: statement.sqliteStatement) {
            return "\(columnNames[position]): expected a pseudonym (32 bytes), the only thing its BLOB column stores"
        }
        return try step(statement) { $0 }
    }

    /// Binds batch row `row` (its line, then its values) to the parameters of the statement's
    /// row `target`; nil, or the position of the first value that has no staged form.
    private func bindRow(_ row: Int, lines: UnsafeBufferPointer<Int>, slots: UnsafeBufferPointer<ValidatedBatch.Slot>,
                         text: UnsafeBufferPointer<UInt8>, asRow target: Int, of handle: OpaquePointer) throws -> Int? {
        let width = columnNames.count
        let base = Int32(fileParameterCount + 1 + target * (1 + width))
        sqlite3_bind_int64(handle, base, Int64(lines[row]))
        for position in 0 ..< width {
            guard try bind(slots[row * width + position], column: position, at: base + 1 + Int32(position), in: handle, text: text) else { return position }
        }
        return nil
    }

    /// Runs `statement` to its end; `outcome` gets nil, or the constraint message when the table
    /// refused a row.
    private func step<Outcome>(_ statement: Statement, _ outcome: (String?) -> Outcome) throws -> Outcome {
        let handle = statement.sqliteStatement
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        // GRDB turns on extended result codes: SQLITE_CONSTRAINT_UNIQUE is 2067, its primary code 19.
        switch code & 0xFF {
        case SQLITE_DONE:
            return outcome(nil)
        case SQLITE_CONSTRAINT:
            return outcome(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: statement.sql)
        }
    }

    /// Binds the value of the pipeline's column `column` as it is stored in staging, to parameter
    /// `index` of `handle`: ``RepeatedRowCheck`` compares keys in the staged form too. False, with
    /// nothing bound, for a value that is not a pseudonym's 32 bytes in a pseudonym's BLOB column.
    ///
    /// That check is here rather than a CHECK on the column: `length(participant_key) = 32` and
    /// `typeof(…)`, two SQL function calls per row, took 0.5–0.7 s of CPU per 1,000,000 rows
    /// inserted (sqlite3, `INSERT … SELECT` of a staged register into tables with and without).
    func bind(_ value: ValidatedBatch.Slot, column: Int, at index: Int32, in handle: OpaquePointer, text: UnsafeBufferPointer<UInt8>) throws -> Bool {
        switch value {
        case .null:
            sqlite3_bind_null(handle, index)
        case let .integer(number):
            sqlite3_bind_int64(handle, index, number)
        case let .real(number):
            sqlite3_bind_double(handle, index, number)
        case let .text(offset, count) where count > 0:
            guard storage[column] != .pseudonymBytes else { return false }
            let bytes = UnsafeBufferPointer(rebasing: text[offset ..< offset + count])
            if storage[column] == .dictionary, let number = try dictionary!.number(of: bytes) {
                sqlite3_bind_int64(handle, index, number)
            } else {
                // As validated (also text a full dictionary has no number for).
                sqlite3_bind_text(handle, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(count), sqliteStatic)
            }
        case .text:
            guard storage[column] != .pseudonymBytes else { return false }
            sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
        case let .bytes(offset, count):
            let bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(text)[offset ..< offset + count])
            if storage[column] == .pseudonymBytes {
                guard count == 32 else { return false }
                sqlite3_bind_blob(handle, index, bytes.baseAddress, 32, sqliteStatic)
            } else {
                // A pseudonym into a TEXT column: its 64 hex digits.
                var hex = Hex.lowercase(bytes)
                hex.withUTF8 { digits in
                    _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(digits.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(digits.count), sqliteTransient)
                }
            }
        }
        return true
    }

    /// Unbinds the row columns, so that no binding points into an arena that is about to be freed.
    func releaseText() {
        for handle in [statement.sqliteStatement, groupStatement.sqliteStatement] {
            for index in Int32(fileParameterCount + 1) ... sqlite3_bind_parameter_count(handle) {
                sqlite3_bind_null(handle, index)
            }
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

/// How one pipeline column's validated value is stored in its staging column.
enum StagedStorage: Equatable {
    case asValidated
    /// A pseudonym's 32 bytes, in a `BLOB` column.
    case pseudonymBytes
    /// The number of the text in the file's ``StagedTextDictionary``.
    case dictionary
}

/// SQLite's "copy the bytes now" destructor, which Swift does not import on Linux.
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
/// SQLite's "the bytes stay put until rebound" destructor (a null pointer).
let sqliteStatic: sqlite3_destructor_type? = nil
