import ArgumentParser
import EnthuseCore
import Foundation

extension QueryOutput.Format: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read-only SQL statement against the warehouse and stream its rows.",
        discussion: """
            Only reads run: a write, ATTACH, a PRAGMA that sets a value, VACUUM or a temporary table is \
            refused before anything runs (exit 64), whatever form the statement takes. Reading never \
            blocks the nightly load nor waits for it: a query sees the warehouse as of its last commit.
            CSV output neutralises text a spreadsheet would run as a formula; json writes one object per line.
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: "One SQL statement, e.g. \"SELECT * FROM mart_funding_round\".")
    var sql: String

    @Option(help: "table, csv or json (one object per line).")
    var format: QueryOutput.Format = .table

    func run() throws {
        try exitingOnFailure {
            do {
                let query = try AnalystQuery(warehouse: options.warehouse, sql: sql)
                let output = BufferedOutput()
                defer { output.flush() }
                try QueryOutput.write(query, format: format, to: output.line)
                return SysExit.success
            } catch let error as QueryError {
                printError(error.description)
                if case .cannotOpen = error { return SysExit.ioError }
                return SysExit.usage
            }
        }
    }
}

/// Standard output in 64 KiB writes, so a million-row result streams without a system call a row.
final class BufferedOutput {
    private var buffer = Data()

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
