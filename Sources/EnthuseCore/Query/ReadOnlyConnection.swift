import Foundation
import GRDBSQLite

/// A connection to the warehouse that can only read: opened `SQLITE_OPEN_READONLY` with
/// `query_only` on, through SQLite's C API so that an authorizer of our own can vet every
/// statement (GRDB installs its own authorizer on the connections it manages).
///
/// In WAL mode a reader never blocks the nightly load and is never blocked by it: it sees the
/// warehouse as of the last commit before its statement started.
public final class ReadOnlyConnection {
    let handle: OpaquePointer

    /// Opens the warehouse at `path`, which must exist.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw WarehouseError.missing(path: path)
        }
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(code)"
            sqlite3_close_v2(connection)
            throw QueryError.cannotOpen(path: path, reason: message)
        }
        handle = connection
        sqlite3_busy_timeout(handle, 10_000)
        sqlite3_extended_result_codes(handle, 1)
        try execute("PRAGMA query_only = 1")
    }

    deinit {
        sqlite3_set_authorizer(handle, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Runs a statement that returns nothing, before any authorizer is installed.
    private func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastError
            sqlite3_free(error)
            throw QueryError.sql(message)
        }
    }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// The authorizer that vets every statement this connection compiles (and recompiles, when
    /// a load changes the schema mid-query), kept for the connection's life.
    var authorizer: StatementAuthorizer? {
        didSet {
            guard let authorizer else {
                sqlite3_set_authorizer(handle, nil, nil)
                return
            }
            sqlite3_set_authorizer(handle, { context, action, first, second, database, trigger in
                let authorizer = Unmanaged<StatementAuthorizer>.fromOpaque(context!).takeUnretainedValue()
                return authorizer.decide(AuthorizerRequest(
                    action: action, first: first.map { String(cString: $0) }, second: second.map { String(cString: $0) },
                    database: database.map { String(cString: $0) }, trigger: trigger.map { String(cString: $0) }))
            }, Unmanaged.passUnretained(authorizer).toOpaque())
        }
    }

    /// The base tables a statement reads, views expanded: its lineage. Nothing is run.
    public func tablesRead(by sql: String) throws -> Set<String> {
        var tables = Set<String>()
        let recorder = StatementAuthorizer { request in
            if request.action == SQLITE_READ, let table = request.first, request.database == "main" { tables.insert(table) }
            return nil
        }
        let previous = authorizer
        authorizer = recorder
        defer { authorizer = previous }
        sqlite3_finalize(try prepare(sql).statement)
        return tables
    }

    /// Compiles the first statement of `sql`, and reports whether anything but blanks and
    /// comments follows it. Refusals by the authorizer become ``QueryError/refused(_:)``.
    func prepare(_ sql: String) throws(QueryError) -> (statement: OpaquePointer, hasMore: Bool) {
        authorizer?.reset()
        let utf8 = Array(sql.utf8CString)
        return try utf8.withUnsafeBufferPointer { buffer throws(QueryError) in
            let base = buffer.baseAddress!
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(handle, base, Int32(buffer.count), &statement, &tail)
            guard code == SQLITE_OK else {
                if let reason = authorizer?.firstRefusal { throw .refused(reason) }
                throw .sql(lastError)
            }
            guard let statement else { throw .empty }
            var hasMore = false
            if let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                let nextCode = sqlite3_prepare_v2(handle, tail, -1, &next, nil)
                hasMore = nextCode != SQLITE_OK || next != nil
                sqlite3_finalize(next)
                authorizer?.reset()
            }
            return (statement, hasMore)
        }
    }
}

/// One call of SQLite's authorizer: the action code and its up to four text arguments.
struct AuthorizerRequest {
    var action: Int32
    var first: String?
    var second: String?
    var database: String?
    var trigger: String?
}

/// Decides each action SQLite asks about while a statement is compiled, remembering the first
/// refusal so the error can say what was refused and why.
final class StatementAuthorizer {
    /// Returns nil to allow the action, or the reason it is refused.
    let refusal: (AuthorizerRequest) -> String?
    private(set) var firstRefusal: String?

    init(refusal: @escaping (AuthorizerRequest) -> String?) {
        self.refusal = refusal
    }

    func decide(_ request: AuthorizerRequest) -> Int32 {
        guard let reason = refusal(request) else { return SQLITE_OK }
        if firstRefusal == nil { firstRefusal = reason }
        return SQLITE_DENY
    }

    func reset() { firstRefusal = nil }
}
