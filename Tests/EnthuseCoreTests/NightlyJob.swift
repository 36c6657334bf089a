import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The nightly wrapper (`cron/nightly`) set up in a scratch directory: its home with inbox,
/// warehouse, archive, quarantine and logs, and the environment that points it there.
struct NightlyJob {
    let scratch: Scratch
    var keepLogs = 30

    var home: URL { scratch.directory.appendingPathComponent("home") }
    var logs: URL { home.appendingPathComponent("logs") }
    var archive: URL { home.appendingPathComponent("archive") }
    var quarantine: URL { home.appendingPathComponent("quarantine") }
    static let script = Project.root.appendingPathComponent("cron/nightly")

    init(scratch: Scratch) throws {
        self.scratch = scratch
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    /// The variables a crontab sets for the job (README.md, "Operations").
    var environment: [String: String] {
        [
            "ENTHUSE_HOME": home.path,
            "ENTHUSE_INBOX": scratch.inbox.path,
            "ENTHUSE_WAREHOUSE": scratch.warehouse,
            "ENTHUSE_PROJECT": Project.root.path,
            "ENTHUSE_BIN": Project.executable.path,
            "ENTHUSE_KEEP_LOGS": String(keepLogs),
        ]
    }

    /// Runs the wrapper to the end.
    func run() throws -> CommandResult {
        try runProcess(Self.script.path, [], environment: environment)
    }

    /// Starts the wrapper and returns at once.
    func start() throws -> RunningProcess {
        try RunningProcess(Self.script.path, [], environment: environment)
    }

    /// The names of the files in a directory (none when it does not exist), sorted.
    func names(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    /// The files archived or quarantined on any day, as `day/name`.
    func filed(in directory: URL) -> [String] {
        names(in: directory).flatMap { day in names(in: directory.appendingPathComponent(day)).map { "\(day)/\($0)" } }
    }

    var logFiles: [URL] {
        names(in: logs).filter { $0.hasSuffix(".log") }.map { logs.appendingPathComponent($0) }
    }
}

/// Runs any executable to the end and captures its output.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let process = try RunningProcess(executable, arguments, environment: environment)
    return process.wait()
}

/// A child process whose output is collected while it runs (so a full pipe never stalls it).
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()
    private let group = DispatchGroup()
    private var outData = Data(), errData = Data()

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = Project.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        group.enter()
        group.enter()
        DispatchQueue.global().async { [self] in
            outData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        DispatchQueue.global().async { [self] in
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Waits for the process to end (its output closed) and returns what it printed.
    func wait() -> CommandResult {
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Polls `condition` every 20 ms for up to `seconds`; true once it holds.
func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

extension TinyRegister {
    /// A register of `rows` schools: 10,000 take a couple of seconds to load in a debug build.
    /// `padding` characters of head teacher's name (never read, never stored) make each row
    /// bigger without making it slower to load.
    static func large(rows: Int, padding: Int = 0) -> String {
        let head = (String(repeating: "A", count: padding) + "da", "Lovelace")
        return file((0..<rows).map { row(urn: 200_000 + $0, name: "School number \($0)", head: head) })
    }
}
