import ArgumentParser
import EnthuseCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Dry run: parse and validate files, print every diagnostic, write nothing.",
        discussion: "Each diagnostic is printed as file:line: field: message. Exit 0 when every file would load cleanly, 65 otherwise.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Files to check.")
    var files: [String]

    func run() throws {
        try exitingOnFailure {
            let runner = PipelineRunner(catalog: try options.catalog(), warehousePath: options.warehouse, logger: options.logger())
            let (outcomes, unclaimed) = try runner.validate(paths: files) { file, reject in
                print(reject.diagnostic(file: file))
            }
            for path in unclaimed { print("\(path): no pipeline claims this file name") }
            for outcome in outcomes {
                let verdict = outcome.status == .rejected ? "would be rejected" : outcome.status == .duplicate ? "already loaded" : "would load"
                print("\(outcome.fileName): \(verdict): read \(outcome.rowsRead), valid \(outcome.rowsRead - outcome.rowsRejected), rejected \(outcome.rowsRejected)")
            }
            let clean = unclaimed.isEmpty && outcomes.allSatisfy { $0.status != .rejected && $0.rowsRejected == 0 }
            return clean ? SysExit.success : SysExit.dataRejected
        }
    }
}
