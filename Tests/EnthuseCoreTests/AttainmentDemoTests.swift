import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("The demo's programme figures")
struct AttainmentDemoTests {
    @Test func demoInboxReproducesTheProgrammesHeadlineFiguresFromRawRows() throws {
        // Given the demo inbox (its attendance registers need the pseudonymisation key)
        setenv(Pseudonymiser.environmentVariable, AttendanceTests.key, 1)
        let scratch = try Scratch()
        try DemoInbox().write(to: scratch.inbox)

        // When it is loaded
        let report = try scratch.run()

        // Then it loads cleanly and its KPIs are the published headline figures
        #expect(report.exitCode == 0, "\(report.summary)")
        let kpi = try scratch.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM mart_programme_kpi").map { ($0["kpi"] as String, $0) })
        }
        #expect(kpi["schools_engaged"]?["value"] == 450)
        #expect(kpi["partnerships"]?["value"] == 70)
        #expect(kpi["max_partnership_size"]?["value"] == 17)
        let median = try #require(kpi["median_partnership_size"]?["value"] as Double?)
        #expect((5.0...7.0).contains(median))
        #expect(kpi["pct_agree_raised_attainment"]?["value"] == 84.0)
        #expect(kpi["pct_engagement_increased"]?["value"] == 90.0)
        #expect(kpi["funding_per_school_engaged_pence"]?["denominator"] == 450)
        try scratch.read { (db: Database) throws in
            // Partnerships of four to eight, two grown beyond and flagged
            #expect(try String.fetchAll(db, sql: "SELECT size_flag FROM dim_partnership WHERE size_flag <> 'within_4_to_8'") == ["more_than_8", "more_than_8"])
            // Nine years of both key stages, with tokens kept as statuses
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT key_stage || academic_year) FROM fct_attainment") == 18)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fct_attainment WHERE status <> 'ok'") ?? 0 > 100)
            // A member converted to an academy: results under both URNs, one school to the partnership
            let converted = try #require(try Row.fetchOne(db, sql: """
                SELECT b.partnership_id, b.urn, l.current_urn FROM bridge_partnership_school b
                JOIN school_lineage l ON l.urn = b.urn AND l.resolution = 'successor'
                JOIN fct_attainment f ON f.urn = l.current_urn
                LIMIT 1
                """))
            let urns = try Int.fetchAll(db, sql: """
                SELECT urn FROM fct_attainment WHERE urn IN (?, ?) GROUP BY urn ORDER BY min(academic_year)
                """, arguments: [converted["urn"] as Int, converted["current_urn"] as Int])
            #expect(urns == [converted["urn"] as Int, converted["current_urn"] as Int])
            let series = try Int.fetchAll(db, sql: """
                SELECT count(*) FROM fct_attainment f JOIN school_lineage l ON l.urn = f.urn
                WHERE l.current_urn = ? GROUP BY f.academic_year
                """, arguments: [converted["current_urn"] as Int])
            #expect(series.count == 9)
        }
    }

    @Test func demoInboxIsTheSameBytesEveryTime() throws {
        let first = try Scratch(), second = try Scratch()
        let names = try AttainmentDemo().write(to: first.inbox)
        try AttainmentDemo().write(to: second.inbox)
        for name in names {
            #expect(try Data(contentsOf: first.inbox.appendingPathComponent(name)) == Data(contentsOf: second.inbox.appendingPathComponent(name)), "\(name)")
        }
        #expect(names.count == 2 + 18)
    }
}
