import Foundation

/// Every pipeline of the project, checked together and put in load order.
///
/// Loading order follows `depends_on` (the register before its links, partnerships before the
/// attendance that names them); among independent sources, by name.
public struct PipelineCatalog: Sendable {
    /// Pipelines in load order.
    public let pipelines: [PipelineDefinition]
    /// The directory that relative paths in pipeline files start from (the pipelines directory's
    /// parent: the project root).
    public let projectRoot: URL
    /// Reference data (`reference/*.csv` beside the pipeline files), loaded as `ref_*` tables.
    public let referenceDirectory: URL
    private let patterns: [String: WholePattern]

    /// Reads every `*.yaml` in `directory` and checks them against each other and the project.
    public init(directory: String) throws(PipelineConfigurationError) {
        let directoryURL = URL(fileURLWithPath: directory).standardizedFileURL
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directoryURL.path)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
        } catch {
            throw PipelineConfigurationError(file: directory, line: nil, message: "cannot list the pipelines directory (\(error.localizedDescription)); pass --pipelines DIR")
        }
        guard !names.isEmpty else {
            throw PipelineConfigurationError(file: directory, line: nil, message: "no pipeline files (*.yaml) here; pass --pipelines DIR")
        }
        var definitions: [PipelineDefinition] = []
        for name in names {
            definitions.append(try PipelineDefinition.load(path: directoryURL.appendingPathComponent(name).path))
        }
        try self.init(definitions: definitions, projectRoot: directoryURL.deletingLastPathComponent(),
                      referenceDirectory: directoryURL.appendingPathComponent("reference"))
    }

    /// Checks already-parsed definitions (tests build them in memory).
    public init(definitions: [PipelineDefinition], projectRoot: URL, referenceDirectory: URL) throws(PipelineConfigurationError) {
        self.projectRoot = projectRoot
        self.referenceDirectory = referenceDirectory
        var bySource: [String: PipelineDefinition] = [:]
        var patterns: [String: WholePattern] = [:]
        for definition in definitions {
            if let other = bySource[definition.source] {
                throw PipelineConfigurationError(file: definition.definitionPath, line: nil, message: "source '\(definition.source)' is also defined in \(other.definitionPath)")
            }
            bySource[definition.source] = definition
            do {
                patterns[definition.source] = try WholePattern(definition.files.pattern)
            } catch {
                throw PipelineConfigurationError(file: definition.definitionPath, line: nil, message: "files.pattern is not a valid regular expression: \(error)")
            }
            for dependency in definition.dependsOn where !definitions.contains(where: { $0.source == dependency }) {
                throw PipelineConfigurationError(file: definition.definitionPath, line: nil, message: "depends_on names '\(dependency)', which no pipeline file defines")
            }
            for path in [definition.transform, definition.files.schema].compactMap({ $0 }) + definition.refresh.filter({ $0.hasSuffix(".sql") }) {
                let url = projectRoot.appendingPathComponent(path)
                if !FileManager.default.fileExists(atPath: url.path) {
                    throw PipelineConfigurationError(file: definition.definitionPath, line: nil, message: "the file '\(path)' does not exist (paths start at \(projectRoot.path))")
                }
            }
            for step in definition.refresh where !step.hasSuffix(".sql") && RefreshStep(rawValue: step) == nil {
                throw PipelineConfigurationError(file: definition.definitionPath, line: nil, message: "refresh step '\(step)' is neither an .sql file nor one of \(RefreshStep.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        self.patterns = patterns
        self.pipelines = try Self.loadOrder(bySource)
    }

    public func pipeline(named source: String) -> PipelineDefinition? {
        pipelines.first { $0.source == source }
    }

    /// The pipeline that claims a file name, with the name's captures; nil when none does.
    /// A name claimed by two pipelines is a configuration error.
    public func claim(fileName: String) throws(PipelineConfigurationError) -> (PipelineDefinition, [String: String])? {
        var found: (PipelineDefinition, [String: String])?
        for pipeline in pipelines {
            guard let captures = patterns[pipeline.source]?.match(fileName) else { continue }
            if let (first, _) = found {
                throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "'\(fileName)' is claimed by both \(first.source) and \(pipeline.source); make the files.pattern of one of them stricter")
            }
            found = (pipeline, captures)
        }
        return found
    }

    /// Sources in dependency order; a cycle is a configuration error.
    private static func loadOrder(_ bySource: [String: PipelineDefinition]) throws(PipelineConfigurationError) -> [PipelineDefinition] {
        var ordered: [PipelineDefinition] = []
        var placed = Set<String>()
        var remaining = bySource.keys.sorted()
        while !remaining.isEmpty {
            guard let next = remaining.first(where: { source in bySource[source]!.dependsOn.allSatisfy(placed.contains) }) else {
                let stuck = bySource[remaining[0]]!
                throw PipelineConfigurationError(file: stuck.definitionPath, line: nil, message: "depends_on forms a cycle among \(remaining.joined(separator: ", "))")
            }
            ordered.append(bySource[next]!)
            placed.insert(next)
            remaining.removeAll { $0 == next }
        }
        return ordered
    }
}
