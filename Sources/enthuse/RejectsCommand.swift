import ArgumentParser
import EnthuseCore

extension RejectExport.Format: ExpressibleByArgument {}

struct RejectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejects",
        abstract: "The rejected rows of a run, with file, line, field, value and reason.",
        discussion: "CSV output neutralises cells a spreadsheet would run as formulas.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("run"), help: "The run (default: the latest).")
    var runID: Int64?

    @Option(help: "csv, json (one object per line) or table.")
    var format: RejectExport.Format = .table

    func run() throws {
        try exitingOnFailure {
            if try RejectExport.write(warehouse: options.warehouse, runID: runID, format: format, to: { print($0) }) == nil {
                printError("the warehouse has no runs yet")
            }
            return SysExit.success
        }
    }
}
