import ArgumentParser
import EnthuseCore
import Foundation

struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Write the data dictionary: every mart, fact and dimension, each column, examples and lineage.",
        discussion: """
            Writes DIR/data-dictionary.md, DIR/index.html (one static page) and DIR/datasette-metadata.json \
            (for datasette serve --metadata). Columns come from a freshly migrated schema, descriptions from \
            schemas/docs/. Exit 65 when a table or column has no description (the files are still written).
            """)

    @OptionGroup var options: GlobalOptions

    @Option(help: "The directory to write into (created if needed).")
    var out = "docs"

    func run() throws {
        try exitingOnFailure {
            let catalog = try options.catalog()
            let dictionary: DataDictionary
            let files: [(String, String)]
            do {
                dictionary = try DataDictionary.build(catalog: catalog)
                files = [
                    ("data-dictionary.md", dictionary.markdown),
                    ("index.html", dictionary.html),
                    ("datasette-metadata.json", try dictionary.datasetteMetadata(
                        base: catalog.projectRoot.appendingPathComponent("schemas/datasette/metadata.yaml"))),
                ]
            } catch let error as DocumentationError {
                throw Failure(.configuration(error.description))
            }
            let directory = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                for (name, text) in files {
                    try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
                }
            } catch {
                throw Failure(.io("cannot write the docs into \(out): \(error.localizedDescription)"))
            }
            print("wrote \(files.map { directory.appendingPathComponent($0.0).path }.joined(separator: ", ")): \(dictionary.entries.count) tables and views")
            for problem in dictionary.problems { printError(problem) }
            return dictionary.problems.isEmpty ? SysExit.success : SysExit.dataRejected
        }
    }
}
