import Foundation
import GRDB

/// Finance's reconciliation: per round and per funder, pledged against received against
/// announced, then every issue to look at — read from the funding marts, optionally as of a date.
public struct Reconciliation: Sendable {
    public var asOf: ISODate?
    public var rounds: [[String: DatabaseValue]]
    public var funders: [[String: DatabaseValue]]
    public var issues: [[String: DatabaseValue]]

    public static let roundColumns = ["round", "announced_pence", "announced_qualifier", "pledged_pence", "received_pence", "refunded_pence",
                                      "net_received_pence", "outstanding_pence", "variance_to_announced_pence", "status"]
    public static let funderColumns = ["round", "funder_id", "funder_name", "pledged_pence", "received_pence", "refunded_pence",
                                       "outstanding_pence", "entries"]
    public static let issueColumns = ["kind", "round", "funder_id", "ref", "amount_pence", "detail"]

    /// Every round balances and there is nothing to look at.
    public var balances: Bool {
        issues.isEmpty && rounds.allSatisfy { $0["status"]?.text == "balanced" }
    }

    /// Opens the warehouse read-only and reconciles.
    public static func read(warehouse path: String, round: String?, asOf: ISODate?) throws -> Reconciliation {
        try Warehouse.openReadOnly(path: path).read { db in try read(db, round: round, asOf: asOf) }
    }

    public static func read(_ db: Database, round: String?, asOf: ISODate?) throws -> Reconciliation {
        func fetch(_ view: String, columns: [String], order: String) throws -> [[String: DatabaseValue]] {
            let sql = try asOfSQL(db, view: view, asOf: asOf)
            let filter = round == nil ? "" : "WHERE round = :round"
            var arguments: [String: (any DatabaseValueConvertible)?] = [:]
            if let asOf { arguments["as_of"] = asOf.text }
            if let round { arguments["round"] = round }
            return try Row.fetchAll(db, sql: "SELECT * FROM (\(sql)) \(filter) ORDER BY \(order)", arguments: StatementArguments(arguments))
                .map { row in Dictionary(uniqueKeysWithValues: columns.map { ($0, row[$0] as DatabaseValue) }) }
        }
        return Reconciliation(
            asOf: asOf,
            rounds: try fetch("mart_funding_round", columns: roundColumns, order: "round"),
            funders: try fetch("mart_funding_funder", columns: funderColumns, order: "round, funder_id"),
            issues: try fetch("mart_funding_issue", columns: issueColumns, order: "round, kind, funder_id, ref"))
    }

    /// The view's own SQL, reading only the entries dated up to `asOf`: the ledger tables are
    /// shadowed by common table expressions of the same name, so marts and reconcile share one
    /// definition.
    static func asOfSQL(_ db: Database, view: String, asOf: ISODate?) throws -> String {
        guard let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", arguments: [view]),
              let body = definition.range(of: #"^CREATE VIEW \w+ AS\s+"#, options: .regularExpression).map({ String(definition[$0.upperBound...]) })
        else {
            throw WarehouseError.schemasMissing(path: "view \(view)")
        }
        guard asOf != nil else { return "SELECT * FROM \(view)" }
        let shadows = ["fct_contribution", "contribution_conflict", "stg_contribution"]
            .map { "\($0) AS (SELECT * FROM main.\($0) WHERE entry_date <= :as_of)" }
            .joined(separator: ", ")
        if body.uppercased().hasPrefix("WITH ") {
            return "WITH \(shadows), " + body.dropFirst(5)
        }
        return "WITH \(shadows) " + body
    }
}
