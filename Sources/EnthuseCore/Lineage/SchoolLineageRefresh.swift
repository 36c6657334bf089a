import GRDB

/// Rebuilds `school_lineage` from the newest links snapshot held and the current register.
enum SchoolLineageRefresh {
    static func run(_ db: Database) throws {
        var links: [SchoolLink] = []
        if let snapshot = try String.fetchOne(db, sql: "SELECT max(snapshot_date) FROM stg_school_link") {
            let rows = try Row.fetchCursor(db, sql: "SELECT urn, link_urn, link_type, established FROM stg_school_link WHERE snapshot_date = ?", arguments: [snapshot])
            while let row = try rows.next() {
                links.append(SchoolLink(urn: row["urn"], linkURN: row["link_urn"], linkType: row["link_type"], established: row["established"]))
            }
        }
        let open = Set(try Int.fetchAll(db, sql: """
            SELECT urn FROM dim_school WHERE is_current = 1 AND status IN ('Open', 'Open, but proposed to close')
            """))
        let registered = try Int.fetchAll(db, sql: "SELECT urn FROM dim_school WHERE is_current = 1")
        let resolutions = LineageResolver(links: links).resolve(urns: registered, isOpen: open.contains)
        try db.execute(sql: "DELETE FROM school_lineage")
        let insert = try db.makeStatement(sql: "INSERT INTO school_lineage (urn, current_urn, resolution, steps, candidates) VALUES (?, ?, ?, ?, ?)")
        for resolution in resolutions {
            let candidates = resolution.candidates.isEmpty ? nil : resolution.candidates.map(String.init).joined(separator: " ")
            try insert.execute(arguments: [resolution.urn, resolution.currentURN, resolution.resolution.rawValue, resolution.steps, candidates])
        }
    }
}
