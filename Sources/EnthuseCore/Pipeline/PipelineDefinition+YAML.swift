import Foundation
import Yams

extension PipelineDefinition {
    /// Every key a pipeline file may use, by section. `pipelines/README.md` documents exactly
    /// these; a test fails when the two drift apart.
    public static let documentedKeys: [String: Set<String>] = [
        "pipeline": [
            "source", "description", "files", "depends_on", "freshness_days", "reject_threshold",
            "personal_columns", "columns", "unique", "staging", "transform", "refresh",
        ],
        "files": ["pattern", "date", "format", "encoding", "schema", "record"],
        "column": [
            "header", "synonyms", "type", "required", "optional", "pattern", "values", "range",
            "format", "placeholders", "max_length", "exists_in", "dictionary",
        ],
    ]

    /// Reads a pipeline file strictly: unknown keys, wrong types and bad values are errors that
    /// name the file and line.
    public static func load(path: String) throws(PipelineConfigurationError) -> PipelineDefinition {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineConfigurationError(file: path, line: nil, message: "cannot read the pipeline file: \(error.localizedDescription)")
        }
        return try parse(yaml: text, path: path)
    }

    /// Parses pipeline YAML; `path` is used in error messages.
    public static func parse(yaml: String, path: String) throws(PipelineConfigurationError) -> PipelineDefinition {
        let root: Node
        do {
            // The basic resolver tags no scalar by its text: Yams' default one compiles seven
            // NSRegularExpressions, which are ICU's, and would load ICU's data into every run
            // (`/proc/PID/smaps`). The reader parses the few booleans and numbers it needs.
            guard let node = try Yams.compose(yaml: yaml, .basic) else {
                throw PipelineConfigurationError(file: path, line: nil, message: "the file is empty; a pipeline needs at least source, files, staging and columns")
            }
            root = node
        } catch let error as PipelineConfigurationError {
            throw error
        } catch let error as YamlError {
            throw PipelineConfigurationError(file: path, line: error.line, message: "not valid YAML: \(error.problem)")
        } catch {
            throw PipelineConfigurationError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        let reader = YAMLReader(path: path)
        return try reader.pipeline(root)
    }
}

private extension YamlError {
    var line: Int? {
        switch self {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        case let .duplicatedKeysInMapping(_, context):
            return context.mark.line
        default:
            return nil
        }
    }

    var problem: String {
        switch self {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            return problem
        case let .duplicatedKeysInMapping(duplicates, _):
            return "duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            return String(describing: self)
        }
    }
}
