import Foundation
import GRDB
import GRDBSQLite

/// An SQL file from `schemas/`, run statement by statement with named parameters (`:etl_file_id`,
/// `:snapshot_date`); each statement receives just the parameters it names.
struct SQLScript {
    let url: URL
    let sql: String

    init(url: URL) throws {
        self.url = url
        do {
            sql = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineConfigurationError(file: url.path, line: nil, message: "cannot read the SQL file: \(error.localizedDescription)")
        }
    }

    func run(_ db: Database, parameters: [(String, FieldValue)]) throws {
        let values = Dictionary(parameters, uniquingKeysWith: { first, _ in first })
        let statements = try db.allStatements(sql: sql)
        while let statement = try statements.next() {
            var arguments: [String: (any DatabaseValueConvertible)?] = [:]
            let handle = statement.sqliteStatement
            let count = sqlite3_bind_parameter_count(handle)
            if count > 0 {
                for index in 1...count {
                    guard let cName = sqlite3_bind_parameter_name(handle, index) else {
                        throw PipelineConfigurationError(file: url.path, line: nil, message: "use named parameters (:name), not ?, in \(statement.sql)")
                    }
                    let name = String(String(cString: cName).dropFirst())
                    guard let value = values[name] else {
                        throw PipelineConfigurationError(file: url.path, line: nil, message: "the parameter :\(name) is not provided; available: \(values.keys.sorted().map { ":" + $0 }.joined(separator: ", "))")
                    }
                    arguments[name] = value.databaseValue
                }
            }
            try statement.execute(arguments: StatementArguments(arguments))
        }
    }
}

extension FieldValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case let .integer(number): return number.databaseValue
        case let .real(number): return number.databaseValue
        case let .text(text): return text.databaseValue
        }
    }
}

extension DatabaseError {
    /// The warehouse itself failed (full disk, I/O error, read-only or unopenable file): the run
    /// must stop with exit 74, not blame the file being loaded.
    var isWarehouseIOError: Bool {
        switch resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_NOMEM, .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return true
        default:
            return false
        }
    }
}
