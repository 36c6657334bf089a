import Yams

/// Walks a composed YAML tree into a ``PipelineDefinition``, refusing anything it does not know.
///
/// Hand-written rather than `Codable` because Codable cannot report unknown keys, nor the line a
/// bad value stands on, and both are what a person fixing a pipeline file needs.
struct YAMLReader {
    let path: String

    typealias Failure = PipelineConfigurationError

    func pipeline(_ root: Node) throws(Failure) -> PipelineDefinition {
        let map = try mapping(root, section: "pipeline", what: "the pipeline")
        let source = try identifier(map.required("source"), what: "source")
        let filesNode = try map.required("files")
        let files = try fileSelection(filesNode)
        let columnsNode = try map.required("columns")
        let columnsMap = try orderedMapping(columnsNode, what: "columns")
        guard !columnsMap.isEmpty else { throw error(columnsNode, "columns is empty; declare at least one column to bind") }
        var columns: [ColumnRule] = []
        for (key, value) in columnsMap {
            columns.append(try column(name: try identifier(key, what: "a column name"), value))
        }
        let staging = try identifier(map.required("staging"), what: "staging")
        guard staging.hasPrefix("stg_") else {
            throw error(try map.required("staging"), "staging must name a stg_* table, found '\(staging)'")
        }
        let threshold = try map.optional("reject_threshold").map { node throws(Failure) in try number(node, what: "reject_threshold") } ?? 0
        guard (0...1).contains(threshold) else {
            throw error(try map.required("reject_threshold"), "reject_threshold must be a fraction between 0 and 1, found \(threshold)")
        }
        let freshness = try map.optional("freshness_days").map { node throws(Failure) in try integer(node, what: "freshness_days") }
        if let freshness, freshness < 1 {
            throw error(try map.required("freshness_days"), "freshness_days must be at least 1, found \(freshness)")
        }
        let definition = PipelineDefinition(
            source: source,
            description: try map.optional("description").map { node throws(Failure) in try string(node, what: "description") } ?? "",
            files: files,
            dependsOn: try map.optional("depends_on").map { node throws(Failure) in try stringList(node, what: "depends_on") } ?? [],
            freshnessDays: freshness,
            rejectThreshold: threshold,
            personalColumns: try map.optional("personal_columns").map { node throws(Failure) in try stringList(node, what: "personal_columns") } ?? [],
            columns: columns,
            unique: try map.optional("unique").map { node throws(Failure) in try stringList(node, what: "unique") } ?? [],
            staging: staging,
            transform: try map.optional("transform").map { node throws(Failure) in try string(node, what: "transform") },
            refresh: try map.optional("refresh").map { node throws(Failure) in try stringList(node, what: "refresh") } ?? [],
            definitionPath: path)
        let names = columns.map(\.name)
        if let duplicate = names.firstDuplicate {
            throw error(columnsNode, "column '\(duplicate)' is declared twice")
        }
        if let unknown = definition.unique.first(where: { !names.contains($0) }) {
            throw error(try map.required("unique"), "unique names '\(unknown)', which is not one of the columns (\(names.joined(separator: ", ")))")
        }
        return definition
    }

    private func fileSelection(_ node: Node) throws(Failure) -> FileSelection {
        let map = try mapping(node, section: "files", what: "files")
        let patternNode = try map.required("pattern")
        let pattern = try string(patternNode, what: "files.pattern")
        let captures: [String]
        do {
            captures = try WholePattern(pattern).captureNames
        } catch {
            throw self.error(patternNode, "files.pattern is not a valid regular expression: \(error)")
        }
        let dateCapture = try map.optional("date").map { node throws(Failure) in try string(node, what: "files.date") }
        if let dateCapture, !captures.contains(dateCapture) {
            throw error(try map.required("date"), "files.date names the capture '\(dateCapture)', but files.pattern has no (?<\(dateCapture)>…) group")
        }
        let selection = FileSelection(
            pattern: pattern,
            dateCapture: dateCapture,
            format: try enumeration(map.required("format"), what: "files.format"),
            encoding: try map.optional("encoding").map { node throws(Failure) in try enumeration(node, what: "files.encoding") } ?? .detect,
            schema: try map.optional("schema").map { node throws(Failure) in try string(node, what: "files.schema") },
            record: try map.optional("record").map { node throws(Failure) in try string(node, what: "files.record") })
        if selection.format == .xml && selection.record == nil {
            throw error(node, "an xml pipeline needs files.record, the element that is one record")
        }
        if selection.format != .xml, let extra = map.optional("record") ?? map.optional("schema") {
            throw error(extra, "files.record and files.schema apply to xml files only")
        }
        return selection
    }

