import Foundation
import GRDB

/// The built-in demo: a deterministic synthetic inbox for every source the project supports.
///
/// The same seed gives the same bytes, so running the demo twice loads once and then reports a
/// no-op.
public struct DemoInbox {
    public let seed: UInt64

    public init(seed: UInt64 = 2008) {
        self.seed = seed
    }

    /// Writes the inbox into `directory` (created if needed) and returns the file names.
    @discardableResult
    public func write(to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try RegisterDemo(seed: seed).write(to: directory) + FundingDemo().write(to: directory) + AttainmentDemo(seed: seed).write(to: directory)
    }

    /// Row counts of the warehouse's main tables: what the demo loaded.
    public static let summaryTables = [
        "dim_school", "school_lineage", "school_register_anomaly", "fct_contribution", "contribution_conflict",
        "mart_funding_round", "mart_funding_issue", "dim_partnership", "bridge_partnership_school", "fct_attainment",
        "mart_attainment_partnership", "fct_survey_response", "mart_programme_kpi", "etl_reject",
    ]

    /// One line per summary table: `table: N rows`.
    public static func describe(warehouse path: String) throws -> [String] {
        try Warehouse.openReadOnly(path: path).read { db in
            try summaryTables.map { table in
                "\(table): \(try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0) rows"
            }
        }
    }
}
