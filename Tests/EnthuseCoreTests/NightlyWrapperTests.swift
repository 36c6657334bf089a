import Foundation
import GRDB
import Testing
@testable import EnthuseCore

/// `cron/nightly`, run as cron runs it: what it loads, what it moves where, what it logs, what
/// it prints (only when a person is needed) and the code it exits with.
@Suite("Nightly wrapper")
struct NightlyWrapperTests {
    @Test func loadedFilesAreArchivedRejectedOnesQuarantinedAndUnclaimedOnesLeftAlone() throws {
        // Given an inbox with a good register, a register missing a column, and a stray file
        let scratch = try Scratch()
        let job = try NightlyJob(scratch: scratch)
        try scratch.add(fixture: "edubasealldata20261128.csv")
        let header = TinyRegister.header.replacingOccurrences(of: "\"EstablishmentName\",", with: "\"SchoolName\",")
        try scratch.write("edubasealldata20260101.csv", text: [header, TinyRegister.row(urn: 100001, name: "A School")].joined(separator: "\r\n"))
        try scratch.write("notes.txt", text: "not a source file")

        // When the nightly job runs
        let result = try job.run()

        // Then it exits 65 and says so, for cron's mail
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("enthuse nightly: exit 65: rows or files were rejected"))
        #expect(result.stdout.contains("log: \(job.logs.path)/nightly-"))
        #expect(result.stdout.contains("edubasealldata20260101.csv"))
        // And the loaded file is archived, the rejected one quarantined with the reason beside it
        let day = job.names(in: job.archive)
        #expect(day.count == 1)
        #expect(job.filed(in: job.archive) == ["\(day[0])/edubasealldata20261128.csv"])
        #expect(job.filed(in: job.quarantine) == ["\(day[0])/edubasealldata20260101.csv", "\(day[0])/edubasealldata20260101.csv.why.txt"])
        let why = try String(contentsOf: job.quarantine.appendingPathComponent("\(day[0])/edubasealldata20260101.csv.why.txt"), encoding: .utf8)
        #expect(why.contains("EstablishmentName"))
        // And the stray file stays in the inbox
        #expect(job.names(in: scratch.inbox) == ["notes.txt"])
        // And one dated log tells the story
        #expect(job.logFiles.count == 1)
        let log = try String(contentsOf: job.logFiles[0], encoding: .utf8)
        #expect(log.contains("moved edubasealldata20261128.csv (loaded)"))
        #expect(log.contains("moved edubasealldata20260101.csv (rejected)"))
        #expect(log.contains("nightly run finished: exit 65"))
        #expect(try scratch.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_school") } == 388)
    }

    @Test func aQuietNightPrintsNothingAndADuplicateIsArchivedBesideTheFirstCopy() throws {
        // Given a register already loaded and archived by last night's run
        let scratch = try Scratch()
        let job = try NightlyJob(scratch: scratch)
        try scratch.add(fixture: "edubasealldata20261128.csv")
        let first = try job.run()
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.isEmpty)

        // When the same file is delivered again and the job runs
        try scratch.add(fixture: "edubasealldata20261128.csv")
        let second = try job.run()

        // Then nothing is printed (no mail), and the duplicate joins the archive under a new name
        #expect(second.status == 0)
        #expect(second.stdout.isEmpty && second.stderr.isEmpty)
        let day = job.names(in: job.archive)[0]
        #expect(job.filed(in: job.archive) == ["\(day)/edubasealldata20261128.csv", "\(day)/edubasealldata20261128.csv.1"])
        #expect(job.names(in: scratch.inbox).isEmpty)
        let log = try String(contentsOf: job.logFiles.last!, encoding: .utf8)
        #expect(log.contains("moved edubasealldata20261128.csv (duplicate)"))
    }

    @Test func onlyTheNewestLogsAreKept() throws {
        let scratch = try Scratch()
        var job = try NightlyJob(scratch: scratch)
        job.keepLogs = 2

        for _ in 0..<3 { #expect(try job.run().status == 0) }

        #expect(job.logFiles.count == 2)
        #expect(job.names(in: job.logs).filter { $0.hasSuffix(".manifest") }.count == 2)
    }

    @Test func aBadSettingIsAConfigurationErrorAndNothingIsTouched() throws {
        let scratch = try Scratch()
        var job = try NightlyJob(scratch: scratch)
        job.keepLogs = 0
        try scratch.add(fixture: "edubasealldata20261128.csv")

        let result = try job.run()

        #expect(result.status == 78)
        #expect(result.stderr.contains("ENTHUSE_KEEP_LOGS must be a whole number of at least 1"))
        #expect(job.names(in: scratch.inbox) == ["edubasealldata20261128.csv"])
        #expect(!FileManager.default.fileExists(atPath: scratch.warehouse))
    }

    @Test func aFileIsMovedOnlyOnceItsLoadCommitted() throws {
        // Given a small register and a large one behind it in the inbox
        let scratch = try Scratch()
        let job = try NightlyJob(scratch: scratch)
        try scratch.write("edubasealldata20190101.csv", text: TinyRegister.file([TinyRegister.row(urn: 100001, name: "First School")]))
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.large(rows: 20_000))

        // When the loader is killed part-way through the large file
        let wrapper = try job.start()
        let loading = try eventually(within: 60) {
            try loadedFiles(scratch) == ["edubasealldata20190101.csv"] && loaderPID(scratch) != nil
        }
        #expect(loading, "the first file never committed")
        Thread.sleep(forTimeInterval: 0.3)
        let pid = try #require(try loaderPID(scratch))
        kill(pid, SIGKILL)
        let result = wrapper.wait()

        // Then only the committed file was archived; the other waits in the inbox
        #expect(result.status == 128 + SIGKILL, "\(result.stdout)")
        #expect(result.stdout.contains("files it had not finished are still in the inbox"))
        #expect(job.filed(in: job.archive).map { $0.split(separator: "/").last! } == ["edubasealldata20190101.csv"])
        #expect(job.names(in: scratch.inbox) == ["edubasealldata20200101.csv"], "the load finished before it could be killed; make the file larger")
        #expect(try loadedFiles(scratch) == ["edubasealldata20190101.csv"])

        // And the next night loads and archives it
        let next = try job.run()
        #expect(next.status == 0, "\(next.stdout)")
        #expect(job.names(in: scratch.inbox).isEmpty)
        #expect(try loadedFiles(scratch) == ["edubasealldata20190101.csv", "edubasealldata20200101.csv"])
    }

    @Test func twoWrappersAtOnceRunOnceAndTheSecondExits75AtOnce() throws {
        // Given a wrapper busy loading a large register
        let scratch = try Scratch()
        let job = try NightlyJob(scratch: scratch)
        try scratch.write("edubasealldata20200101.csv", text: TinyRegister.large(rows: 10_000))
        let first = try job.start()
        #expect(eventually(within: 30) { !job.logFiles.isEmpty }, "the first wrapper never started its log")

        // When a second wrapper starts
        let clock = ContinuousClock.now
        let second = try job.run()
        let waited = ContinuousClock.now - clock
        let firstResult = first.wait()

        // Then the second did nothing and said why, at once; the first ran to the end
        #expect(second.status == 75)
        #expect(second.stderr.contains("another nightly run holds"))
        #expect(second.stdout.isEmpty)
        #expect(waited < .seconds(5))
        #expect(firstResult.status == 0, "\(firstResult.stdout)\(firstResult.stderr)")
        #expect(job.logFiles.count == 1)
        #expect(try scratch.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM etl_run") } == 1)
        #expect(job.filed(in: job.archive).count == 1)
    }

    /// The files the warehouse holds as loaded, by name.
    private func loadedFiles(_ scratch: Scratch) throws -> [String] {
        guard FileManager.default.fileExists(atPath: scratch.warehouse) else { return [] }
        return (try? scratch.read { db in
            try String.fetchAll(db, sql: "SELECT file_name FROM etl_file WHERE status = 'loaded' ORDER BY file_name")
        }) ?? []
    }

    /// The process holding the warehouse lock: `enthuse run` writes its pid there.
    private func loaderPID(_ scratch: Scratch) throws -> Int32? {
        guard let note = try? String(contentsOfFile: scratch.warehouse + ".lock", encoding: .utf8),
              let match = note.firstMatch(of: /pid (\d+)/) else { return nil }
        return Int32(match.1)
    }
}
