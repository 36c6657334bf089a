import Foundation
import Yams

/// What an analyst needs to know about one table or view, written beside its SQL in
/// `schemas/docs/<table>.yaml` (the format is described in `schemas/docs/README.md`).
///
/// ```yaml
/// table: mart_funding_round
/// row: One funding round.
/// description: What was announced, pledged, received and refunded for the round.
/// columns:
///   round: The round as finance names it, 2008 or 2013/14.
///   announced_pence: {description: The total announced for the round., units: pence}
/// examples:
///   - title: Rounds that do not balance
///     sql: SELECT round, status FROM mart_funding_round WHERE status <> 'balanced'
/// ```
public struct TableDocumentation: Sendable {
    public struct Column: Sendable, Equatable {
        public var description: String
        public var units: String?
        /// Only for a view's computed column, whose type SQLite does not declare.
        public var type: String?
    }

    public struct Example: Sendable, Equatable {
        public var title: String
        public var sql: String
    }

    public var table: String
    /// What one row is.
    public var row: String
    public var description: String
    /// Columns by name, in the order the file lists them.
    public var columns: [(name: String, column: Column)]
    /// Anything about where the data comes from that the SQL does not say.
    public var lineage: String?
    public var examples: [Example]
    public var path: String

    public func column(_ name: String) -> Column? {
        columns.first { $0.name == name }?.column
    }

    /// The keys a documentation file may use, by section; anything else is an error.
    public static let keys: [String: Set<String>] = [
        "table": ["table", "row", "description", "columns", "lineage", "examples"],
        "column": ["description", "units", "type"],
        "example": ["title", "sql"],
    ]

    /// Reads every `*.yaml` in `directory`, strictly.
    public static func loadAll(directory: URL) throws(DocumentationError) -> [TableDocumentation] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw DocumentationError(file: directory.path, line: nil, message: "cannot list the documentation directory; run from the project directory or pass --pipelines DIR")
        }
        var documents: [TableDocumentation] = []
        for name in names.filter({ $0.hasSuffix(".yaml") }).sorted() {
            let path = directory.appendingPathComponent(name).path
            let document = try load(path: path)
            guard name == document.table + ".yaml" else {
                throw DocumentationError(file: path, line: nil, message: "documents table '\(document.table)'; name the file \(document.table).yaml")
            }
            documents.append(document)
        }
        return documents
    }

    public static func load(path: String) throws(DocumentationError) -> TableDocumentation {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DocumentationError(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(yaml: text, path: path)
    }

    /// Parses one documentation file; unknown keys and wrong shapes are errors naming the line.
    public static func parse(yaml: String, path: String) throws(DocumentationError) -> TableDocumentation {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw DocumentationError(file: path, line: nil, message: "the file is empty; it needs at least table, row, description and columns")
            }
            root = node
        } catch let error as DocumentationError {
            throw error
        } catch {
            throw DocumentationError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        let reader = DocumentationReader(path: path)
        let map = try reader.mapping(root, section: "table")
        var columns: [(name: String, column: Column)] = []
        let columnsNode = try map.required("columns")
        for (key, value) in try reader.pairs(columnsNode, what: "columns") {
            let name = try reader.text(key, what: "a column name")
            if columns.contains(where: { $0.name == name }) { throw reader.error(key, "column '\(name)' is described twice") }
            if case .scalar = value {
                columns.append((name, Column(description: try reader.text(value, what: "the description of \(name)"))))
            } else {
                let column = try reader.mapping(value, section: "column")
                columns.append((name, Column(
                    description: try reader.text(column.required("description"), what: "\(name).description"),
                    units: try column.optional("units").map { node throws(DocumentationError) in try reader.text(node, what: "\(name).units") },
                    type: try column.optional("type").map { node throws(DocumentationError) in try reader.text(node, what: "\(name).type") })))
            }
        }
        var examples: [Example] = []
        if let examplesNode = map.optional("examples") {
            guard case let .sequence(items) = examplesNode else { throw reader.error(examplesNode, "examples must be a list of {title, sql}") }
            for item in items {
                let example = try reader.mapping(item, section: "example")
                examples.append(Example(title: try reader.text(example.required("title"), what: "an example's title"),
                                        sql: try reader.text(example.required("sql"), what: "an example's sql")))
            }
        }
        return TableDocumentation(
            table: try reader.text(map.required("table"), what: "table"),
            row: try reader.text(map.required("row"), what: "row"),
            description: try reader.text(map.required("description"), what: "description"),
            columns: columns,
            lineage: try map.optional("lineage").map { node throws(DocumentationError) in try reader.text(node, what: "lineage") },
            examples: examples,
            path: path)
    }
}

/// A documentation file that cannot be read, located so it can be fixed.
public struct DocumentationError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Typed, located access to a documentation file's YAML tree.
private struct DocumentationReader {
    let path: String

    struct Mapping {
        let reader: DocumentationReader
        let node: Node
        let entries: [String: Node]

        func optional(_ key: String) -> Node? { entries[key] }

        func required(_ key: String) throws(DocumentationError) -> Node {
            guard let value = entries[key] else { throw reader.error(node, "missing required key '\(key)'") }
            return value
        }
    }

    func mapping(_ node: Node, section: String) throws(DocumentationError) -> Mapping {
        let known = TableDocumentation.keys[section] ?? []
        var entries: [String: Node] = [:]
        for (key, value) in try pairs(node, what: section) {
            guard let name = key.string, known.contains(name) else {
                throw error(key, "unknown key '\(key.string ?? "?")' in \(section); known keys are: \(known.sorted().joined(separator: ", "))")
            }
            entries[name] = value
        }
        return Mapping(reader: self, node: node, entries: entries)
    }

    func pairs(_ node: Node, what: String) throws(DocumentationError) -> [(Node, Node)] {
        guard case let .mapping(map) = node else { throw error(node, "\(what) must be a mapping of key: value") }
        return map.map { ($0.key, $0.value) }
    }

    func text(_ node: Node, what: String) throws(DocumentationError) -> String {
        guard case let .scalar(scalar) = node else { throw error(node, "\(what) must be text") }
        let value = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw error(node, "\(what) is empty") }
        return value
    }

    func error(_ node: Node, _ message: String) -> DocumentationError {
        DocumentationError(file: path, line: node.mark?.line, message: message)
    }
}
