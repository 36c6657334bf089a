import ArgumentParser
import EnthuseCore
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate the built-in demo inbox, load it into DIR/warehouse.sqlite, and show what loaded.",
        discussion: "The inbox is synthetic and seeded: the same seed writes the same files, so a second demo run is a no-op.")

    @Option(help: "Where to put the demo inbox and warehouse.")
    var dir = "demo"

    @Option(help: "The seed of the synthetic data.")
    var seed: UInt64 = 2008

    @Option(name: .long, help: "The directory of pipeline definitions; its parent holds schemas/.")
    var pipelines = "pipelines"

    func run() throws {
        try exitingOnFailure {
            if (ProcessInfo.processInfo.environment[Pseudonymiser.environmentVariable] ?? "").isEmpty {
                // Demo data only: real inboxes need a secret key of their own.
                setenv(Pseudonymiser.environmentVariable, DemoInbox.demoPseudonymKey, 1)
                print("pseudonymising with the fixed demo key (set \(Pseudonymiser.environmentVariable) for real data)")
            }
            let directory = URL(fileURLWithPath: dir)
            let inbox = directory.appendingPathComponent("inbox")
            let files = try DemoInbox(seed: seed).write(to: inbox)
            print("demo inbox: \(inbox.path) (\(files.count) files, seed \(seed))")
            let options = try GlobalOptions.parse(["--warehouse", directory.appendingPathComponent("warehouse.sqlite").path, "--pipelines", pipelines])
            let runner = PipelineRunner(catalog: try options.catalog(), warehousePath: options.warehouse, logger: options.logger())
            let report = try runner.run(inbox: inbox.path)
            print(report.summary)
            print("warehouse: \(options.warehouse)")
            for line in try DemoInbox.describe(warehouse: options.warehouse) { print("  " + line) }
            print("try: sqlite3 \(options.warehouse) \"SELECT urn, name, valid_from, valid_to FROM dim_school WHERE urn IN (SELECT urn FROM dim_school GROUP BY urn HAVING count(*) > 1) LIMIT 10\"")
            return report.exitCode
        }
    }
}
