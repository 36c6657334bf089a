import Foundation
import GRDB

/// The warehouse as operations see it: recent runs, what each did, and each source's freshness.
public struct WarehouseStatus: Sendable {
    public struct RunSummary: Sendable {
        public var id: Int64
        public var started: String
        public var finished: String?
        public var status: String
        public var exitCode: Int?
        public var files: Int
        public var rowsLoaded: Int
        public var rowsRejected: Int
        public var filesRejected: Int
    }

    public struct SourceFreshness: Sendable {
        public var source: String
        public var newestFileDate: String?
        public var freshnessDays: Int?
        public var files: Int
        /// The newest file is older than the declared freshness (or nothing was ever loaded).
        public var isStale: Bool
    }

    public var runs: [RunSummary]
    public var sources: [SourceFreshness]

    /// Opens the warehouse read-only and reads its status.
    public static func read(warehouse path: String, catalog: PipelineCatalog?, today: ISODate, limit: Int = 10) throws -> WarehouseStatus {
        try Warehouse.openReadOnly(path: path).read { db in try read(db, catalog: catalog, today: today, limit: limit) }
    }

    /// Reads the last `limit` runs and, for every pipeline, its newest loaded file as of `today`.
    public static func read(_ db: Database, catalog: PipelineCatalog?, today: ISODate, limit: Int = 10) throws -> WarehouseStatus {
        let runs = try Row.fetchAll(db, sql: """
            SELECT r.id, r.started, r.finished, r.status, r.exit_code,
                   count(f.id) AS files,
                   coalesce(sum(f.rows_loaded), 0) AS loaded,
                   coalesce(sum(f.rows_rejected), 0) AS rejected,
                   coalesce(sum(f.status = 'rejected'), 0) AS files_rejected
            FROM etl_run r LEFT JOIN etl_file f ON f.run_id = r.id
            GROUP BY r.id ORDER BY r.id DESC LIMIT ?
            """, arguments: [limit]).map { row in
            RunSummary(id: row["id"], started: row["started"], finished: row["finished"], status: row["status"],
                       exitCode: row["exit_code"], files: row["files"], rowsLoaded: row["loaded"],
                       rowsRejected: row["rejected"], filesRejected: row["files_rejected"])
        }
        var newest: [String: (String?, Int)] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT source, max(file_date) AS newest, count(*) AS files FROM etl_file
            WHERE status IN ('loaded', 'superseded') GROUP BY source
            """) {
            newest[row["source"]] = (row["newest"], row["files"])
        }
        let sourceNames = catalog?.pipelines.map(\.source) ?? newest.keys.sorted()
        let sources = sourceNames.map { source -> SourceFreshness in
            let days = catalog?.pipeline(named: source)?.freshnessDays
            let (date, files) = newest[source] ?? (nil, 0)
            var stale = false
            if let days {
                if let date, let loaded = ISODate.parseISO(date) {
                    stale = today.daysSinceEpoch - loaded.daysSinceEpoch > days
                } else {
                    stale = true
                }
            }
            return SourceFreshness(source: source, newestFileDate: date, freshnessDays: days, files: files, isStale: stale)
        }
        return WarehouseStatus(runs: runs, sources: sources)
    }

    public var hasStaleSource: Bool { sources.contains(where: \.isStale) }

    /// The report `enthuse status` prints.
    public var text: String {
        var lines = ["recent runs:"]
        if runs.isEmpty { lines.append("  none yet") }
        for run in runs {
            lines.append("  run \(run.id)  \(run.started)  \(run.status)  exit \(run.exitCode.map(String.init) ?? "-")  files \(run.files) (\(run.filesRejected) rejected)  rows loaded \(run.rowsLoaded), rejected \(run.rowsRejected)")
        }
        lines.append("sources:")
        for source in sources {
            let newest = source.newestFileDate ?? "never loaded"
            let freshness = source.freshnessDays.map { "expected every \($0) days" } ?? "no freshness declared"
            lines.append("  \(source.source)  newest file \(newest)  \(source.files) file(s)  \(freshness)\(source.isStale ? "  STALE" : "")")
        }
        return lines.joined(separator: "\n")
    }
}

extension ISODate {
    /// Today's date in UTC.
    public static var today: ISODate {
        ISODate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))!
    }
}
