import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Attendance registers")
struct AttendanceTests {
    // The one key every test uses: tests run in parallel in one process and share its environment.
    static let key = DemoInbox.demoPseudonymKey
    static let register = TinyRegister.file([
        TinyRegister.row(urn: 101445, name: "Royal Park Primary School"),
        TinyRegister.row(urn: 113824, name: "St Mary & St Joseph’s Catholic Primary School"),
    ])

    /// A scratch inbox with a small register already loaded and the pseudonymisation key set.
    static func scratch() throws -> Scratch {
        setenv(Pseudonymiser.environmentVariable, key, 1)
        let scratch = try Scratch()
        try scratch.write("edubasealldata20140101.csv", text: register)
        return scratch
    }

    static let header = "Date,School URN,School name,Participant email,Participant role,Activity code,Activity title,Activity type,Subject,Hours,Attended"

    static func row(_ date: String = "08/09/2014", urn: String = "101445", email: String = "d.ward@royalpark.sch.uk", hours: String = "2", attended: String = "TRUE", code: String = "CPD-SCI-101") -> String {
        "\(date),\(urn),Royal Park Primary School,\(email),Teacher,\(code),Forces – practical approaches,CPD,Science,\(hours),\(attended)"
    }

    @Test func sampleRegistersLoadAndTheMartEqualsTheSumOfAttendedHours() throws {
        let scratch = try Self.scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        let samples = try FileManager.default.contentsOfDirectory(atPath: Project.spec.path).filter { $0.hasPrefix("attendance_") && $0.hasSuffix(".csv") }
        for sample in samples { try scratch.add(fixture: sample) }

        let report = try scratch.run()

        #expect(report.exitCode == 0)
        #expect(report.files.filter { $0.source == "attendance_csv" }.count == samples.count)
        // Attended hours in the sources, summed here without the loader
        var expected = 0.0
        for sample in samples {
            let text = try String(contentsOf: Project.spec.appendingPathComponent(sample), encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if ["TRUE", "Y", "Yes", "1", "Present"].contains(String(fields[fields.count - 1])) { expected += Double(fields[fields.count - 2])! }
            }
        }
        try scratch.read { (db: Database) throws in
            let martHours = try Double.fetchOne(db, sql: "SELECT sum(attended_hours) FROM mart_attendance_partnership")!
            #expect(abs(martHours - expected) < 1e-6)
        }
    }

    @Test func messyHeadersTitleRowsAndExtraColumnsBindByName() throws {
        let scratch = try Self.scratch()
        let text = [
            "EP-0018 attendance register – autumn 2014,,,,",
            ",,,,",
            "session date,URN,School,Participant E-mail,Role,ACTIVITY CODE ,Activity  title,Type of activity,Subject,Hours,Attended?,Notes",
            "08/09/2014,101445,Royal Park,A.Person@RoyalPark.sch.uk,Teacher,CPD-SCI-101,Forces,CPD,Science,2,Y,first visit",
            "8/9/2014,113824,St Mary,b.person@stmary.sch.uk,Teacher,CPD-SCI-101,Forces,CPD,Science,1.5,Present,",
        ].joined(separator: "\r\n")
        try scratch.write("attendance_EP-0018_2014-autumn_20150108.csv", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))

        let report = try scratch.run()

