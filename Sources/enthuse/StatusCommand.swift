import ArgumentParser
import EnthuseCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Recent runs and files, rows and rejects, and each source's freshness.")

    @OptionGroup var options: GlobalOptions

    @Option(help: "How many runs to show.")
    var runs = 10

    @Flag(help: "Exit 65 when a source's newest file is older than its pipeline's freshness_days.")
    var checkFreshness = false

    func run() throws {
        try exitingOnFailure {
            // Freshness is declared in the pipeline files: without them nothing could be stale,
            // so a check that cannot read them fails (78) rather than passing vacuously.
            let catalog = checkFreshness ? try options.catalog() : try? options.catalog()
            let status = try WarehouseStatus.read(warehouse: options.warehouse, catalog: catalog, today: .today, limit: runs)
            print(status.text)
            return checkFreshness && status.hasStaleSource ? SysExit.dataRejected : SysExit.success
        }
    }
}
