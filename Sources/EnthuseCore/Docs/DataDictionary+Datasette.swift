import Foundation
import Yams

extension DataDictionary {
    /// The name Datasette gives the warehouse: the file's name without its extension.
    public static let datasetteDatabase = "warehouse"

    /// Datasette metadata: the hand-written `schemas/datasette/metadata.yaml` (title, canned
    /// queries, hidden tables) with every documented table's description and column descriptions
    /// added, as JSON for `datasette serve --metadata`.
    public func datasetteMetadata(base path: URL) throws -> String {
        let text: String
        do {
            text = try String(contentsOf: path, encoding: .utf8)
        } catch {
            throw DocumentationError(file: path.path, line: nil, message: "cannot read the Datasette metadata: \(error.localizedDescription)")
        }
        guard var metadata = try Yams.load(yaml: text) as? [String: Any],
              var databases = metadata["databases"] as? [String: Any],
              var database = databases[Self.datasetteDatabase] as? [String: Any]
        else {
            throw DocumentationError(file: path.path, line: nil, message: "expected a mapping with databases: \(Self.datasetteDatabase): …")
        }
        var tables = database["tables"] as? [String: Any] ?? [:]
        for entry in entries {
            guard let document = entry.documentation else { continue }
            var table = tables[entry.name] as? [String: Any] ?? [:]
            table["description"] = "A row is: \(document.row) \(document.description)"
            table["columns"] = Dictionary(uniqueKeysWithValues: entry.columns.compactMap { column in
                column.description.map { description in
                    (column.name, column.units.map { "\(description) (\($0))" } ?? description)
                }
            })
            tables[entry.name] = table
        }
        database["tables"] = tables
        databases[Self.datasetteDatabase] = database
        metadata["databases"] = databases
        let data = try JSONSerialization.data(withJSONObject: metadata, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
