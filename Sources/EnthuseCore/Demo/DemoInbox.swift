import Foundation
import GRDB

/// The built-in demo: a deterministic synthetic inbox for every source the project supports.
///
/// The same seed gives the same bytes, so running the demo twice loads once and then reports a
/// no-op.
public struct DemoInbox {
    public let seed: UInt64
    /// The pseudonymisation key `enthuse demo` uses when none is set: public, so for demo data only.
    public static let demoPseudonymKey = "enthuse-demo-key-not-for-real-data"

    public let scale: Scale

    /// How big an inbox to write.
    public enum Scale: String, CaseIterable, Sendable {
        /// 1,200 establishments, 70 partnerships of 450 schools, 12,600 attendance rows.
        case demo
        /// A national nightly: ~50,000 establishments, ~70 partnerships of ~450 schools, ~1,000,000
        /// attendance rows.
        case national

        var establishments: Int { self == .demo ? 1_200 : 50_000 }
        var rowsPerRegister: Int { self == .demo ? 30 : 2_400 }
    }

    public init(seed: UInt64 = 2008, scale: Scale = .demo) {
        self.seed = seed
        self.scale = scale
    }

    /// Writes the inbox into `directory` (created if needed) and returns the file names.
    @discardableResult
    public func write(to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let register = RegisterDemo(establishments: scale.establishments, seed: seed)
        let attainment = AttainmentDemo(seed: seed, register: register)
        return try register.write(to: directory) + FundingDemo().write(to: directory) + attainment.write(to: directory)
            + AttendanceDemo(seed: seed).write(to: directory, partnerships: attainment.attendancePartnerships(),
                                               rowsPerRegister: scale.rowsPerRegister)
    }

    /// A register snapshot and one attendance register of `attendanceRows` rows, for benchmarks.
    public func writeBenchmark(to directory: URL, attendanceRows: Int, format: AttendanceDemo.Format = .csv) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let register = RegisterDemo(seed: seed)
        let snapshot = try register.write(to: directory).filter { $0.hasPrefix("edubasealldata") }
        for name in snapshot.dropLast() { try FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        let name = "attendance_EP-0001_2016-autumn_20170105.\(format.rawValue)"
        let partnership = AttainmentDemo(seed: seed, register: register).attendancePartnerships()[0]
        try AttendanceDemo(seed: seed).writeLargeRegister(to: directory.appendingPathComponent(name), format: format, partnership: partnership, rows: attendanceRows)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("links_edubasealldata\(RegisterDemo.snapshotDates.last!).csv"))
        return [snapshot.last!, name]
    }

    /// Row counts of the warehouse's main tables: what the demo loaded.
    public static let summaryTables = [
        "dim_school", "school_lineage", "school_register_anomaly", "fct_contribution", "contribution_conflict",
        "mart_funding_round", "mart_funding_issue", "dim_partnership", "bridge_partnership_school", "fct_attainment",
        "mart_attainment_partnership", "fct_survey_response", "fct_attendance", "mart_attendance_partnership", "mart_programme_kpi", "etl_reject",
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
