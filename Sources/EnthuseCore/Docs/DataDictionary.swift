import Foundation
import GRDB

/// The warehouse as analysts meet it: every mart, dimension and fact with what a row is, each
/// column's meaning, type and units, example queries, and where its data comes from.
///
/// Columns come from the live schema of a warehouse freshly migrated from `schemas/migrations/`,
/// descriptions from `schemas/docs/`, lineage from the SQL itself; so a column added by a
/// migration and not described shows up in ``problems``, and `enthuse docs` and the tests fail.
public struct DataDictionary: Sendable {
    public struct Column: Sendable {
        public var name: String
        /// The declared type, or the documented one for a view's computed column.
        public var type: String?
        public var notNull: Bool
        public var primaryKey: Bool
        public var description: String?
        public var units: String?
    }

    public struct Entry: Sendable {
        public var name: String
        public var isView: Bool
        public var columns: [Column]
        public var documentation: TableDocumentation?
        public var lineage: Lineage

        public var layer: Layer { Layer(table: name) }
    }

    /// Where a table's rows come from.
    public struct Lineage: Sendable {
        /// The migration that creates it.
        public var definedIn: String?
        /// For a view: the base tables it reads, views expanded.
        public var reads: [String]
        /// The SQL files, built-in steps and reference files that write those tables.
        public var filledBy: [String]
        /// The pipelines (sources) whose files end up here.
        public var sources: [String]
    }

    /// The dbt-style layers, in the order the dictionary lists them.
    public enum Layer: Int, Comparable, CaseIterable, Sendable {
        case mart, fact, dimension, core, runLedger

        init(table: String) {
            if table.hasPrefix("mart_") { self = .mart }
            else if table.hasPrefix("fct_") { self = .fact }
            else if table.hasPrefix("dim_") { self = .dimension }
            else if table.hasPrefix("etl_") { self = .runLedger }
            else { self = .core }
        }

        public var title: String {
            switch self {
            case .mart: return "Marts"
            case .fact: return "Facts"
            case .dimension: return "Dimensions"
            case .core: return "Core tables"
            case .runLedger: return "Run ledger"
            }
        }

        public static func < (lhs: Layer, rhs: Layer) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Tables and views that must be documented: every mart, fact and dimension, and these.
    public static let requiredPrefixes = ["mart_", "fct_", "dim_"]
    public static let requiredTables: Set<String> = ["school_lineage"]

    public static func isRequired(_ table: String) -> Bool {
        requiredTables.contains(table) || requiredPrefixes.contains { table.hasPrefix($0) }
    }

    /// The documented tables, marts first.
    public var entries: [Entry]
    /// Every gap between the schema and its documentation; empty when the docs are complete.
    public var problems: [String]

    /// Builds the dictionary of the project whose pipelines `catalog` holds.
    public static func build(catalog: PipelineCatalog) throws -> DataDictionary {
        try build(schemas: catalog.projectRoot.appendingPathComponent("schemas"), catalog: catalog)
    }

    /// Builds the dictionary from the migrations and `docs/` in `schemas`, migrating a scratch
    /// warehouse to read the live schema.
    public static func build(schemas: URL, catalog: PipelineCatalog) throws -> DataDictionary {
        let documents = try TableDocumentation.loadAll(directory: schemas.appendingPathComponent("docs"))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("enthuse-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("warehouse.sqlite").path
        let schema: [(name: String, isView: Bool, columns: [Column])] = try {
            let warehouse = try Warehouse(path: path, schemas: schemas)
            return try warehouse.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name
                    """).map { row in
                    let name: String = row["name"]
                    let columns = try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid", arguments: [name]).map { column in
                        Column(name: column["name"], type: (column["type"] as String?).flatMap { $0.isEmpty ? nil : $0 },
                               notNull: column["notnull"], primaryKey: (column["pk"] as Int) > 0, description: nil, units: nil)
                    }
                    return (name, (row["type"] as String) == "view", columns)
                }
            }
        }()
        let connection = try ReadOnlyConnection(path: path)
        let lineage = try LineageMap(schemas: schemas, catalog: catalog)
        var problems: [String] = []
        let documented = Dictionary(documents.map { ($0.table, $0) }, uniquingKeysWith: { first, _ in first })
        for document in documents where !schema.contains(where: { $0.name == document.table }) {
            problems.append("\(document.path): documents '\(document.table)', which no migration creates; rename or remove the file")
        }
        let views = Set(schema.filter(\.isView).map(\.name))
        var entries: [Entry] = []
        for table in schema where isRequired(table.name) || documented[table.name] != nil {
            guard let document = documented[table.name] else {
                problems.append("\(table.name) has no documentation: add schemas/docs/\(table.name).yaml describing what a row is and every column (see schemas/docs/README.md)")
                entries.append(Entry(name: table.name, isView: table.isView, columns: table.columns, documentation: nil,
                                     lineage: try lineage.lineage(of: table.name, isView: table.isView, views: views, connection: connection)))
                continue
            }
            var columns = table.columns
            for index in columns.indices {
                let name = columns[index].name
                guard let described = document.column(name) else {
                    problems.append("\(table.name).\(name) has no description: add it under columns in \(document.path)")
                    continue
                }
                columns[index].description = described.description
                columns[index].units = described.units
                if let type = described.type {
                    if let declared = columns[index].type {
                        problems.append("\(table.name).\(name): the schema declares its type (\(declared)); remove type from \(document.path)")
                    } else {
                        columns[index].type = type
                    }
                } else if columns[index].type == nil {
                    problems.append("\(table.name).\(name): the view does not declare its type; add type (INTEGER, REAL or TEXT) in \(document.path)")
                }
            }
            for (name, _) in document.columns where !table.columns.contains(where: { $0.name == name }) {
                problems.append("\(document.path): describes column '\(name)', which \(table.name) does not have; remove or rename it")
            }
            for example in document.examples {
                do {
                    _ = try AnalystQuery(warehouse: path, sql: example.sql)
                } catch {
                    problems.append("\(document.path): example '\(example.title)' does not run: \(error)")
                }
            }
            entries.append(Entry(name: table.name, isView: table.isView, columns: columns, documentation: document,
                                 lineage: try lineage.lineage(of: table.name, isView: table.isView, views: views, connection: connection)))
        }
        entries.sort { ($0.layer, $0.name) < ($1.layer, $1.name) }
        return DataDictionary(entries: entries, problems: problems)
    }
}
