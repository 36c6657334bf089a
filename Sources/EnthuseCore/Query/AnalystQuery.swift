import Foundation
import GRDBSQLite

/// An analyst's SQL statement, vetted so that it can only read, and stepped one row at a time.
///
/// Three locks, each enough on its own for the common cases: the connection is opened read-only
/// with `query_only` on; an authorizer allows nothing but reading (SELECT, reading tables and
/// views, functions, recursive CTEs and the pragmas that only describe the schema); and a
/// statement SQLite itself does not call read-only (`sqlite3_stmt_readonly`) is refused. A
/// write hidden in a CTE, an ATTACH, `PRAGMA writable_schema = 1`, `VACUUM` and temporary tables
/// are all refused before anything runs, and so is a second statement after a semicolon.
///
/// ```swift
/// let query = try AnalystQuery(warehouse: "warehouse.sqlite", sql: "SELECT * FROM mart_funding_round")
/// while let row = try query.next() { print(row) }
/// ```
public final class AnalystQuery {
    /// The result's column names, in order.
    public let columns: [String]
    private let connection: ReadOnlyConnection
    private let statement: OpaquePointer
    private var finished = false

    /// Opens the warehouse read-only and compiles `sql`, refusing anything that is not a read.
    public init(warehouse path: String, sql: String) throws {
        connection = try ReadOnlyConnection(path: path)
        connection.authorizer = StatementAuthorizer(refusal: Self.refusal)
        let (statement, hasMore) = try connection.prepare(sql)
        guard !hasMore else {
            sqlite3_finalize(statement)
            throw QueryError.multipleStatements
        }
        guard sqlite3_stmt_readonly(statement) != 0 else {
            sqlite3_finalize(statement)
            throw QueryError.refused("the statement would change the database")
        }
        self.statement = statement
        columns = (0..<sqlite3_column_count(statement)).map { index in
            sqlite3_column_name(statement, index).map { String(cString: $0) } ?? "column\(index + 1)"
        }
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// The next row, or nil when there are no more.
    public func next() throws -> [QueryValue]? {
        guard !finished else { return nil }
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            return (0..<Int32(columns.count)).map { QueryValue(statement, column: $0) }
        case SQLITE_DONE:
            finished = true
            return nil
        default:
            finished = true
            throw QueryError.sql(connection.lastError)
        }
    }

    // MARK: - What may run

    /// Pragmas that only describe the schema or the file, whatever their argument (a table name).
    static let describingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check", "collation_list", "function_list", "module_list",
        "pragma_list", "database_list", "compile_options", "integrity_check", "quick_check",
    ]

    /// Pragmas that read a value when given no argument, and change it when given one.
    static let valuePragmas: Set<String> = [
        "user_version", "application_id", "schema_version", "data_version", "page_count", "page_size",
        "freelist_count", "encoding", "journal_mode", "foreign_keys",
    ]

    /// Functions refused even though they do not write: loading code into the process.
    static let refusedFunctions: Set<String> = ["load_extension", "fts3_tokenizer"]

    /// Nil when the action only reads; otherwise what is refused, for the error message.
    static func refusal(_ request: AuthorizerRequest) -> String? {
        let table = request.first ?? "?"
        if [SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE].contains(request.action), table.hasPrefix("sqlite_") {
            if request.action == SQLITE_UPDATE, table == "sqlite_master", request.database == "main" {
                // Reading a pragma's table-valued function (`SELECT * FROM pragma_table_info('t')`)
                // asks this while SQLite sets up the function's virtual table. Such functions exist
                // only for pragmas without side effects; a real UPDATE of the schema table is
                // still refused by SQLite itself, by sqlite3_stmt_readonly and by the read-only
                // connection.
                return nil
            }
            if table.hasPrefix("sqlite_temp_") {
                return "creating temporary tables, views or triggers is refused (use a CTE instead: WITH name AS (SELECT …) SELECT …)"
            }
            return "changing the schema (\(table)) is refused"
        }
        switch request.action {
        case SQLITE_SELECT, SQLITE_READ, SQLITE_RECURSIVE:
            return nil
        case SQLITE_FUNCTION:
            let name = (request.second ?? "").lowercased()
            return refusedFunctions.contains(name) ? "the function \(name)() is refused" : nil
        case SQLITE_PRAGMA:
            let name = (request.first ?? "").lowercased()
            if describingPragmas.contains(name) || (valuePragmas.contains(name) && request.second == nil) { return nil }
            let value = request.second.map { " = \($0)" } ?? ""
            return "PRAGMA \(name)\(value) is refused (only pragmas that describe the schema may run, such as table_info)"
        case SQLITE_INSERT: return "INSERT into \(table) is refused"
        case SQLITE_UPDATE: return "UPDATE of \(table) is refused"
        case SQLITE_DELETE: return "DELETE from \(table) is refused"
        case SQLITE_ATTACH: return "ATTACH is refused"
        case SQLITE_DETACH: return "DETACH is refused"
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT: return "transactions are refused (a query needs none)"
        case SQLITE_CREATE_TEMP_TABLE, SQLITE_CREATE_TEMP_VIEW, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_TRIGGER:
            return "creating temporary tables, views or triggers is refused (use a CTE instead: WITH name AS (SELECT …) SELECT …)"
        case SQLITE_DROP_TABLE, SQLITE_DROP_VIEW, SQLITE_DROP_INDEX, SQLITE_DROP_TRIGGER,
             SQLITE_DROP_TEMP_TABLE, SQLITE_DROP_TEMP_VIEW, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_VTABLE:
            return "DROP of \(table) is refused"
        default:
            return "this statement would change the database (SQLite action \(request.action) on \(table))"
        }
    }
}

/// One value of a result row, typed as SQLite stored it.
public enum QueryValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ statement: OpaquePointer, column: Int32) {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: self = .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: self = .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            self = .text(sqlite3_column_text(statement, column).map { String(decoding: UnsafeRawBufferPointer(start: $0, count: count), as: UTF8.self) } ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            let bytes = sqlite3_column_blob(statement, column).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
            self = .blob(bytes)
        default: self = .null
        }
    }

    /// The value as `sqlite3` prints it; nil for NULL.
    public var text: String? {
        switch self {
        case .null: return nil
        case let .integer(number): return String(number)
        case let .real(number): return String(number)
        case let .text(text): return text
        case let .blob(bytes): return "x'" + bytes.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
