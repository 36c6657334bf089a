import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Teacher survey")
struct SurveyTests {
    /// A register of 100001…100012 and partnership EP-0001 of 100001…100004.
    static func scratch() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20150101.csv", text: TinyRegister.file((100_001...100_012).map { TinyRegister.row(urn: $0, name: "School \($0)") }))
        try scratch.write("partnerships_20190731.xml", text: TinyExport.file([
            TinyExport.partnership("EP-0001", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003, 100_004])),
        ]))
        return scratch
    }

    @Test func sampleSurveyLoadsWithEveryAnswerNormalised() throws {
        let scratch = try Scratch()
        for fixture in ["edubasealldata20261128.csv", "links_edubasealldata20261128.csv", "partnerships_20261128.xml", "survey_20190731.csv"] {
            try scratch.add(fixture: fixture)
        }

        let report = try scratch.run()

        #expect(report.exitCode == 0)
        let survey = try #require(report.files.first { $0.source == "survey" })
        #expect(survey.rowsLoaded == 103)
        #expect(survey.ignoredColumns.isEmpty)   // the comments column is personal data, never bound
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fct_survey_response WHERE agrees_attainment IS NULL") == 3)
            #expect(try String.fetchOne(db, sql: "SELECT responded_at FROM fct_survey_response WHERE source_line = 2") == "2016-08-02T09:53:14")
            let answers = try String.fetchAll(db, sql: "SELECT DISTINCT engagement_answer FROM fct_survey_response WHERE engagement_answer IS NOT NULL ORDER BY 1")
            #expect(answers == ["Don't know", "No", "Yes"])
            #expect(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('stg_survey_response')").allSatisfy { !$0.contains("comment") })
        }
    }

    @Test func rewordedQuestionsBindAndWrittenVariantsOfAnswersAreNormalised() throws {
        let scratch = try Self.scratch()
        try scratch.write("survey_20190731.csv", text: """
            Timestamp,Partnership ID,School URN,Role,"The partnership has had a positive impact on young people's attainment in STEM subjects","YOUNG PEOPLE'S INTEREST AND ENGAGEMENT IN STEM SUBJECTS HAS INCREASED",Any other comments
            01/07/2017 09:00:00,EP-0001,100001,Teacher,Strongly Agree,yes,Ms Jones was brilliant
            01/07/2017 09:05:00,EP-0001,100002,Teacher, agree ,Don’t know,
            01/07/2017 09:10:00,EP-0001,100003,Headteacher,Neither agree or disagree,N,
            01/07/2017 09:15:00,EP-0001,100004,Teacher,,,

            """)

        let report = try scratch.run()

        #expect(report.exitCode == 0)
        try scratch.read { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: "SELECT attainment_answer, agrees_attainment, engagement_answer, engagement_increased FROM fct_survey_response ORDER BY source_line")
            #expect(rows.map { $0["attainment_answer"] as String? } == ["Strongly agree", "Agree", "Neither agree nor disagree", nil])
            #expect(rows.map { $0["agrees_attainment"] as Int? } == [1, 1, 0, nil])
            #expect(rows.map { $0["engagement_answer"] as String? } == ["Yes", "Don't know", "No", nil])
            #expect(rows.map { $0["engagement_increased"] as Int? } == [1, 0, 0, nil])
            let kpi = try Row.fetchOne(db, sql: "SELECT value, numerator, denominator FROM mart_programme_kpi WHERE kpi = 'pct_agree_raised_attainment'")
            #expect(kpi?["value"] as Double? == 66.7)
            #expect(kpi?["numerator"] as Int? == 2)
            #expect(kpi?["denominator"] as Int? == 3)
        }
        // The free-text comment is never stored
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.warehouse)) + ((try? Data(contentsOf: URL(fileURLWithPath: scratch.warehouse + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data("Ms Jones".utf8)) == nil)
    }

    @Test func unknownAnswerUnknownPartnershipAndNonMemberSchoolAreRefusedNamingTheValue() throws {
        let scratch = try Self.scratch()
        let header = "Timestamp,Partnership ID,School URN,Role,The partnership has positively impacted on young people's attainment in STEM subjects,Young people's engagement and interest in STEM subjects has increased"
        let good = (0..<50).map { "01/07/2017 09:\(String(format: "%02d", $0)):00,EP-0001,100001,Teacher,Agree,Yes" }
        try scratch.write("survey_20190731.csv", text: ([header] + good + [
            "01/07/2017 10:00:00,EP-0001,100002,Teacher,Somewhat agree,Yes",   // line 52
            "01/07/2017 10:01:00,EP-0099,100002,Teacher,Agree,Yes",            // line 53
            "01/07/2017 10:02:00,EP-0001,100009,Teacher,Agree,Yes",            // line 54
            "31/02/2017 10:03:00,EP-0001,100002,Teacher,Agree,Yes",            // line 55
        ]).joined(separator: "\n"))

        let report = try scratch.run()

        let file = try #require(report.files.first { $0.source == "survey" })
        #expect(file.status == .loaded)
        #expect(file.rowsLoaded == 50 && file.rowsRejected == 4)
        let rejects = Dictionary(uniqueKeysWithValues: file.sampleRejects.map { ($0.line!, $0) })
        #expect(rejects[52]?.field == "attainment_answer" && rejects[52]?.reason.hasPrefix("'Somewhat agree' is not a known answer") == true)
        #expect(rejects[53]?.reason == "partnership EP-0099 is not in the partnerships export (dim_partnership)")
        #expect(rejects[54]?.field == "urn" && rejects[54]?.reason.hasPrefix("school 100009 was never a member of EP-0001") == true)
        #expect(rejects[55]?.field == "responded_at")
        #expect(try scratch.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fct_survey_response") } == 50)
    }

    @Test func newestExportIsInForceWhicheverArrivesFirst() throws {
        let header = "Timestamp,Partnership ID,School URN,Role,The partnership has positively impacted on young people's attainment in STEM subjects,Young people's engagement and interest in STEM subjects has increased"
        let older = [header, "01/07/2017 09:00:00,EP-0001,100001,Teacher,Agree,Yes"].joined(separator: "\n")
        let newer = [header, "01/07/2017 09:00:00,EP-0001,100001,Teacher,Agree,Yes", "02/07/2017 09:00:00,EP-0001,100002,Teacher,Disagree,No"].joined(separator: "\n")
        let scratch = try Self.scratch()
        try scratch.write("survey_20180731.csv", text: newer)
        try scratch.run()
        try scratch.write("survey_20170731.csv", text: older)

        try scratch.run()

        try scratch.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT source_file FROM fct_survey_response") == ["survey_20180731.csv"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM fct_survey_response") == 2)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM etl_file WHERE file_name = 'survey_20170731.csv'") == "superseded")
        }
    }
}
