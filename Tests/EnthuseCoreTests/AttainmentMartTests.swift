import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Attainment marts, recomputed by hand")
struct AttainmentMartTests {
    /// The hand calculations of README.md's "Attainment marts": each ```sql block whose first line
    /// is `-- figure: NAME`, by name.
    static func readmeQueries() throws -> [String: String] {
        let readme = try String(contentsOf: Project.root.appendingPathComponent("README.md"), encoding: .utf8)
        var queries: [String: String] = [:]
        for block in readme.components(separatedBy: "```sql\n").dropFirst() {
            let sql = block.components(separatedBy: "\n```")[0]
            guard sql.hasPrefix("-- figure: ") else { continue }
            let name = sql.dropFirst("-- figure: ".count).prefix { $0 != "\n" }
            queries[String(name)] = sql
        }
        return queries
    }

    /// Every sample the marts draw on, loaded into one warehouse.
    static func sampleWarehouse() throws -> Scratch {
        setenv(Pseudonymiser.environmentVariable, AttendanceTests.key, 1)
        let scratch = try Scratch()
        let samples = try FileManager.default.contentsOfDirectory(atPath: Project.spec.path).filter { name in
            ["edubasealldata", "links_", "partnerships_", "ks2_", "ks4_", "survey_"].contains { name.hasPrefix($0) }
                || (name.hasPrefix("attendance_") && name.hasSuffix(".csv"))
        }
        for sample in samples { try scratch.add(fixture: sample) }
        return scratch
    }

    static func same(_ a: DatabaseValue, _ b: DatabaseValue) -> Bool {
        switch (a.storage, b.storage) {
        case let (.double(x), .double(y)): return abs(x - y) < 1e-9
        case let (.int64(x), .double(y)), let (.double(y), .int64(x)): return abs(Double(x) - y) < 1e-9
        default: return a == b
        }
    }

    @Test func readmeQueriesRecomputeEveryFigureOfBothMartsFromTheSamples() throws {
        // Given every sample loaded
        let scratch = try Self.sampleWarehouse()
        let report = try scratch.run()
        #expect(report.exitCode == 0)
        let queries = try Self.readmeQueries()
        let attainment = try #require(queries["mart_attainment_partnership"])

        try scratch.read { (db: Database) throws in
            // When each row of the attainment mart is recomputed with the README's query
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM mart_attainment_partnership")
            #expect(rows.count > 200)
            #expect(Set(rows.map { $0["partnership_id"] as String }).count == 6)
            #expect(rows.contains { ($0["status"] as String) == "suppressed" })
            #expect(rows.contains { ($0["change_from_baseline"] as Double?) != nil })
            for row in rows {
                let arguments: StatementArguments = ["partnership_id": row["partnership_id"] as String, "key_stage": row["key_stage"] as String,
                                                     "measure": row["measure"] as String, "academic_year": row["academic_year"] as String]
                let byHand = try #require(try Row.fetchOne(db, sql: attainment, arguments: arguments))
                // Then every column agrees
                for column in byHand.columnNames {
                    #expect(Self.same(row[column], byHand[column]), "\(column) of \(row)")
                }
            }

            // And each headline figure agrees with its README query
            let kpis = try Row.fetchAll(db, sql: "SELECT * FROM mart_programme_kpi")
            let names = Set(kpis.map { $0["kpi"] as String })
            #expect(names == Set(queries.keys.filter { $0.hasPrefix("kpi ") }.map { String($0.dropFirst(4)) }))
            for kpi in kpis {
                let name: String = kpi["kpi"]
                let byHand = try #require(try Row.fetchOne(db, sql: queries["kpi " + name]!))
                for column in ["value", "numerator", "denominator"] {
                    #expect(Self.same(kpi[column], byHand[column]), "\(column) of \(name): \(kpi) vs \(byHand)")
                }
            }
        }
    }

    @Test func sampleHeadlineFiguresAreThoseThePartnershipsAndSurveyShow() throws {
        let scratch = try Self.sampleWarehouse()
        try scratch.run()

        let kpi = try scratch.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM mart_programme_kpi").map { ($0["kpi"] as String, $0) })
        }
        // 41 memberships; 124989 is in two partnerships, 109970 became 152456 (also a member),
        // 152472 and 152670 merged into 154920, 121654 merged into its fellow member 109061
        #expect(kpi["schools_engaged"]?["value"] == 37)
        #expect(kpi["partnerships"]?["value"] == 6)
        #expect(kpi["median_partnership_size"]?["value"] == 7.0)
        #expect(kpi["max_partnership_size"]?["value"] == 8)
        #expect(kpi["pct_agree_raised_attainment"]?["value"] == 84.0)
        #expect(kpi["pct_agree_raised_attainment"]?["denominator"] == 100)
        #expect(kpi["pct_engagement_increased"]?["value"] == 90.0)
        #expect(kpi["pct_engagement_increased"]?["numerator"] == 90)
        // Grants: 12,000 + 12,000 + 15,000 + 20,000 + 15,000 + 15,000 pounds over the schools engaged
        #expect(kpi["funding_per_school_engaged_pence"]?["numerator"] == 8_900_000)
        #expect(kpi["funding_per_school_engaged_pence"]?["value"] == Int64((8_900_000.0 / 37).rounded()))
        #expect(kpi["cpd_hours_per_teacher"]?["value"] == (try Self.cpdHoursPerTeacherFromTheSampleRegisters()))
    }

    /// Attended CPD hours of teachers per teacher who attended anything, read from the CSV
    /// registers here without the loader (the newest register of a partnership and term only;
    /// each sample term has one).
    static func cpdHoursPerTeacherFromTheSampleRegisters() throws -> Double {
        var hours = 0.0
        var teachers = Set<String>()
        for sample in try FileManager.default.contentsOfDirectory(atPath: Project.spec.path) where sample.hasPrefix("attendance_") && sample.hasSuffix(".csv") {
            let text = try String(contentsOf: Project.spec.appendingPathComponent(sample), encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let fields = AttainmentTests.fields(line)
                guard fields.count == 11, fields[4] == "Teacher", ["TRUE", "Y", "Yes", "1", "Present"].contains(fields[10]) else { continue }
                teachers.insert(fields[3].lowercased())
                if fields[7] == "CPD" { hours += Double(fields[9])! }
            }
        }
        return (hours / Double(teachers.count) * 10).rounded() / 10
    }
}
