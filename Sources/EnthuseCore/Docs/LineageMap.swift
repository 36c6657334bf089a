import Foundation

/// Which migration creates each table, and which SQL, built-in step, loader or reference file
/// writes it, for which source: read from the project's files, never written down by hand.
struct LineageMap {
    /// Table → the migration file that creates it.
    private var definedIn: [String: String] = [:]
    /// Table → what fills it, each with the sources it serves.
    private var writers: [String: [(what: String, sources: Set<String>)]] = [:]

    init(schemas: URL, catalog: PipelineCatalog) throws {
        let root = catalog.projectRoot
        let migrations = schemas.appendingPathComponent("migrations")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: migrations.path))?.filter({ $0.hasSuffix(".sql") }).sorted() ?? [] {
            let sql = try String(contentsOf: migrations.appendingPathComponent(name), encoding: .utf8)
            for table in Self.matches(#"(?i)\bCREATE\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"#, in: sql) where definedIn[table] == nil {
                definedIn[table] = "schemas/migrations/\(name)"
            }
        }
        var sqlFiles: [String: Set<String>] = [:]
        for pipeline in catalog.pipelines {
            add(pipeline.staging, "the loader, from files named like `\(pipeline.files.pattern)`", source: pipeline.source)
            if let transform = pipeline.transform { sqlFiles[transform, default: []].insert(pipeline.source) }
            for step in pipeline.refresh {
                if let builtIn = RefreshStep(rawValue: step) {
                    for table in builtIn.tablesWritten { add(table, "the built-in refresh step `\(step)`", source: pipeline.source) }
                } else {
                    sqlFiles[step, default: []].insert(pipeline.source)
                }
            }
        }
        for (file, sources) in sqlFiles {
            guard let sql = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else { continue }
            for table in Set(Self.tablesWritten(bySQL: sql)) {
                for source in sources { add(table, "`\(file)`", source: source) }
            }
        }
        for table in ["etl_run", "etl_file", "etl_reject"] {
            writers[table, default: []].append(("the loader's run ledger (`Sources/EnthuseCore/Load/RunLedger.swift`)", []))
        }
        let reference = catalog.referenceDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: reference.path))?.filter({ $0.hasSuffix(".csv") }).sorted() ?? [] {
            let relative = reference.path.hasPrefix(root.path + "/") ? String(reference.path.dropFirst(root.path.count + 1)) : reference.path
            writers["ref_" + name.dropLast(4), default: []].append(("reference data `\(relative)/\(name)`", []))
        }
    }

    private mutating func add(_ table: String, _ what: String, source: String) {
        if let index = writers[table]?.firstIndex(where: { $0.what == what }) {
            writers[table]![index].sources.insert(source)
        } else {
            writers[table, default: []].append((what, [source]))
        }
    }

    /// The lineage of one table or view; `views` are left out of what a view reads, which is
    /// the base tables underneath them.
    func lineage(of table: String, isView: Bool, views: Set<String>, connection: ReadOnlyConnection) throws -> DataDictionary.Lineage {
        let reads = isView
            ? try connection.tablesRead(by: "SELECT * FROM \"\(table)\"").filter { !$0.hasPrefix("sqlite_") && !views.contains($0) }.sorted()
            : []
        var filledBy: [String] = []
        var sources = Set<String>()
        for base in isView ? reads : [table] {
            for writer in writers[base] ?? [] {
                let line = isView ? "`\(base)`: \(writer.what)" : writer.what
                if !filledBy.contains(line) { filledBy.append(line) }
                sources.formUnion(writer.sources)
            }
        }
        return DataDictionary.Lineage(definedIn: definedIn[table], reads: reads, filledBy: filledBy, sources: sources.sorted())
    }

    /// The tables an SQL script fills: those it inserts rows into (comments ignored). Updates,
    /// such as marking a superseded file in etl_file, do not make a script a table's source.
    static func tablesWritten(bySQL sql: String) -> [String] {
        let code = sql.replacingOccurrences(of: #"--[^\n]*"#, with: "", options: .regularExpression)
        let pattern = #"(?i)\b(?:INSERT(?:\s+OR\s+[A-Z]+)?|REPLACE)\s+INTO\s+(?:main\.)?"?([A-Za-z_][A-Za-z0-9_]*)"#
        return matches(pattern, in: code).filter { $0.uppercased() != "TEMP" }
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}

extension RefreshStep {
    /// The tables a built-in step rebuilds, for the data dictionary's lineage.
    var tablesWritten: [String] {
        switch self {
        case .schoolLineage: return ["school_lineage"]
        }
    }
}
