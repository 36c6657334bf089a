import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("School register, end to end")
struct SchoolRegisterTests {
    @Test func sampleRegisterLoadsEveryEstablishmentWithNamesDecodedFromWindows1252() throws {
        // Given the GIAS sample (Windows-1252) and its links
        let scratch = try Scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        try scratch.add(fixture: "links_edubasealldata20261128.csv")

        // When the inbox is run
        let report = try scratch.run()

        // Then every establishment is loaded, with names decoded correctly
        #expect(report.exitCode == 0)
        #expect(report.files.map(\.status) == [.loaded, .loaded])
        #expect(report.files[0].encoding == "windows-1252")
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_school WHERE is_current") == 388)
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT urn) FROM dim_school") == 388)
            let names = try Set(String.fetchAll(db, sql: "SELECT name FROM dim_school UNION SELECT trust FROM dim_school WHERE trust IS NOT NULL"))
            #expect(names.contains("FIERTÉ MULTI-ACADEMY TRUST"))
            #expect(names.contains("St Paul’s Gunnislake Primary School"))
            #expect(names.contains("St Luke's CofE Primary School – Exeter Campus"))
            #expect(names.contains("École Française Jacques Prévert"))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM school_lineage") ?? 0 >= 388)
        }
    }

    @Test func secondRunOfTheSameInboxIsANoOpReportedAsSuch() throws {
        let scratch = try Scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        try scratch.add(fixture: "links_edubasealldata20261128.csv")
        try scratch.run()
        let before = try scratch.dump(["dim_school", "school_lineage", "stg_school_register"])

        let second = try scratch.run()

        #expect(second.isNoOp)
        #expect(second.files.allSatisfy { $0.status == .duplicate })
        #expect(second.summary.contains("nothing new"))
        #expect(second.exitCode == 0)
        #expect(try scratch.dump(["dim_school", "school_lineage", "stg_school_register"]) == before)
    }

    @Test func registerResavedAsUTF8WithBOMLoadsIdentically() throws {
        // Given the same register as Windows-1252 in one warehouse and as UTF-8 with BOM in another
        let original = try Scratch()
        try original.add(fixture: "edubasealldata20261128.csv")
        try original.run()
        let resaved = try Scratch()
        let bytes = try Data(contentsOf: Project.spec.appendingPathComponent("edubasealldata20261128.csv"))
        let text = try [UInt8](bytes).withUnsafeBufferPointer { try Windows1252.decode($0).get() }
        try resaved.write("edubasealldata20261128.csv", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))

        let report = try resaved.run()

        #expect(report.files[0].encoding == "utf-8-bom")
        #expect(try resaved.dump(["dim_school"]) == original.dump(["dim_school"]))
    }

    @Test func registerMissingARequiredColumnIsRejectedNamingItAndNothingLoads() throws {
        // Given a register whose EstablishmentName column was dropped
        let scratch = try Scratch()
        let header = TinyRegister.header.replacingOccurrences(of: "\"EstablishmentName\",", with: "\"SchoolName\",")
        try scratch.write("edubasealldata20260101.csv", text: ([header, TinyRegister.row(urn: 100001, name: "A School")]).joined(separator: "\r\n"))

        let report = try scratch.run()

        #expect(report.exitCode == SysExit.dataRejected)
        #expect(report.files[0].status == .rejected)
        #expect(report.files[0].message?.contains("'EstablishmentName'") == true)
        try scratch.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_school_register") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_school") == 0)
            let reason = try String.fetchOne(db, sql: "SELECT reason FROM etl_reject WHERE file = 'edubasealldata20260101.csv' AND line = 1")
            #expect(reason?.contains("EstablishmentName") == true)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM etl_file") == "rejected")
        }
    }

    @Test func laterSnapshotThatRenamesOrClosesASchoolAddsAHistoryRow() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20150101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Hillside Primary School"),
            TinyRegister.row(urn: 100002, name: "Castle Infant School"),
        ]))
        try scratch.write("edubasealldata20160901.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Hillside Primary Academy"),
            TinyRegister.row(urn: 100002, name: "Castle Infant School", status: "Closed", closeDate: "31-08-2016"),
        ]))

        try scratch.run()

        try scratch.read { (db: Database) throws in
            let history = try Row.fetchAll(db, sql: "SELECT urn, name, status, close_date, valid_from, valid_to, is_current FROM dim_school ORDER BY urn, valid_from")
            #expect(history.count == 4)
            #expect(history[0]["valid_to"] == "2016-09-01")
            #expect(history[1]["is_current"] == 1)
            #expect(history[3]["status"] == "Closed")
            #expect(history[3]["close_date"] == "2016-08-31")
            // What was URN 100001 called on a given date?
            let asOf = "SELECT name FROM dim_school WHERE urn = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
            #expect(try String.fetchOne(db, sql: asOf, arguments: [100001, "2015-06-30", "2015-06-30"]) == "Hillside Primary School")
            #expect(try String.fetchOne(db, sql: asOf, arguments: [100001, "2016-09-01", "2016-09-01"]) == "Hillside Primary Academy")
            #expect(try String.fetchOne(db, sql: asOf, arguments: [100001, "2014-01-01", "2014-01-01"]) == nil)
        }
    }

    @Test func snapshotsArrivingOutOfDateOrderGiveTheSameHistory() throws {
        let snapshots = [
            ("edubasealldata20150101.csv", TinyRegister.file([TinyRegister.row(urn: 100001, name: "Alpha School")])),
            ("edubasealldata20160101.csv", TinyRegister.file([TinyRegister.row(urn: 100001, name: "Beta School")])),
            ("edubasealldata20170101.csv", TinyRegister.file([TinyRegister.row(urn: 100001, name: "Alpha School")])),
        ]
        let inOrder = try Scratch()
        for (name, text) in snapshots { try inOrder.write(name, text: text) }
        try inOrder.run()

        // The same snapshots delivered newest first, one run each
        let outOfOrder = try Scratch()
        for (name, text) in snapshots.reversed() {
            try outOfOrder.write(name, text: text)
            try outOfOrder.run()
        }

        #expect(try outOfOrder.dump(["dim_school"]) == inOrder.dump(["dim_school"]))
        #expect(try inOrder.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM dim_school") } == 3)
    }

    @Test func placeholderDatesAreStoredAsNull() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Old School", status: "Closed", closeDate: "01-01-1900", openDate: "01-01-1800"),
        ]))
        try scratch.run()
        try scratch.read { (db: Database) throws in
            let row = try Row.fetchOne(db, sql: "SELECT open_date, close_date FROM dim_school")!
            #expect(row["open_date"] as String? == nil)
            #expect(row["close_date"] as String? == nil)
        }
    }

    @Test func headTeacherNamesNeverReachTheWarehouseEvenInRejects() throws {
        // Given a register whose second row is invalid (and so kept, raw, in the rejects)
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Good School", head: ("Zebedee", "Quartermaine")),
            TinyRegister.row(urn: 100002, name: "Bad Pupils School", pupils: "lots", head: ("Ysolde", "Fairweather")),
        ]))
        try scratch.run()

        // Then no trace of either head teacher is in the warehouse file
        try scratch.read { (db: Database) throws in
            let raw = try String.fetchOne(db, sql: "SELECT raw FROM etl_reject WHERE line = 3")
            #expect(raw?.contains("«masked»") == true)
            #expect(raw?.contains("Bad Pupils School") == true)
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.warehouse))
            + ((try? Data(contentsOf: URL(fileURLWithPath: scratch.warehouse + "-wal"))) ?? Data())
        for name in ["Zebedee", "Quartermaine", "Ysolde", "Fairweather"] {
            #expect(bytes.range(of: Data(name.utf8)) == nil, "\(name) reached the warehouse")
        }
    }

    @Test func badRowIsRejectedWithItsLocationAndTheRestOfTheFileLoads() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Good School"),
            TinyRegister.row(urn: 100002, name: "Bad Pupils School", pupils: "lots"),
        ] + (3...60).map { TinyRegister.row(urn: 100000 + $0, name: "School \($0)") }))

        let report = try scratch.run()

        #expect(report.exitCode == SysExit.dataRejected)
        #expect(report.files[0].status == .loaded)
        #expect(report.files[0].rowsLoaded == 59)
        #expect(report.files[0].rowsRejected == 1)
        let reject = try #require(report.files[0].sampleRejects.first)
        #expect(reject.diagnostic(file: "f.csv") == "f.csv:3: pupils: expected a whole number such as 1250; letters are not accepted (found 'lots')")
    }

    @Test func schoolMissingFromALaterSnapshotIsReportedAndKept() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20150101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Stays School"), TinyRegister.row(urn: 100002, name: "Vanishing School"),
        ]))
        try scratch.write("edubasealldata20160101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Stays School")]))
        try scratch.run()
        try scratch.read { (db: Database) throws in
            let anomaly = try Row.fetchOne(db, sql: "SELECT * FROM school_register_anomaly")
            #expect(anomaly?["urn"] == 100002)
            #expect(anomaly?["snapshot_date"] == "2016-01-01")
            #expect(try String.fetchOne(db, sql: "SELECT name FROM dim_school WHERE urn = 100002 AND is_current") == "Vanishing School")
        }
    }

    @Test func correctedSnapshotOfTheSameDateReplacesTheEarlierDelivery() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Typo Shcool")]))
        try scratch.run()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "Typo School")]))
        try scratch.run()
        try scratch.read { (db: Database) throws in
            #expect(try String.fetchAll(db, sql: "SELECT name FROM dim_school") == ["Typo School"])
            #expect(try String.fetchAll(db, sql: "SELECT status FROM etl_file ORDER BY id") == ["superseded", "loaded"])
        }
    }
}
