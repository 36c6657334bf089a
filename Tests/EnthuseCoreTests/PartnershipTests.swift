import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Partnerships from the CRM export")
struct PartnershipTests {
    /// A scratch inbox whose register holds schools 100001…100012.
    static func scratch() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20150101.csv", text: TinyRegister.file((100_001...100_012).map { TinyRegister.row(urn: $0, name: "School \($0)") }))
        return scratch
    }

    @Test func sampleExportValidatesAgainstTheSchemaAndLoadsEveryPartnershipWithItsMembers() throws {
        // Given the sample register and the CRM's sample export
        let scratch = try Scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        try scratch.add(fixture: "partnerships_20261128.xml")

        // When the inbox is run
        let report = try scratch.run()

        // Then every partnership and membership is in the core tables, as the XML has them
        #expect(report.exitCode == 0)
        #expect(report.files.first { $0.source == "partnerships" }?.rowsLoaded == 6)
        let xml = try String(contentsOf: Project.spec.appendingPathComponent("partnerships_20261128.xml"), encoding: .utf8)
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_partnership") == xml.components(separatedBy: "<Partnership id=").count - 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bridge_partnership_school") == xml.components(separatedBy: "<Member urn=").count - 1)
            let basingstoke = try #require(try Row.fetchOne(db, sql: "SELECT * FROM dim_partnership WHERE partnership_id = 'EP-0056'"))
            #expect(basingstoke["name"] == "Basingstoke & District Science Partnership")
            #expect(basingstoke["focus_subjects"] == #"["Science","DesignAndTechnology"]"#)
            #expect(basingstoke["grant_pence"] == 1_500_000)
            #expect(basingstoke["plan_start"] as String == "2017-09-01")
            #expect(basingstoke["plan_end"] as String == "2019-08-31")
            #expect(basingstoke["member_count"] as Int == 7)
            #expect(basingstoke["size_flag"] as String == "within_4_to_8")
            let left = try Row.fetchOne(db, sql: "SELECT joined_on, left_on, is_lead FROM bridge_partnership_school WHERE partnership_id = 'EP-0002' AND urn = 109970")
            #expect(left?["joined_on"] as String? == "2014-09-01")
            #expect(left?["left_on"] as String? == "2015-08-31")
            #expect(left?["is_lead"] as Int? == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bridge_partnership_school WHERE is_lead = 1") == 6)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bridge_partnership_school WHERE urn = 124989") == 2)
        }
    }

    @Test func partnershipBreakingARuleIsRefusedNamingTheURNAndTheRestLoadsWithSizesFlagged() throws {
        let scratch = try Self.scratch()
        try scratch.write("partnerships_20190731.xml", text: TinyExport.file([
            // line 3: fine, three schools: kept and flagged
            TinyExport.partnership("EP-0001", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003])),
            // line 15: a member unknown to the register
            TinyExport.partnership("EP-0002", lead: 100_001, members: TinyExport.members([100_001, 100_004, 999_999, 100_005])),
            // line 28: left before it joined
            TinyExport.partnership("EP-0003", lead: 100_006, members: TinyExport.members([100_006, 100_007, 100_008])
                                   + [TinyExport.Member(urn: 100_009, joined: "2016-09-01", left: "2016-08-31")]),
            // line 41: the lead is not a member
            TinyExport.partnership("EP-0004", lead: 100_012, members: TinyExport.members([100_001, 100_002, 100_003, 100_004])),
            // line 54: nine schools: kept and flagged
            TinyExport.partnership("EP-0005", lead: 100_001, members: TinyExport.members(Array(100_001...100_009))),
        ]))

        let report = try scratch.run()

        let file = try #require(report.files.first { $0.source == "partnerships" })
        #expect(file.status == .loaded)
        #expect(file.rowsLoaded == 2 && file.rowsRejected == 3)
        #expect(report.exitCode == 65)
        let rejects = Dictionary(grouping: file.sampleRejects, by: { $0.line! })
        #expect(rejects[15]?.map(\.field) == ["member_urn"])
        #expect(rejects[15]?.first?.value == "999999")
        #expect(rejects[15]?.first?.reason.hasPrefix("member URN 999999 of EP-0002 is not in the school register") == true)
        #expect(rejects[28]?.first?.reason == "member 100009 of EP-0003 left on 2016-08-31, before it joined on 2016-09-01")
        #expect(rejects[41]?.first?.reason == "the lead school 100012 is not among the members of EP-0004")
        try scratch.read { (db: Database) throws in
            let flags = try Row.fetchAll(db, sql: "SELECT partnership_id, member_count, size_flag FROM dim_partnership ORDER BY partnership_id")
            #expect(flags.map { $0["partnership_id"] as String } == ["EP-0001", "EP-0005"])
            #expect(flags.map { $0["size_flag"] as String } == ["fewer_than_4", "more_than_8"])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM bridge_partnership_school") == 12)
            #expect(try String.fetchOne(db, sql: "SELECT raw FROM etl_reject WHERE line = 15")?.contains("EP-0002") == true)
        }
    }

    @Test func newestExportIsInForceWhicheverArrivesFirst() throws {
        let older = TinyExport.file([TinyExport.partnership("EP-0001", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003, 100_004]))])
        let newer = TinyExport.file([
            TinyExport.partnership("EP-0001", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003, 100_004, 100_005])),
            TinyExport.partnership("EP-0002", lead: 100_006, members: TinyExport.members([100_006, 100_007, 100_008, 100_009])),
        ])
        func core(_ scratch: Scratch) throws -> String {
            try scratch.dump(["SELECT partnership_id, member_count, export_date FROM dim_partnership", "bridge_partnership_school"])
        }

        // Given the exports delivered in date order, and the newer one first with the older late
        let inOrder = try Self.scratch()
        try inOrder.write("partnerships_20180101.xml", text: older)
        try inOrder.run()
        try inOrder.write("partnerships_20190101.xml", text: newer)
        try inOrder.run()
        let late = try Self.scratch()
        try late.write("partnerships_20190101.xml", text: newer)
        try late.run()
        try late.write("partnerships_20180101.xml", text: older)
        let rerun = try late.run()

        // Then the newer snapshot is in force in both, and the late one is kept only in the ledger
        #expect(try core(inOrder) == core(late))
        #expect(try late.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_partnership") } == 2)
        #expect(try late.read { try String.fetchOne($0, sql: "SELECT DISTINCT export_date FROM dim_partnership") } == "2019-01-01")
        #expect(rerun.files.first { $0.source == "partnerships" }?.message?.contains("newer delivery") == true)
        #expect(try late.read { try String.fetchOne($0, sql: "SELECT status FROM etl_file WHERE file_name = 'partnerships_20180101.xml'") } == "superseded")
    }

    @Test func exportThatBreaksTheSchemaIsRefusedWholeWithItsLine() throws {
        let scratch = try Self.scratch()
        try scratch.write("partnerships_20190731.xml", text: TinyExport.file([
            TinyExport.partnership("EP-0001", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003, 100_004])),
            TinyExport.partnership("EP-0002", lead: 100_001, members: TinyExport.members([100_001, 100_002, 100_003, 100_004]), focus: ["Art"]),
        ]))

        let report = try scratch.run()

        let file = try #require(report.files.first { $0.source == "partnerships" })
        #expect(file.status == .rejected)
        #expect(file.sampleRejects.first?.line == 18)
        #expect(file.message?.contains("Focus") == true)
        #expect(try scratch.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_partnership") } == 0)
    }
}