        #expect(report.files.last?.status == .loaded)
        #expect(report.files.last?.rowsLoaded == 2)
        #expect(report.files.last?.ignoredColumns == ["Notes"])
        try scratch.read { (db: Database) throws in
            let rows = try Row.fetchAll(db, sql: "SELECT session_date, hours, attended FROM fct_attendance ORDER BY urn")
            #expect(rows.map { $0["session_date"] as String } == ["2014-09-08", "2014-09-08"])
            #expect(try Double.fetchOne(db, sql: "SELECT attended_hours FROM mart_attendance_partnership") == 3.5)
        }
    }

    @Test func eachBadRowIsRejectedWithRowColumnAndReasonAndTheRestLoads() throws {
        let scratch = try Self.scratch()
        let rows = [
            Self.header,
            Self.row(email: "good.one@royalpark.sch.uk"),                  // line 2: fine
            Self.row(email: "hours@royalpark.sch.uk", hours: "25"),        // 3: hours out of range
            Self.row(email: "flag@royalpark.sch.uk", attended: "maybe"),   // 4: not a yes/no
            Self.row("31/02/2015", email: "date@royalpark.sch.uk"),        // 5: no such date
            Self.row(urn: "999999", email: "urn@royalpark.sch.uk"),        // 6: not in the register
            Self.row(email: "not-an-address"),                             // 7: not an e-mail
            Self.row(email: "comma@royalpark.sch.uk", hours: "3,5"),       // 8: ragged (comma decimal)
        ] + (0..<60).map { Self.row(email: "filler\($0)@royalpark.sch.uk") }
        try scratch.write("attendance_EP-0018_2014-autumn_20150108.csv", text: rows.joined(separator: "\n"))

        let report = try scratch.run()

        let file = try #require(report.files.last)
        #expect(file.status == .loaded)
        #expect(file.rowsLoaded == 61)
        #expect(file.rowsRejected == 6)
        let found = Dictionary(file.sampleRejects.map { ($0.line!, "\($0.field ?? "-"): \($0.reason)") }, uniquingKeysWith: { $0 + " / " + $1 })
        #expect(found[3]?.hasPrefix("hours: expected a number from 0 to 24") == true)
        #expect(found[4]?.hasPrefix("attended: expected") == true)
        #expect(found[5]?.contains("session_date: expected a date as dd/MM/yyyy") == true)
        #expect(found[6] == "urn: URN 999999 is not in the school register (dim_school); check the value or load its source first")
        #expect(found[7]?.hasPrefix("participant_key: expected an e-mail address") == true)
        #expect(found[8]?.contains("the record has 12 fields where the header has 11") == true)
    }

    @Test func aParticipantListedAgainForTheSameSessionIsRefusedNamingTheFirstListing() throws {
        let scratch = try Self.scratch()
        let rows = [
            Self.header,
            Self.row(email: "a.one@royalpark.sch.uk", hours: "2"),                       // line 2: first listing
            Self.row(email: "b.two@royalpark.sch.uk"),                                   // 3
            Self.row(email: "A.One@RoyalPark.sch.uk", hours: "3"),                        // 4: line 2 again (same address, other case)
            Self.row(email: "a.one@royalpark.sch.uk", code: "CPD-MAT-102"),              // 5: another activity, same day: fine
            Self.row("09/09/2014", email: "a.one@royalpark.sch.uk"),                     // 6: another day: fine
            Self.row(email: "b.two@royalpark.sch.uk", attended: "FALSE"),                // 7: line 3 again
        ] + (0..<40).map { Self.row(email: "filler\($0)@royalpark.sch.uk") }
        try scratch.write("attendance_EP-0018_2014-autumn_20150108.csv", text: rows.joined(separator: "\n"))

        let report = try scratch.run()

        let file = try #require(report.files.last)
        #expect(file.status == .loaded)
        #expect(file.rowsLoaded == 44)
        #expect(file.rowsRejected == 2)
        #expect(file.sampleRejects.map(\.line) == [4, 7])
        #expect(file.sampleRejects.first?.reason == "the same session_date, activity_code and participant_key as line 2; each may appear only once in a file, so the first stands and this row was not loaded")
        #expect(file.sampleRejects.last?.reason.contains("as line 3;") == true)
        try scratch.read { (db: Database) throws in
            // The first listing stands: 2 hours, not the repeat's 3
            let hours = try Double.fetchAll(db, sql: "SELECT hours FROM fct_attendance WHERE session_date = '2014-09-08' AND activity_code = 'CPD-SCI-101' AND participant_key = (SELECT participant_key FROM stg_attendance WHERE line = 2)")
            #expect(hours == [2])
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM stg_attendance WHERE line IN (4, 7)") == 0)
            // The refused rows are kept as the file had them, the address masked
            let raw = try String.fetchAll(db, sql: "SELECT raw FROM etl_reject WHERE line IN (4, 7) ORDER BY line")
            #expect(raw.count == 2)
            #expect(raw.allSatisfy { $0.contains("«masked»") && !$0.contains("@") })
        }
    }

    @Test(arguments: [
        (fileSize: Int.max, keys: 200_000, mostFlagged: 200),
        // A national register: ~400 KB of CSV, ~2,300 rows, in a 128 KiB filter
        (fileSize: 400_000, keys: 2_500, mostFlagged: 2),
    ])
    func theRepeatFilterNeverMissesAKeyItHasSeen(fileSize: Int, keys count: Int, mostFlagged: Int) {
        var filter = RepeatFilter(fileSize: fileSize)
        var random = SeededRandom(seed: 7)
        let keys = (0..<count).map { _ in random.next() }
        var flaggedOnFirstSight = 0
        for key in keys where filter.insert(key) { flaggedOnFirstSight += 1 }
        #expect(keys.allSatisfy { filter.insert($0) })
        // Maybe-seen on first sight is the price of bounded memory; at these sizes it is rare.
        #expect(flaggedOnFirstSight <= mostFlagged)
    }

    @Test func noEmailAddressReachesTheWarehouseTheRejectsOrTheOutput() throws {
        let scratch = try Self.scratch()
        try scratch.write("attendance_EP-0018_2014-autumn_20150108.csv", text: [
            Self.header,
            Self.row(email: "secret.teacher@royalpark.sch.uk"),
            Self.row(email: "hidden.person@royalpark.sch.uk", hours: "99"),
            Self.row(urn: "999999", email: "lost.person@royalpark.sch.uk"),
            Self.row(email: "ragged.person@royalpark.sch.uk") + ",extra",
        ].joined(separator: "\n") + "\n" + (0..<20).map { Self.row(email: "filler\($0)@royalpark.sch.uk") }.joined(separator: "\n"))

        let run = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse, "--log-level", "trace"],
                              environment: [Pseudonymiser.environmentVariable: Self.key])
        let rejects = try enthuse(["rejects", "--warehouse", scratch.warehouse, "--format", "json"])

        #expect(run.status == 65)
        let warehouse = try Data(contentsOf: URL(fileURLWithPath: scratch.warehouse)) + ((try? Data(contentsOf: URL(fileURLWithPath: scratch.warehouse + "-wal"))) ?? Data())
        for address in ["secret.teacher", "hidden.person", "lost.person", "ragged.person", "royalpark.sch.uk"] {
            #expect(warehouse.range(of: Data(address.utf8)) == nil, "\(address) is in the warehouse")
            #expect(!run.stdout.contains(address) && !run.stderr.contains(address), "\(address) is in the output")
            #expect(!rejects.stdout.contains(address), "\(address) is in the rejects")
        }
        #expect(rejects.stdout.contains("«masked"))
        // Nor does the key itself (it only ever travels in the environment, never in arguments)
        #expect(!run.stderr.contains(Self.key) && !run.stdout.contains(Self.key))
        #expect(warehouse.range(of: Data(Self.key.utf8)) == nil)
    }

    @Test func correctedRegisterReplacesTheEarlierOneWhicheverArrivesFirst() throws {
        let older = [Self.header, Self.row(email: "a@royalpark.sch.uk"), Self.row(email: "b@royalpark.sch.uk")].joined(separator: "\n")
        let newer = [Self.header, Self.row(email: "a@royalpark.sch.uk", hours: "3")].joined(separator: "\n")
        func facts(_ scratch: Scratch) throws -> String { try scratch.dump(["SELECT hours, source_file FROM fct_attendance"]) }

        // Delivered in date order
        let inOrder = try Self.scratch()
        try inOrder.write("attendance_EP-0018_2014-autumn_20150108.csv", text: older)
        try inOrder.run()
        try inOrder.write("attendance_EP-0018_2014-autumn_20150201.csv", text: newer)
        try inOrder.run()
        // The correction first, the original late
        let late = try Self.scratch()
        try late.write("attendance_EP-0018_2014-autumn_20150201.csv", text: newer)
        try late.run()
        try late.write("attendance_EP-0018_2014-autumn_20150108.csv", text: older)
        let rerun = try late.run()

        #expect(try facts(inOrder) == facts(late))
        #expect(try facts(late).contains("3.0"))
        #expect(try late.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM fct_attendance") } == 1)
        #expect(rerun.files.first { $0.fileName.hasSuffix("20150108.csv") }?.status == .loaded)
        #expect(try late.read { try String.fetchOne($0, sql: "SELECT status FROM etl_file WHERE file_name LIKE '%20150108.csv'") } == "superseded")
        // And a rerun changes nothing
        let before = try facts(late)
        #expect(try late.run().isNoOp)
        #expect(try facts(late) == before)
    }

    @Test func missingKeyStopsTheRunAsAConfigurationError() throws {
        let scratch = try Self.scratch()
        try scratch.write("attendance_EP-0018_2014-autumn_20150108.csv", text: [Self.header, Self.row()].joined(separator: "\n"))
        let result = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse], environment: [Pseudonymiser.environmentVariable: ""])
        #expect(result.status == 78)
        #expect(result.stderr.contains("ENTHUSE_PSEUDONYM_KEY"))
    }
}
