import ArgumentParser
import EnthuseCore
import Foundation

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load every file of an inbox that a pipeline claims.",
        discussion: "Files already loaded (same SHA-256) are skipped; files no pipeline claims are listed and left untouched.")

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: "The directory of files to load.")
    var inbox: String

    @Option(help: "Append one JSON line per file to this file as soon as the file is finished with (committed or rejected).")
    var manifest: String?

    func run() throws {
        try exitingOnFailure {
            var runner = PipelineRunner(catalog: try options.catalog(), warehousePath: options.warehouse, logger: options.logger())
            let progress = ProgressLine.onTerminal()
            defer { progress?.clear() }
            if let progress {
                runner.progress = { file, rows, bytes in progress.report(file: file, rows: rows, bytes: bytes) }
            }
            let writer = try manifest.map(ManifestWriter.init(path:))
            runner.onFileFinished = { outcome in
                progress?.clear()
                writer?.append(outcome.manifestLine)
            }
            let report = try runner.run(inbox: inbox)
            print(report.summary)
            return report.exitCode
        }
    }
}
