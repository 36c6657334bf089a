import Foundation
import Testing
@testable import EnthuseCore

/// The data dictionary: every mart, fact and dimension documented column by column, checked
/// against the live schema so that a new column without a description fails here.
@Suite("Data dictionary")
struct DataDictionaryTests {
    @Test func everyMartFactAndDimensionColumnIsDescribed() throws {
        let dictionary = try DataDictionary.build(catalog: Project.catalog())

        #expect(dictionary.problems.isEmpty, "\(dictionary.problems.joined(separator: "\n"))")
        let names = dictionary.entries.map(\.name)
        for table in ["mart_funding_round", "mart_funding_funder", "mart_funding_issue", "fct_contribution", "dim_funder", "dim_school", "school_lineage"] {
            #expect(names.contains(table))
        }
        for entry in dictionary.entries {
            #expect(entry.documentation != nil, "\(entry.name)")
            for column in entry.columns {
                #expect(column.description != nil, "\(entry.name).\(column.name)")
                #expect(column.type != nil, "\(entry.name).\(column.name) has no type")
            }
        }
    }

    @Test func aColumnAddedByAMigrationWithoutADescriptionIsReported() throws {
        // Given the project's schemas plus a migration adding a column to a fact and a new mart
        let scratch = try Scratch()
        let schemas = scratch.directory.appendingPathComponent("schemas")
        try FileManager.default.copyItem(at: Project.root.appendingPathComponent("schemas"), to: schemas)
        try """
            ALTER TABLE fct_contribution ADD COLUMN currency TEXT;
            CREATE VIEW mart_school_count AS SELECT region, count(*) AS schools FROM dim_school GROUP BY region;
            """.write(to: schemas.appendingPathComponent("migrations/9999_undocumented.sql"), atomically: true, encoding: .utf8)

        // When the dictionary is built from them
        let dictionary = try DataDictionary.build(schemas: schemas, catalog: Project.catalog())

        // Then both gaps are reported, saying where to write the description
        #expect(dictionary.problems.contains { $0.hasPrefix("fct_contribution.currency has no description: add it under columns in") })
        #expect(dictionary.problems.contains { $0.hasPrefix("mart_school_count has no documentation: add schemas/docs/mart_school_count.yaml") })
    }

    @Test func aDescribedColumnTheSchemaLacksAndABrokenExampleAreReported() throws {
        let scratch = try Scratch()
        let schemas = scratch.directory.appendingPathComponent("schemas")
        try FileManager.default.copyItem(at: Project.root.appendingPathComponent("schemas"), to: schemas)
        let file = schemas.appendingPathComponent("docs/school_lineage.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        text = text.replacingOccurrences(of: "  steps:", with: "  renamed_steps:")
        text += "  - title: Broken\n    sql: SELECT steps FROM school_lineages\n"
        try text.write(to: file, atomically: true, encoding: .utf8)

        let problems = try DataDictionary.build(schemas: schemas, catalog: Project.catalog()).problems

        #expect(problems.contains("school_lineage.steps has no description: add it under columns in \(file.path)"))
        #expect(problems.contains("\(file.path): describes column 'renamed_steps', which school_lineage does not have; remove or rename it"))
        #expect(problems.contains { $0.contains("example 'Broken' does not run") && $0.contains("no such table: school_lineages") })
    }

    @Test func anUnknownKeyIsAnErrorNamingTheFileAndLine() throws {
        #expect(throws: DocumentationError(file: "x.yaml", line: 3, message: "unknown key 'colums' in table; known keys are: columns, description, examples, lineage, row, table")) {
            try TableDocumentation.parse(yaml: "table: x\nrow: A row.\ncolums: {}\n", path: "x.yaml")
        }
    }

    @Test func lineageNamesTheMigrationTheSQLAndTheSourcesThatFeedATable() throws {
        let dictionary = try DataDictionary.build(catalog: Project.catalog())
        let mart = try #require(dictionary.entries.first { $0.name == "mart_funding_round" })
        let school = try #require(dictionary.entries.first { $0.name == "dim_school" })
        let lineage = try #require(dictionary.entries.first { $0.name == "school_lineage" })

        #expect(mart.lineage.definedIn == "schemas/migrations/0004_funding_marts.sql")
        #expect(mart.lineage.reads == ["fct_contribution", "ref_funding_rounds"])
        #expect(mart.lineage.filledBy.contains("`fct_contribution`: `schemas/transform/contributions.sql`"))
        #expect(mart.lineage.filledBy.contains("`ref_funding_rounds`: reference data `pipelines/reference/funding_rounds.csv`"))
        #expect(mart.lineage.sources.contains("contributions_csv"))
        #expect(school.lineage.filledBy == ["`schemas/transform/school_register.sql`"])
        #expect(school.lineage.sources == ["school_register"])
        #expect(lineage.lineage.filledBy == ["the built-in refresh step `school_lineage`"])
        #expect(lineage.lineage.sources == ["school_links", "school_register"])
        let issues = try #require(dictionary.entries.first { $0.name == "mart_funding_issue" })
        #expect(issues.lineage.sources == ["contributions_csv", "contributions_xml"])
        #expect(issues.lineage.filledBy.contains("`etl_file`: the loader's run ledger (`Sources/EnthuseCore/Load/RunLedger.swift`)"))
    }

    @Test func docsCommandWritesMarkdownHTMLAndDatasetteMetadataListingEveryColumn() throws {
        let scratch = try Scratch()
        let out = scratch.directory.appendingPathComponent("docs")

        let result = try enthuse(["docs", "--out", out.path])

        #expect(result.status == 0, "\(result.stderr)")
        let markdown = try String(contentsOf: out.appendingPathComponent("data-dictionary.md"), encoding: .utf8)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("datasette-metadata.json"))) as? [String: Any]
        let dictionary = try DataDictionary.build(catalog: Project.catalog())
        for entry in dictionary.entries {
            #expect(markdown.contains("## `\(entry.name)`"))
            #expect(html.contains("<section id=\"\(entry.name)\">"))
            for column in entry.columns {
                #expect(markdown.contains("| `\(column.name)` |"), "\(entry.name).\(column.name)")
                #expect(html.contains("<td><code>\(column.name)</code></td>"), "\(entry.name).\(column.name)")
            }
        }
        #expect(!markdown.contains("undocumented"))
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        let tables = ((metadata?["databases"] as? [String: Any])?["warehouse"] as? [String: Any])?["tables"] as? [String: Any]
        let round = tables?["mart_funding_round"] as? [String: Any]
        #expect((round?["columns"] as? [String: String])?["pledged_pence"] == "The sum of the round's pledges. (pence)")
        #expect((tables?["grdb_migrations"] as? [String: Any])?["hidden"] as? Bool == true)
    }

    @Test func formatReferenceListsExactlyTheKeysTheReaderAccepts() throws {
        let readme = try String(contentsOf: Project.root.appendingPathComponent("schemas/docs/README.md"), encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        for match in readme.matches(of: /\n\| (table|column|example) \| `([a-z_]+)` \|/) {
            documented[String(match.1), default: []].insert(String(match.2))
        }
        #expect(documented == TableDocumentation.keys)
    }
}
