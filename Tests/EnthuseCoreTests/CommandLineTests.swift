import Foundation
import Testing
@testable import EnthuseCore

/// The `enthuse` executable as cron and people use it: exit codes, output, and side effects.
@Suite("enthuse command line")
struct CommandLineTests {
    @Test func missingRequiredOptionIsAUsageError() throws {
        let result = try enthuse(["run"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--inbox"))
    }

    @Test func secondRunWhileTheLockIsHeldExitsTempFailAtOnce() throws {
        let scratch = try Scratch()
        try scratch.add(fixture: "edubasealldata20261128.csv")
        let lock = try RunLock(warehousePath: scratch.warehouse)

        let clock = ContinuousClock.now
        let result = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse])

        #expect(result.status == 75)
        #expect(result.stderr.contains("another run holds the warehouse lock"))
        #expect(ContinuousClock.now - clock < .seconds(5))
        withExtendedLifetime(lock) {}
    }

    @Test func runWithRejectedRowsExits65AndPrintsWhereTheyAre() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Minus School", pupils: "-3"),
            TinyRegister.row(urn: 100002, name: "Formula School", pupils: "=1+1"),
        ] + (3...150).map { TinyRegister.row(urn: 100000 + $0, name: "School \($0)") }))
        try scratch.write("notes.txt", text: "not a source file")

        let result = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse])

        #expect(result.status == 65)
        #expect(result.stdout.contains("edubasealldata20200101.csv:2: pupils: expected a number from 0 to 10000 (found '-3')"))
        #expect(result.stdout.contains("not claimed by any pipeline (left untouched): notes.txt"))
        #expect(FileManager.default.fileExists(atPath: scratch.inbox.appendingPathComponent("notes.txt").path))

        // The rejects export neutralises cells a spreadsheet would run as formulas
        let csv = try enthuse(["rejects", "--warehouse", scratch.warehouse, "--format", "csv"])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "run_id,file,line,field,value,reason,raw")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("1,edubasealldata20200101.csv,2,pupils,'-3,"))
        #expect(lines[2].hasPrefix("1,edubasealldata20200101.csv,3,pupils,'=1+1,"))
    }

    @Test func validateIsADryRunThatPrintsEveryDiagnostic() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([
            TinyRegister.row(urn: 100001, name: "Fine School"),
            TinyRegister.row(urn: 100002, name: "Bad Date School", openDate: "31-02-2001"),
            "12345,\"330\",\"Birmingham\"",
        ]))
        let file = scratch.inbox.appendingPathComponent("edubasealldata20200101.csv").path

        let result = try enthuse(["validate", file, "--warehouse", scratch.warehouse])

        #expect(result.status == 65)
        #expect(result.stdout.contains("edubasealldata20200101.csv:3: open_date: expected a date as dd-MM-yyyy"))
        #expect(result.stdout.contains("edubasealldata20200101.csv:4: the record has 3 fields where the header has 24"))
        #expect(result.stdout.contains("would be rejected"))
        #expect(!FileManager.default.fileExists(atPath: scratch.warehouse))
    }

    @Test func demoLoadsThenReportsANoOpAndStatusShowsBothRuns() throws {
        let scratch = try Scratch()
        let directory = scratch.directory.appendingPathComponent("demo").path

        let first = try enthuse(["demo", "--dir", directory])
        let second = try enthuse(["demo", "--dir", directory])
        let status = try enthuse(["status", "--warehouse", directory + "/warehouse.sqlite"])

        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("loaded"))
        #expect(second.status == 0)
        #expect(second.stdout.contains("nothing new: every file was already loaded"))
        #expect(status.status == 0)
        #expect(status.stdout.contains("run 2"))
        #expect(status.stdout.contains("school_register  newest file 2026-11-28"))
    }
}
