import Foundation
import Testing
@testable import EnthuseCore

@Suite("Pipeline definitions")
struct PipelineDefinitionTests {
    static let minimal = """
        source: things
        files:
          pattern: '^things_(?<file_date>[0-9]{8})\\.csv$'
          date: file_date
          format: csv
        staging: stg_things
        columns:
          name:
            header: Name
            required: true
        """

    @Test func everyPipelineOfTheProjectLoads() throws {
        let catalog = try Project.catalog()
        let order = catalog.pipelines.map(\.source)
        #expect(Set(order).isSuperset(of: ["school_register", "school_links", "contributions_csv"]))
        // Dependencies load first
        for pipeline in catalog.pipelines {
            for dependency in pipeline.dependsOn {
                #expect(order.firstIndex(of: dependency)! < order.firstIndex(of: pipeline.source)!)
            }
        }
    }

    @Test func minimalDefinitionParsesWithDefaults() throws {
        let definition = try PipelineDefinition.parse(yaml: Self.minimal, path: "things.yaml")
        #expect(definition.files.encoding == .detect)
        #expect(definition.rejectThreshold == 0)
        #expect(definition.columns == [ColumnRule(name: "name", header: "Name", required: true)])
    }

    @Test(arguments: [("true", true), ("True", true), ("yes", true), ("on", true), ("false", false), ("NO", false), ("off", false)])
    func booleansAreYAMLsWords(word: String, value: Bool) throws {
        let yaml = Self.minimal.replacingOccurrences(of: "required: true", with: "required: \(word)")
        #expect(try PipelineDefinition.parse(yaml: yaml, path: "things.yaml").columns[0].required == value)
    }

    @Test func numbersAreReadFromPlainScalars() throws {
        let definition = try PipelineDefinition.parse(yaml: Self.minimal + "\nfreshness_days: 150\nreject_threshold: 0.25\n", path: "things.yaml")
        #expect(definition.freshnessDays == 150)
        #expect(definition.rejectThreshold == 0.25)
    }

    @Test(arguments: [
        ("source: things\nfiles:\n  pattern: x\n  format: csv\n  colour: blue\nstaging: stg_t\ncolumns:\n  a:\n    header: A\n", 5, "unknown key 'colour' in files"),
        (minimal + "\n    maximum: 3\n", 11, "unknown key 'maximum' in column 'name'"),
        (minimal.replacingOccurrences(of: "format: csv", with: "format: xls"), 5, "files.format must be one of csv"),
        (minimal.replacingOccurrences(of: "required: true", with: "required: sometimes"), 10, "name.required must be true or false"),
        (minimal.replacingOccurrences(of: "required: true", with: "required: 'true'"), 10, "name.required must be true or false"),
        (minimal + "\nfreshness_days: '30'\n", 11, "freshness_days must be a whole number"),
        (minimal + "\nreject_threshold: a fifth\n", 11, "reject_threshold must be a number"),
        (minimal.replacingOccurrences(of: "date: file_date", with: "date: when"), 4, "has no (?<when>…) group"),
        (minimal.replacingOccurrences(of: "staging: stg_things", with: "staging: things"), 6, "staging must name a stg_* table"),
        (minimal + "\n    type: date\n", 9, "has type date but no format"),
        (minimal + "\n    range: [0, 10]\n", 11, "range applies to integer and decimal columns"),
        (minimal + "\nreject_threshold: 2\n", 11, "reject_threshold must be a fraction between 0 and 1"),
        (minimal + "\nunique: [name, colour]\n", 11, "unique names 'colour', which is not one of the columns (name)"),
        ("source: things\nfiles: [a, b]\n", 2, "files must be a mapping"),
        ("source: things\n  bad: indentation\n", 2, "not valid YAML"),
    ])
    func badDefinitionIsAnErrorNamingFileAndLine(yaml: String, line: Int, message: String) {
        #expect {
            try PipelineDefinition.parse(yaml: yaml, path: "pipelines/things.yaml")
        } throws: { error in
            let error = error as! PipelineConfigurationError
            return error.file == "pipelines/things.yaml" && error.line == line && error.message.contains(message)
        }
    }

    @Test func badPipelineFileMakesTheRunExitWithConfigurationError() throws {
        // Given a copy of the pipelines with a typo in one key
        let scratch = try Scratch()
        let pipelines = scratch.directory.appendingPathComponent("project/pipelines")
        try FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: scratch.directory.appendingPathComponent("project/schemas"), withDestinationURL: Project.root.appendingPathComponent("schemas"))
        let text = try String(contentsOf: Project.pipelines.appendingPathComponent("school_register.yaml"), encoding: .utf8)
        try text.replacingOccurrences(of: "reject_threshold:", with: "reject_treshold:")
            .write(to: pipelines.appendingPathComponent("school_register.yaml"), atomically: true, encoding: .utf8)

        // When the run starts
        let result = try enthuse(["run", "--inbox", scratch.inbox.path, "--warehouse", scratch.warehouse, "--pipelines", pipelines.path])

        // Then it stops with 78 before touching anything, naming the file and line
        #expect(result.status == 78)
        #expect(result.stderr.contains("school_register.yaml:13: unknown key 'reject_treshold'"))
        #expect(!FileManager.default.fileExists(atPath: scratch.warehouse))
    }

    @Test func documentedKeysMatchTheKeysTheLoaderAccepts() throws {
        // The table in pipelines/README.md is the format's reference: | section | `key` | …
        let readme = try String(contentsOf: Project.pipelines.appendingPathComponent("README.md"), encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[1].hasPrefix("`"), cells[1].hasSuffix("`"), PipelineDefinition.documentedKeys[cells[0]] != nil else { continue }
            documented[cells[0], default: []].insert(String(cells[1].dropFirst().dropLast()))
        }
        #expect(documented == PipelineDefinition.documentedKeys)
    }
}
