import ArgumentParser
import EnthuseCore

/// `enthuse`: the ENTHUSE warehouse loader. Each subcommand is a thin shell over EnthuseCore.
@main
struct Enthuse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the ENTHUSE programme's files into the SQLite warehouse, and look after it.",
        discussion: """
            Exit codes (sysexits): 0 success; 65 rows or files were rejected (the rest loaded);
            64 usage; 70 internal error; 74 I/O error; 75 another run holds the lock (try later);
            78 bad configuration.
            """,
        version: EnthuseVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self, StatusCommand.self, RejectsCommand.self, ReconcileCommand.self,
                      QueryCommand.self, DocsCommand.self, DemoCommand.self, GenerateCommand.self]
    )

    static func main() {
        MallocArenas.limit()
        main(nil)
    }
}
