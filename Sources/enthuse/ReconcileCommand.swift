import ArgumentParser
import EnthuseCore

extension Reconciliation.Format: ExpressibleByArgument {}

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Finance's report: per round and per funder, pledged vs received vs announced, then every issue.",
        discussion: "Exit 0 when every round balances and there are no issues; 1 when there are discrepancies; 2 or more for errors (sysexits: 64 usage, 74 I/O, 78 configuration).")

    @OptionGroup var options: GlobalOptions

    @Option(help: "Only this funding round (2008, 2013/14).")
    var round: String?

    @Option(help: "table, csv or json.")
    var format: Reconciliation.Format = .table

    @Option(help: "Count only ledger entries dated on or before this date (YYYY-MM-DD).")
    var asOf: String?

    func validate() throws {
        if let asOf, ISODate.parseISO(asOf) == nil {
            throw ValidationError("--as-of must be a date as YYYY-MM-DD, such as 2014-03-31")
        }
    }

    func run() throws {
        try exitingOnFailure {
            let reconciliation = try Reconciliation.read(warehouse: options.warehouse, round: round, asOf: asOf.flatMap(ISODate.parseISO))
            print(try reconciliation.render(format))
            return reconciliation.balances ? 0 : 1
        }
    }
}
