import Foundation
import GRDB
import Testing
@testable import EnthuseCore
#if canImport(Glibc)
import Glibc
#endif

/// The shipped crontab under the real cron daemon (Debian's `cron`, installed by
/// scripts/install-system-packages): installed for a minute schedule, it fires the nightly
/// wrapper, which loads, archives and logs. Waits up to about two minutes for the daemon.
@Suite("Crontab under the real cron daemon")
struct CronScheduleTests {
    /// Root (to write /etc/cron.d and start the daemon) and Debian's cron. In CI both must be
    /// there, so the test runs and fails loudly rather than skipping.
    static let cronAvailable = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/cron")
        && FileManager.default.fileExists(atPath: "/etc/cron.d")
    static let required = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: cronAvailable || required, "needs root and Debian's cron (scripts/install-system-packages installs it)"),
          .timeLimit(.minutes(5)))
    func shippedCrontabFiresTheNightlyJobWhichLoadsArchivesAndLogs() async throws {
        // Given the daemon running, an inbox with a good and a rejected register, and the shipped
        // crontab installed to run every minute against this scratch directory
        let daemon = try CronDaemon.ensureRunning()
        defer { daemon.stopIfStartedHere() }
        let scratch = try Scratch()
        let job = try NightlyJob(scratch: scratch)
        try scratch.add(fixture: "edubasealldata20261128.csv")
        try scratch.write("edubasealldata20260101.csv", text: [TinyRegister.header.replacingOccurrences(of: "\"EstablishmentName\",", with: ""), ""].joined(separator: "\r\n"))
        let shipped = try String(contentsOf: Project.root.appendingPathComponent("cron/enthuse.crontab"), encoding: .utf8)
        let entry = try CronEntry.everyMinute(from: shipped, overriding: job.environment.merging(["MAILTO": "\"\""]) { $1 })
        let installed = URL(fileURLWithPath: "/etc/cron.d/enthuse-test-\(UInt32.random(in: 0...UInt32.max))")
        try entry.write(to: installed, atomically: false, encoding: .utf8)
        chmod(installed.path, 0o644)
        defer { try? FileManager.default.removeItem(at: installed) }

        // When cron fires it (at the next minute boundary, then the job's own time)
        var finished = false
        for _ in 0..<65 where !finished {
            try await Task.sleep(for: .seconds(2))
            finished = try job.logFiles.contains { try String(contentsOf: $0, encoding: .utf8).contains("nightly run finished") }
        }
        try? FileManager.default.removeItem(at: installed)

        // Then the files were loaded, filed away, and the run logged
        #expect(finished, "cron did not run the job within 130 s; is the daemon running? (\(daemon))")
        guard finished else { return }
        let log = try String(contentsOf: job.logFiles[0], encoding: .utf8)
        #expect(log.contains("nightly run finished: exit 65"), "\(log)")
        #expect(job.filed(in: job.archive).map { $0.split(separator: "/").last! } == ["edubasealldata20261128.csv"])
        #expect(job.filed(in: job.quarantine).map { $0.split(separator: "/").last! } == ["edubasealldata20260101.csv", "edubasealldata20260101.csv.why.txt"])
        #expect(job.names(in: scratch.inbox).isEmpty)
        #expect(try scratch.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dim_school WHERE is_current") } == 388)
    }

    @Test func shippedCrontabHasOneNightlyJobAndTheEnvironmentItNeeds() throws {
        let shipped = try String(contentsOf: Project.root.appendingPathComponent("cron/enthuse.crontab"), encoding: .utf8)
        let lines = shipped.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let variables = Dictionary(lines.compactMap(CronEntry.assignment).map { ($0.name, $0.value) }) { $1 }
        let jobs = lines.filter { CronEntry.assignment($0) == nil }

        #expect(jobs.count == 1)
        #expect(jobs.first?.hasSuffix("\"$ENTHUSE_PROJECT/cron/nightly\"") == true)
        #expect(variables["SHELL"] == "/bin/bash")
        #expect(variables["MAILTO"]?.isEmpty == false)
        #expect(variables["PATH"]?.contains("/usr/bin") == true)
        #expect(variables["ENTHUSE_PROJECT"] != nil && variables["ENTHUSE_HOME"] != nil)
        #expect(!shipped.contains("/work/") && !shipped.contains("/root/") && !shipped.contains("/Users/"))
    }
}

/// The shipped crontab turned into an /etc/cron.d entry that runs every minute.
enum CronEntry {
    /// A `NAME=value` line, as cron reads it.
    static func assignment(_ line: String) -> (name: String, value: String)? {
        guard let match = line.wholeMatch(of: /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)/) else { return nil }
        return (String(match.1), String(match.2))
    }

    /// Keeps every line of `crontab`, replaces the variables in `overriding` (adding those it
    /// lacks), and rewrites the job's schedule to every minute, as root (cron.d has a user field).
    static func everyMinute(from crontab: String, overriding: [String: String]) throws -> String {
        var remaining = overriding
        var lines: [String] = []
        for line in crontab.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty {
                lines.append(line)
            } else if let (name, _) = assignment(line) {
                if let value = remaining.removeValue(forKey: name) { lines.append("\(name)=\(value)") } else { lines.append(line) }
            } else {
                let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                guard fields.count == 6 else { throw CronEntryError(line: line) }
                let extra = remaining.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                remaining = [:]
                lines.append(contentsOf: extra)
                lines.append("* * * * * root \(fields[5])")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct CronEntryError: Error { let line: String }
}

/// Debian's cron daemon: found running, or started here (and then stopped here).
struct CronDaemon: CustomStringConvertible {
    let pid: Int32
    let startedHere: Bool

    static func ensureRunning() throws -> CronDaemon {
        if let pid = running() { return CronDaemon(pid: pid, startedHere: false) }
        // In the foreground (-f): a daemon that forks away would keep Foundation's watch on the
        // child open, and waiting for it would never end.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/cron")
        process.arguments = ["-f"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard eventually(within: 5, { running() == process.processIdentifier }) else {
            throw DaemonError(message: "cron -f started but is not running")
        }
        return CronDaemon(pid: process.processIdentifier, startedHere: true)
    }

    /// The pid of a live `cron` (not a zombie), from /proc.
    static func running() -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let name = stat[stat.index(after: open)..<close]
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
            if name == "cron" && state != "Z" && state != "X" { return pid }
        }
        return nil
    }

    /// Stops a daemon this test started. SIGKILL, because a child of the test process inherits
    /// its blocked signal mask, SIGTERM included; cron keeps nothing that needs a clean exit.
    func stopIfStartedHere() {
        guard startedHere else { return }
        kill(pid, SIGKILL)
    }

    var description: String { "cron pid \(pid)\(startedHere ? ", started by this test" : "")" }

    struct DaemonError: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