    private func column(name: String, _ node: Node) throws(Failure) -> ColumnRule {
        let map = try mapping(node, section: "column", what: "column '\(name)'")
        let type: FieldType = try map.optional("type").map { node throws(Failure) in try enumeration(node, what: "\(name).type") } ?? .text
        var rule = ColumnRule(name: name, header: try string(map.required("header"), what: "\(name).header"), type: type)
        rule.synonyms = try map.optional("synonyms").map { node throws(Failure) in try stringList(node, what: "\(name).synonyms") } ?? []
        rule.required = try map.optional("required").map { node throws(Failure) in try bool(node, what: "\(name).required") } ?? false
        rule.optional = try map.optional("optional").map { node throws(Failure) in try bool(node, what: "\(name).optional") } ?? false
        if rule.required && rule.optional {
            throw error(node, "column '\(name)' cannot be both required and optional")
        }
        if let patternNode = map.optional("pattern") {
            let pattern = try string(patternNode, what: "\(name).pattern")
            do { _ = try Regex(pattern) } catch {
                throw self.error(patternNode, "\(name).pattern is not a valid regular expression: \(error)")
            }
            rule.pattern = pattern
        }
        rule.values = try map.optional("values").map { node throws(Failure) in try stringList(node, what: "\(name).values") }
        if let rangeNode = map.optional("range") {
            guard type == .integer || type == .decimal else {
                throw error(rangeNode, "\(name).range applies to integer and decimal columns; this one is \(type.rawValue)")
            }
            guard case let .sequence(bounds) = rangeNode, bounds.count == 2 else {
                throw error(rangeNode, "\(name).range must be [minimum, maximum]")
            }
            let low = try number(bounds[0], what: "\(name).range minimum")
            let high = try number(bounds[1], what: "\(name).range maximum")
            guard low <= high else { throw error(rangeNode, "\(name).range minimum \(low) is above its maximum \(high)") }
            rule.range = low...high
        }
        if let formatNode = map.optional("format") {
            guard type == .date else {
                throw error(formatNode, "\(name).format applies to date columns; add `type: date` or remove it")
            }
            rule.dateFormat = try enumeration(formatNode, what: "\(name).format")
        } else if type == .date {
            throw error(node, "column '\(name)' has type date but no format; add one of \(DateFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        rule.placeholders = try map.optional("placeholders").map { node throws(Failure) in try stringList(node, what: "\(name).placeholders") } ?? []
        rule.maxLength = try map.optional("max_length").map { node throws(Failure) in try integer(node, what: "\(name).max_length") }
        if let node = map.optional("dictionary") {
            rule.dictionary = try bool(node, what: "\(name).dictionary")
            guard !rule.dictionary || type == .text else {
                throw error(node, "\(name).dictionary applies to text columns; this one is \(type.rawValue)")
            }
        }
        if let node = map.optional("exists_in") {
            let target = try string(node, what: "\(name).exists_in")
            let parts = target.split(separator: ".")
            guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } }) else {
                throw error(node, "\(name).exists_in must be table.column, such as dim_school.urn; found '\(target)'")
            }
            rule.existsIn = target
        }
        return rule
    }

    // MARK: - Typed access with locations

    /// A mapping's keys checked against the section's known keys.
    struct Mapping {
        let reader: YAMLReader
        let node: Node
        let entries: [String: Node]

        func optional(_ key: String) -> Node? { entries[key] }

        func required(_ key: String) throws(Failure) -> Node {
            guard let value = entries[key] else {
                throw reader.error(node, "missing required key '\(key)'")
            }
            return value
        }
    }

    private func mapping(_ node: Node, section: String, what: String) throws(Failure) -> Mapping {
        let known = PipelineDefinition.documentedKeys[section] ?? []
        var entries: [String: Node] = [:]
        for (key, value) in try orderedMapping(node, what: what) {
            guard let name = key.string, known.contains(name) else {
                let suggestion = known.sorted().joined(separator: ", ")
                throw error(key, "unknown key '\(key.string ?? "?")' in \(what); known keys are: \(suggestion)")
            }
            entries[name] = value
        }
        return Mapping(reader: self, node: node, entries: entries)
    }

    private func orderedMapping(_ node: Node, what: String) throws(Failure) -> [(Node, Node)] {
        guard case let .mapping(map) = node else {
            throw error(node, "\(what) must be a mapping of key: value")
        }
        return map.map { ($0.key, $0.value) }
    }

    private func string(_ node: Node, what: String) throws(Failure) -> String {
        guard case let .scalar(scalar) = node else { throw error(node, "\(what) must be a single value") }
        return scalar.string
    }

    private func identifier(_ node: Node, what: String) throws(Failure) -> String {
        let value = try string(node, what: what)
        guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw error(node, "\(what) must be a lower-case identifier (a-z, 0-9, _), found '\(value)'")
        }
        return value
    }

    private func stringList(_ node: Node, what: String) throws(Failure) -> [String] {
        guard case let .sequence(items) = node else { throw error(node, "\(what) must be a list, e.g. [a, b]") }
        var values: [String] = []
        for item in items { values.append(try string(item, what: "an entry of \(what)")) }
        return values
    }

    /// YAML 1.1's words for true and false, as Yams reads them, from an unquoted scalar. (Read
    /// here because pipelines are composed with Yams' basic resolver: see `parse(yaml:path:)`.)
    private func bool(_ node: Node, what: String) throws(Failure) -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain || scalar.style == .any else {
            throw error(node, "\(what) must be true or false")
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, "\(what) must be true or false")
        }
    }

    private func integer(_ node: Node, what: String) throws(Failure) -> Int {
        guard case .scalar = node, let value = node.int else { throw error(node, "\(what) must be a whole number") }
        return value
    }

    private func number(_ node: Node, what: String) throws(Failure) -> Double {
        guard case .scalar = node, let value = node.float, value.isFinite else { throw error(node, "\(what) must be a number") }
        return value
    }

    private func enumeration<Value: RawRepresentable & CaseIterable>(_ node: Node, what: String) throws(Failure) -> Value where Value.RawValue == String {
        let raw = try string(node, what: what)
        guard let value = Value(rawValue: raw) else {
            throw error(node, "\(what) must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), found '\(raw)'")
        }
        return value
    }

    func error(_ node: Node, _ message: String) -> Failure {
        Failure(file: path, line: node.mark?.line, message: message)
    }
}

extension Array where Element: Hashable {
    /// The first element that occurs a second time, if any.
    var firstDuplicate: Element? {
        var seen = Set<Element>()
        return first { !seen.insert($0).inserted }
    }
}
