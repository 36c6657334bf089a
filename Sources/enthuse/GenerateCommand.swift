import ArgumentParser
import EnthuseCore
import Foundation

extension DemoInbox.Scale: ExpressibleByArgument {}
extension AttendanceDemo.Format: ExpressibleByArgument {}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic, seeded inbox without loading it: the demo one, a national-size one, or one large attendance register for benchmarks.")

    @Option(help: "demo or national.")
    var scale: DemoInbox.Scale = .demo

    @Option(help: "Where to write the inbox.")
    var out: String

    @Option(help: "The seed of the synthetic data.")
    var seed: UInt64 = 2008

    @Option(help: "Instead of an inbox, write a register snapshot and one attendance register of this many rows (benchmarks).")
    var attendanceRows: Int?

    @Option(help: "The attendance register's format with --attendance-rows: csv, xml (Excel 2003 SpreadsheetML) or xlsx.")
    var attendanceFormat: AttendanceDemo.Format = .csv

    func run() throws {
        try exitingOnFailure {
            let directory = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let files: [String]
            if let attendanceRows {
                files = try DemoInbox(seed: seed).writeBenchmark(to: directory, attendanceRows: attendanceRows, format: attendanceFormat)
            } else {
                files = try DemoInbox(seed: seed, scale: scale).write(to: directory)
            }
            print("wrote \(files.count) files to \(directory.path)")
            return SysExit.success
        }
    }
}
