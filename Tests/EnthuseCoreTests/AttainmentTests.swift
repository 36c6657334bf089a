import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Attainment from the performance tables")
struct AttainmentTests {
    static let ks2Samples = (2010...2018).map { "ks2_\($0)-\($0 + 1).csv" }
    static let ks4Samples = (2010...2018).map { "ks4_\($0)-\($0 + 1).csv" }

    /// Splits one CSV line, honouring double quotes (the samples quote names with commas).
    static func fields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var field = "", quoted = false
        for character in line {
            if character == "\"" { quoted.toggle() } else if character == ",", !quoted { fields.append(field); field = "" } else { field.append(character) }
        }
        fields.append(field)
        return fields
    }

    /// The measure map as the seed file has it: (key stage, column, first year, last year, measure).
    static func measureMap() throws -> [(keyStage: String, column: String, first: String, last: String?, measure: String)] {
        let text = try String(contentsOf: Project.pipelines.appendingPathComponent("reference/attainment_measures.csv"), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { line in
            let cells = fields(line)
            return (cells[0], cells[1], cells[2], cells[3].isEmpty ? nil : cells[3], cells[4])
        }
    }

    /// A scratch inbox whose register holds schools 100001…100012 (100001 closed, succeeded by the
    /// academy 100010) and partnership EP-0001 of 100001, 100002, 100003, 100004 and 100005.
    static func scratch(planStart: String = "2016-09-01", members: [Int] = [100_001, 100_002, 100_003, 100_004, 100_005]) throws -> Scratch {
        let scratch = try Scratch()
        let schools = (100_001...100_012).map { urn in
            urn == 100_001 ? TinyRegister.row(urn: urn, name: "Hillside Primary School", status: "Closed", closeDate: "31-08-2016")
                : urn == 100_010 ? TinyRegister.row(urn: urn, name: "Hillside Primary Academy", openDate: "01-09-2016")
                : TinyRegister.row(urn: urn, name: "School \(urn)")
        }
        try scratch.write("edubasealldata20190101.csv", text: TinyRegister.file(schools))
        try scratch.write("links_edubasealldata20190101.csv", text: """
            "URN","LinkURN","LinkName","LinkType","LinkEstablishedDate"\r
            100001,100010,"Hillside Primary Academy","Successor","01-09-2016"\r
            100010,100001,"Hillside Primary School","Predecessor","01-09-2016"\r

            """)
        try scratch.write("partnerships_20190731.xml", text: TinyExport.file([
            TinyExport.partnership("EP-0001", lead: 100_002, members: TinyExport.members(members), start: planStart,
                                   end: "\(Int(planStart.prefix(4))! + 2)-08-31"),
        ]))
        return scratch
    }

    @Test func sampleFilesLoadAndEveryFactIsAPublishedCellOfASchoolRow() throws {
        // Given the sample register, links and every KS2 and KS4 sample
        let scratch = try Scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        try scratch.add(fixture: "links_edubasealldata20261128.csv")
        for sample in Self.ks2Samples + Self.ks4Samples { try scratch.add(fixture: sample) }

        // When the inbox is run
        let report = try scratch.run()

        // Then every file loads, and the facts are exactly the mapped cells of the school rows,
        // read here straight from the files: numbers without their % sign, tokens as statuses
        #expect(report.exitCode == 0)
        #expect(report.files.filter { $0.source.hasPrefix("attainment_") }.map(\.status) == Array(repeating: .loaded, count: 18))
        let map = try Self.measureMap()
        var expected: [String] = []
        for sample in Self.ks2Samples + Self.ks4Samples {
            let keyStage = sample.prefix(3).uppercased()
            let first = Int(sample.dropFirst(4).prefix(4))!
            let year = String(format: "%d/%02d", first, (first + 1) % 100)
            let lines = try String(contentsOf: Project.spec.appendingPathComponent(sample), encoding: .utf8).split(whereSeparator: \.isNewline)
            let header = Self.fields(lines[0])
            for line in lines.dropFirst() {
                let cells = Self.fields(line)
                guard ["1", "2"].contains(cells[0]) else { continue }
                for (index, column) in header.enumerated() {
                    guard let mapped = map.first(where: { $0.keyStage == keyStage && $0.column == column && $0.first <= year && year <= ($0.last ?? "9999/99") }),
                          !cells[index].isEmpty else { continue }
                    let number = Double(cells[index].replacingOccurrences(of: "%", with: ""))
                    let value = number.map { String(format: "%.2f", $0 + 0) } ?? "NULL"   // -0.00 is 0
                    expected.append("\(cells[3]) \(year) \(keyStage) \(mapped.measure) \(number == nil ? cells[index] : "ok") \(value)")
                }
            }
        }
        let facts = try scratch.read { db in
            try Row.fetchAll(db, sql: "SELECT urn, academic_year, key_stage, measure, status, value FROM fct_attainment").map { row in
                let value = (row["value"] as Double?).map { String(format: "%.2f", $0 + 0) } ?? "NULL"
                return "\(row["urn"] as Int) \(row["academic_year"] as String) \(row["key_stage"] as String) \(row["measure"] as String) \(row["status"] as String) \(value)"
            }
        }
        #expect(facts.count > 1000)
        #expect(facts.sorted() == expected.sorted())
        try scratch.read { (db: Database) throws in
            // LA and national rows are staged as they came, never facts
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_attainment WHERE rectype NOT IN (1, 2)") == 18 * 10)
            // Tokens are statuses beside no value: `c` in 2018/19, SUPP in 2015/16
            #expect(try Row.fetchOne(db, sql: "SELECT value, status FROM fct_attainment WHERE urn = 130304 AND academic_year = '2018/19' AND measure = 'ks2_rwm_expected'")?.description == "[value:NULL status:\"c\"]")
            #expect(try Row.fetchOne(db, sql: "SELECT value, status FROM fct_attainment WHERE urn = 137739 AND academic_year = '2015/16' AND measure = 'ks4_5ac_incl_english_maths'")?.description == "[value:NULL status:\"SUPP\"]")
            #expect(try Double.fetchOne(db, sql: "SELECT value FROM fct_attainment WHERE urn = 137739 AND academic_year = '2016/17' AND measure = 'ks4_progress8'") == -0.41)
        }
    }

    @Test func suppressedCellChangesTheCountOfSchoolsWithAValueNotTheMeansDenominator() throws {
        // Given five member schools, one of them SUPP in 2016/17; two tokens of five in 2017/18
        let scratch = try Self.scratch(planStart: "2017-09-01")
        try scratch.write("ks2_2016-2017.csv", text: TinyKS2.file([(100_001, "60%"), (100_002, "70%"), (100_003, "80%"), (100_004, "90%"), (100_005, "SUPP")]))
        try scratch.write("ks2_2017-2018.csv", text: TinyKS2.file([(100_010, "60%"), (100_002, "SUPP"), (100_003, "NE"), (100_004, "x"), (100_005, "70%")]))
        try scratch.write("ks2_2018-2019.csv", text: TinyKS2.file([(100_010, "70%"), (100_002, "80%"), (100_003, "90%"), (100_004, "100%"), (100_005, "50%")]))

        // When the inbox is run
        let report = try scratch.run()

        // Then the SUPP school is not counted and not averaged as a zero: 300 / 4, not 300 / 5
        #expect(report.exitCode == 0)
        let rows = try scratch.read { db in
            try Row.fetchAll(db, sql: """
                SELECT academic_year, member_schools, schools_with_value, mean_value, status, baseline_year, baseline_mean, change_from_baseline
                FROM mart_attainment_partnership WHERE measure = 'ks2_rwm_expected' ORDER BY academic_year
                """)
        }
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { ($0["member_schools"] as Int) == 5 && ($0["baseline_year"] as String) == "2016/17" })
        #expect(rows[0]["schools_with_value"] == 4)
        #expect(rows[0]["mean_value"] == 75.0)
        #expect(rows[0]["status"] == "published")
        // Fewer than three schools with a value: no mean is shown
        #expect(rows[1]["schools_with_value"] == 2)
        #expect(rows[1]["mean_value"] == nil as Double?)
        #expect(rows[1]["status"] == "suppressed")
        #expect(rows[1]["change_from_baseline"] == nil as Double?)
        // Against the baseline year before the plan started
        #expect(rows[2]["mean_value"] == 78.0)
        #expect(rows[2]["baseline_mean"] == 75.0)
        #expect(rows[2]["change_from_baseline"] == 3.0)
    }

    @Test func convertedAcademyKeepsItsAttainmentSeriesAcrossTheURNChange() throws {
        // Given member 100001, which the links say became the academy 100010 in 2016; the CRM
        // still lists the old URN, and the tables publish under the new one from 2016/17
        let scratch = try Self.scratch(planStart: "2016-09-01", members: [100_001, 100_002, 100_003])
        try scratch.write("ks2_2015-2016.csv", text: TinyKS2.file([(100_001, "40%"), (100_002, "50%"), (100_003, "60%"), (100_011, "99%")]))
        try scratch.write("ks2_2016-2017.csv", text: TinyKS2.file([(100_010, "55%"), (100_002, "50%"), (100_003, "60%"), (100_011, "99%")]))
        try scratch.write("ks2_2017-2018.csv", text: TinyKS2.file([(100_010, "70%"), (100_002, "56%"), (100_003, "60%"), (100_011, "99%")]))

        // When the inbox is run
        let report = try scratch.run()

        // Then the school counts in every year, under either URN, and the change is measured
        // across the conversion
        #expect(report.exitCode == 0)
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bridge_partnership_school WHERE urn = 100010") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT current_urn FROM school_lineage WHERE urn = 100001") == 100_010)
            let rows = try Row.fetchAll(db, sql: """
                SELECT academic_year, member_schools, schools_with_value, mean_value, change_from_baseline
                FROM mart_attainment_partnership WHERE measure = 'ks2_rwm_expected' ORDER BY academic_year
                """)
            #expect(rows.map { $0["academic_year"] as String } == ["2015/16", "2016/17", "2017/18"])
            #expect(rows.allSatisfy { ($0["member_schools"] as Int) == 3 && ($0["schools_with_value"] as Int) == 3 })
            #expect(rows.map { $0["mean_value"] as Double } == [50.0, 55.0, 62.0])
            #expect(rows[2]["change_from_baseline"] == 12.0)
        }
    }

    @Test func sampleAcademyConversionContinuesThePartnershipSeries() throws {
        // Given the samples: EP-0018's member 113824 became the academy 157944 in 2016
        let scratch = try Scratch()
        for fixture in ["edubasealldata20261128.csv", "links_edubasealldata20261128.csv", "partnerships_20261128.xml"] + Self.ks2Samples {
            try scratch.add(fixture: fixture)
        }

        try scratch.run()

        // Then the school has a KS2 row for EP-0018 in each of the nine years, under either URN
        let years = try scratch.read { db in
            try String.fetchAll(db, sql: """
                SELECT f.academic_year || ':' || f.urn FROM fct_attainment f
                JOIN school_lineage l ON l.urn = f.urn
                JOIN bridge_partnership_school b ON b.partnership_id = 'EP-0018'
                JOIN school_lineage bl ON bl.urn = b.urn AND bl.current_urn = l.current_urn
                WHERE l.current_urn = 157944 AND f.measure LIKE 'ks2_maths%'
                ORDER BY f.academic_year
                """)
        }
        #expect(years == (2010...2015).map { String(format: "%d/%02d:113824", $0, ($0 + 1) % 100) }
                + (2016...2018).map { String(format: "%d/%02d:157944", $0, ($0 + 1) % 100) })
    }

    @Test func correctedFileReplacesTheEarlierDeliveryForItsYear() throws {
        let scratch = try Self.scratch()
        try scratch.write("ks2_2016-2017.csv", text: TinyKS2.file([(100_002, "50%"), (100_003, "SUPP")]))
        try scratch.run()
        try scratch.write("ks2_2016-2017.csv", text: TinyKS2.file([(100_002, "52%"), (100_003, "61%"), (100_004, "70%")]))

        let report = try scratch.run()

        #expect(report.files.first { $0.source == "attainment_ks2" }?.status == .loaded)
        try scratch.read { (db: Database) throws in
            #expect(try Double.fetchAll(db, sql: "SELECT value FROM fct_attainment WHERE measure = 'ks2_rwm_expected' ORDER BY urn") == [52, 61, 70])
            #expect(try String.fetchAll(db, sql: "SELECT status FROM etl_file WHERE source = 'attainment_ks2' ORDER BY id") == ["superseded", "loaded"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT etl_file_id) FROM stg_attainment") == 1)
        }
    }

    @Test func statusTokenIsKeptInThePublishedCaseWhateverCaseTheFileUses() throws {
        let scratch = try Self.scratch()
        let cells = ["supp", "Low", "X", "lowcov", "na", "c", "New", "np", "ne", "Z", "45%"]
        try scratch.write("ks2_2016-2017.csv", text: TinyKS2.file(cells.enumerated().map { (200_000 + $0.offset, $0.element) }))

        try scratch.run()

        let statuses = try scratch.read { db in
            try String.fetchAll(db, sql: "SELECT status FROM fct_attainment WHERE measure = 'ks2_rwm_expected' ORDER BY urn")
        }
        #expect(statuses == ["SUPP", "low", "x", "LOWCOV", "NA", "c", "NEW", "NP", "NE", "z", "ok"])
    }

    @Test func cellThatIsNeitherANumberNorAStatusTokenRefusesTheRowNamingTheColumn() throws {
        let scratch = try Self.scratch()
        let good = (0..<120).map { (urn: 200_000 + $0, rwm: "\($0 % 100)%") }
        var text = TinyKS2.file(good + [(100_002, "N/A")])
        text += "1,330,2040,,No URN School,Birmingham,B10 7TD,298,42,50%,70%,80%\r\n"
        try scratch.write("ks2_2016-2017.csv", text: text)

        let report = try scratch.run()

        let file = try #require(report.files.first { $0.source == "attainment_ks2" })
        #expect(file.status == .loaded)
        #expect(file.rowsRejected == 2)
        #expect(file.sampleRejects.contains { $0.line == 122 && $0.field == "ptrwm_exp" && $0.value == "N/A" })
        #expect(file.sampleRejects.contains { $0.line == 125 && $0.field == "urn" })
        #expect(try scratch.read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT urn) FROM fct_attainment") } == 120)
    }

    @Test func fileNamedForYearsThatAreNotOneAcademicYearIsRefusedWhole() throws {
        let scratch = try Self.scratch()
        try scratch.write("ks2_2016-2018.csv", text: TinyKS2.file([(100_002, "50%"), (100_003, "61%")]))

        let report = try scratch.run()

        let file = try #require(report.files.first { $0.source == "attainment_ks2" })
        #expect(file.status == .rejected)
        #expect(file.message?.contains("academic_year_is_two_consecutive_years") == true)
        #expect(try scratch.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fct_attainment") } == 0)
    }

    @Test func measureMapNamesEachColumnOnceAYearAndEveryColumnIsStagedAndUnpivoted() throws {
        let map = try Self.measureMap()
        let catalog = try Project.catalog()
        let transform = try String(contentsOf: Project.root.appendingPathComponent("schemas/transform/attainment.sql"), encoding: .utf8)
        for entry in map {
            let pipeline = try #require(catalog.pipeline(named: "attainment_\(entry.keyStage.lowercased())"))
            #expect(pipeline.columns.contains { $0.header == entry.column && $0.optional }, "\(entry.column) is not an optional column of \(pipeline.source)")
            #expect(transform.contains("WHEN '\(entry.column)'"), "\(entry.column) is not unpivoted by attainment.sql")
            // One source per measure and year: ranges of one measure never overlap
            for other in map where other.measure == entry.measure && (other.column, other.first) != (entry.column, entry.first) {
                #expect((other.last ?? "9999/99") < entry.first || (entry.last ?? "9999/99") < other.first, "\(entry.measure) has two columns in one year")
            }
        }
        // And every measure column a pipeline declares is in the map
        for stage in ["ks2", "ks4"] {
            let pipeline = try #require(catalog.pipeline(named: "attainment_\(stage)"))
            for column in pipeline.columns where column.optional && column.header.hasPrefix("P") || column.header == "ATT8SCR" {
                #expect(map.contains { $0.column == column.header }, "\(column.header) is declared but not mapped")
            }
        }
    }
}
