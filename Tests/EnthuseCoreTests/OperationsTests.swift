import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// What operations see: each source's freshness in `enthuse status`, and a load's progress on a
/// terminal but never in a log.
@Suite("Freshness and progress")
struct OperationsTests {
    @Test func aSourceIsStaleOnceItsNewestFileIsOlderThanItsFreshnessDays() throws {
        // Given a register snapshot of 2026-01-01 (school_register declares freshness_days: 45)
        let scratch = try Scratch()
        try scratch.write("edubasealldata20260101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "A School")]))
        try scratch.run()
        let catalog = try Project.catalog()
        func register(on day: String) throws -> WarehouseStatus.SourceFreshness {
            try scratch.read { db in
                try WarehouseStatus.read(db, catalog: catalog, today: ISODate.parseISO(day)!)
            }.sources.first { $0.source == "school_register" }!
        }

        // Then it is fresh for 45 days and stale from the 46th; a source never loaded is stale
        #expect(try register(on: "2026-02-15").isStale == false)
        #expect(try register(on: "2026-02-16").isStale == true)
        #expect(try register(on: "2026-02-16").newestFileDate == "2026-01-01")
        let links = try scratch.read { db in
            try WarehouseStatus.read(db, catalog: catalog, today: ISODate.parseISO("2026-01-02")!)
        }.sources.first { $0.source == "school_links" }!
        #expect(links.isStale && links.files == 0)
    }

    @Test func checkFreshnessExits65ForAStaleSourceAnd0WhenEverySourceIsFresh() throws {
        // Given a project with only the register pipelines, and a warehouse loaded with today's
        // register and links
        let scratch = try Scratch()
        let project = scratch.directory.appendingPathComponent("project")
        let pipelines = project.appendingPathComponent("pipelines")
        try FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        for name in ["school_register.yaml", "school_links.yaml"] {
            try FileManager.default.copyItem(at: Project.pipelines.appendingPathComponent(name), to: pipelines.appendingPathComponent(name))
        }
        try FileManager.default.createSymbolicLink(at: project.appendingPathComponent("schemas"), withDestinationURL: Project.root.appendingPathComponent("schemas"))
        let today = ISODate.today.text.replacingOccurrences(of: "-", with: "")
        try scratch.write("edubasealldata\(today).csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "A School")]))
        try scratch.add(fixture: "links_edubasealldata20261128.csv", as: "links_edubasealldata\(today).csv")
        let load = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse, "--pipelines", pipelines.path])
        #expect(load.status == 0, "\(load.stdout)\(load.stderr)")

        // When status checks freshness with those pipelines, and with the project's (whose
        // funding ledger was never loaded)
        let fresh = try enthuse(["status", "--check-freshness", "--warehouse", scratch.warehouse, "--pipelines", pipelines.path])
        let stale = try enthuse(["status", "--check-freshness", "--warehouse", scratch.warehouse])
        let unchecked = try enthuse(["status", "--warehouse", scratch.warehouse])

        // Then only the stale one exits 65, and status names the stale source
        #expect(fresh.status == 0, "\(fresh.stdout)")
        #expect(!fresh.stdout.contains("STALE"))
        #expect(stale.status == 65)
        #expect(stale.stdout.contains("contributions_csv  newest file never loaded  0 file(s)  expected every 400 days  STALE"))
        #expect(unchecked.status == 0)
    }

    @Test func checkFreshnessWithoutThePipelineFilesFailsRatherThanPassing() throws {
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "A School")]))
        try scratch.run()

        let result = try enthuse(["status", "--check-freshness", "--warehouse", scratch.warehouse, "--pipelines", scratch.directory.appendingPathComponent("nowhere").path])

        #expect(result.status == 78)
        #expect(result.stderr.contains("pass --pipelines DIR"))
    }

    @Test func progressShowsOnATerminalAndIsWipedButNeverReachesALog() throws {
        // Given a register large enough for progress reports (one every 8 MiB): 12 MB in 8,000 rows
        let scratch = try Scratch()
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.large(rows: 8_000, padding: 1_200))
        let command = [Project.executable.path, "run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse]

        // When it is loaded with stderr on a terminal (script(1) gives the run a pseudo-terminal)
        let quoted = command.map { "'\($0)'" }.joined(separator: " ")
        let terminal = try runProcess("/usr/bin/script", ["-qefc", quoted, "/dev/null"])
        // And loaded again (as a duplicate) and for real into another warehouse with stderr in a file
        let other = try Scratch()
        try FileManager.default.copyItem(at: scratch.inbox.appendingPathComponent("edubasealldata20200101.csv"), to: other.inbox.appendingPathComponent("edubasealldata20200101.csv"))
        let logged = try enthuse(["run", "--inbox", other.inbox.path, "--warehouse", other.warehouse])

        // Then the terminal saw a progress line, rewritten in place and wiped before the summary
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("\r\u{1B}[Kedubasealldata20200101.csv: "))
        #expect(terminal.stdout.contains(" rows/s"))
        #expect(terminal.stdout.contains("\r\u{1B}[Krun 1"))
        // And the log saw none of it
        #expect(logged.status == 0)
        #expect(!logged.stderr.contains("rows/s") && !logged.stderr.contains("\r"))
        #expect(!logged.stdout.contains("\r"))
    }
}
