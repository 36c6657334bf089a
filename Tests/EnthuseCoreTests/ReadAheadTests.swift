import Foundation
import GRDB
import Testing
@testable import EnthuseCore

@Suite("Reading the next file while one loads")
struct ReadAheadTests {
    static let registers = [
        "attendance_EP-0018_2014-autumn_20150108.csv": [
            AttendanceTests.row(),
            AttendanceTests.row(email: "a.person@royalpark.sch.uk", hours: "99"),   // refused: hours
            AttendanceTests.row(urn: "113824", email: "b.person@stmary.sch.uk"),
        ],
        "attendance_EP-0018_2015-spring_20150420.csv": [
            AttendanceTests.row("12/01/2015"),
            AttendanceTests.row("12/01/2015"),   // refused: the same participant and session twice
            AttendanceTests.row("13/01/2015", urn: "999999"),   // refused: not in the register
        ],
        "attendance_EP-0019_2015-spring_20150421.csv": [
            AttendanceTests.row("14/01/2015", urn: "113824", email: "c.person@stmary.sch.uk", code: "CPD-MAT-201"),
        ],
    ]

    static let compared = [
        "SELECT partnership_id, term, urn, session_date, participant_key, hours, attended, source_file FROM fct_attendance",
        "SELECT file, line, field, reason, raw FROM etl_reject",
        // (the runs of one file each also find the register again)
        "SELECT file_name, status, rows_read, rows_loaded, rows_rejected FROM etl_file WHERE status <> 'duplicate'",
    ]

    /// Writes the registers, each with 20 more good rows, so that no file passes its reject threshold.
    static func write(_ names: some Sequence<String>, into scratch: Scratch) throws {
        for name in names {
            let filler = (0..<20).map { AttendanceTests.row("15/01/2015", email: "filler\($0)@royalpark.sch.uk") }
            try scratch.write(name, text: ([AttendanceTests.header] + registers[name]! + filler).joined(separator: "\n") + "\n")
        }
    }

    @Test func registersReadAheadLoadExactlyAsRegistersLoadedOneRunEach() throws {
        // Given the same registers, in one run (each read while the one before loads) and in a
        // run of their own each (nothing to read ahead)
        let together = try AttendanceTests.scratch()
        try Self.write(Self.registers.keys, into: together)
        let apart = try AttendanceTests.scratch()
        try apart.run()
        for name in Self.registers.keys.sorted() {
            try Self.write([name], into: apart)
            try apart.run()
            try apart.remove(name)
        }

        let report = try together.run()

        // Then the facts, the rejects and the ledger are the same
        #expect(report.files.filter { $0.source == "attendance_csv" }.map(\.rowsRejected).sorted() == [0, 1, 2])
        #expect(try together.dump(Self.compared) == apart.dump(Self.compared))
        // And a rerun finds every file already loaded, read ahead or not, and changes no fact
        let facts = try together.dump([Self.compared[0]])
        let rerun = try together.run()
        #expect(rerun.files.count == 4)
        #expect(rerun.files.allSatisfy { $0.status == .duplicate })
        #expect(try together.dump([Self.compared[0]]) == facts)
    }

    @Test func aFileIsCheckedAgainstTheRegisterLoadedJustBeforeItInTheSameRun() throws {
        // Given a warehouse that knows only Royal Park
        let scratch = try AttendanceTests.scratch()
        try scratch.run()
        // When one run loads a newer register that adds a school, then a register of attendance at it
        try scratch.write("edubasealldata20150101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 101445, name: "Royal Park Primary School"),
            TinyRegister.row(urn: 113824, name: "St Mary & St Joseph’s Catholic Primary School"),
            TinyRegister.row(urn: 140001, name: "Elm Academy"),
        ]))
        try scratch.write("attendance_EP-0018_2015-spring_20150420.csv",
                          text: [AttendanceTests.header, AttendanceTests.row("12/01/2015", urn: "140001")].joined(separator: "\n") + "\n")

        let report = try scratch.run()

        // Then the attendance file was not validated before the register committed
        let attendance = try #require(report.files.first { $0.source == "attendance_csv" })
        #expect(attendance.rowsLoaded == 1)
        #expect(attendance.rowsRejected == 0)
    }

    @Test func onlyAPipelineThatCannotChangeTheNextOnesReferencesLetsItBeReadAhead() throws {
        let scratch = try AttendanceTests.scratch()
        try scratch.run()
        let warehouse = try Warehouse(path: scratch.warehouse, schemas: Project.root.appendingPathComponent("schemas"))
        let pipelines = Dictionary(uniqueKeysWithValues: try Project.catalog().pipelines.map { ($0.source, $0) })
        let cache = ReferenceSetCache(projectRoot: Project.root)
        try warehouse.pool.read { (db: Database) throws in
            // The register's transform writes dim_school, which attendance rows must be in
            #expect(try !cache.isUnaffected(pipelines["attendance_csv"]!, by: pipelines["school_register"]!, db))
            // One attendance register cannot change what the next is checked against
            #expect(try cache.isUnaffected(pipelines["attendance_xlsx"]!, by: pipelines["attendance_csv"]!, db))
            #expect(try cache.isUnaffected(pipelines["attendance_csv"]!, by: pipelines["attendance_csv"]!, db))
        }
    }
}
