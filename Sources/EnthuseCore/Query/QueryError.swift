/// Why `enthuse query` did not run a statement, worded for the analyst who typed it.
public enum QueryError: Error, CustomStringConvertible, Equatable {
    /// The statement would change something: a write, an ATTACH, a PRAGMA that sets a value.
    case refused(String)
    /// More than one statement was given.
    case multipleStatements
    /// Nothing but blanks and comments was given.
    case empty
    /// SQLite could not compile or run the statement (a typo, an unknown table, …).
    case sql(String)
    /// The warehouse file could not be opened for reading.
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case let .refused(reason):
            return "\(reason). enthuse query only reads the warehouse: data arrives through `enthuse run`; "
                + "to experiment with changes, work on a copy (sqlite3 warehouse.sqlite \".backup scratch.sqlite\")"
        case .multipleStatements:
            return "one statement at a time: the SQL holds more than one statement (text follows the first ';'); run them separately"
        case .empty:
            return "no SQL statement given; pass one, e.g. enthuse query \"SELECT * FROM mart_funding_round\""
        case let .sql(message):
            return "SQLite could not run the statement: \(message)"
        case let .cannotOpen(path, reason):
            return "cannot open the warehouse \(path) for reading (\(reason)); check the path and that you may read it"
        }
    }
}
