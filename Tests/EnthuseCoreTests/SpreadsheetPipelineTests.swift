import Foundation
import GRDB
import Logging
import Testing
@testable import EnthuseCore

/// The engine reading spreadsheets: the GIAS links pipeline pointed at .xlsx and SpreadsheetML
/// copies of its sample, which must load exactly what the CSV loads.
@Suite("Spreadsheet files through the engine")
struct SpreadsheetPipelineTests {
    static let links = "links_edubasealldata20261128"
    static let linkColumns = "SELECT urn, link_urn, link_name, link_type, established FROM stg_school_link"

    /// The project's pipelines, with the links pipeline claiming `extension` files in `format`.
    static func catalog(linksAs format: FileFormat, extension: String) throws -> PipelineCatalog {
        let definitions = try Project.catalog().pipelines.map { pipeline in
            guard pipeline.source == "school_links" else { return pipeline }
            var changed = pipeline
            changed.files.format = format
            changed.files.pattern = "^links_edubasealldata(?<snapshot_date>[0-9]{8})\\.\(`extension`)$"
            return changed
        }
        return try PipelineCatalog(definitions: definitions, projectRoot: Project.root, referenceDirectory: Project.pipelines.appendingPathComponent("reference"))
    }

    /// The links sample's rows, under a title row and a blank row as people keep spreadsheets.
    static func sampleRows() throws -> [[String]] {
        let path = Project.spec.appendingPathComponent("\(links).csv").path
        return [["GIAS links export"], []] + (try CSVRecordSource(path: path, encoding: .windows1252).records().map(\.fields))
    }

    func load(_ scratch: Scratch, _ catalog: PipelineCatalog) throws -> RunReport {
        try scratch.add(fixture: "edubasealldata20261128.csv")
        return try PipelineRunner(catalog: catalog, warehousePath: scratch.warehouse, logger: Logger(label: "test")).run(inbox: scratch.inbox.path)
    }

    @Test func linksDeliveredAsXLSXOrSpreadsheetMLLoadWhatTheCSVLoads() throws {
        // Given the links sample as CSV in one inbox, and as .xlsx and SpreadsheetML in two others
        let fromCSV = try Scratch()
        try fromCSV.add(fixture: "\(Self.links).csv")
        _ = try load(fromCSV, Project.catalog())

        let rows = try Self.sampleRows()
        let fromXLSX = try Scratch()
        let sheetData = rows.enumerated().map { index, fields in
            "<row r=\"\(index + 1)\">" + fields.enumerated().map { column, value in
                Int(value) != nil ? "<c><v>\(value)</v></c>" : "<c t=\"inlineStr\"><is><t>\(Self.escaped(value))</t></is></c>"
            }.joined() + "</row>"
        }.joined()
        try SpreadsheetTestFiles.xlsx(at: fromXLSX.inbox.appendingPathComponent("\(Self.links).xlsx"), sheetData: sheetData)
        let xlsxReport = try load(fromXLSX, Self.catalog(linksAs: .xlsx, extension: "xlsx"))

        let fromXML = try Scratch()
        let table = rows.map { fields in
            "<Row>" + fields.map { "<Cell><Data ss:Type=\"\(Int($0) != nil ? "Number" : "String")\">\(Self.escaped($0))</Data></Cell>" }.joined() + "</Row>"
        }.joined(separator: "\n")
        try fromXML.write("\(Self.links).xml", text: SpreadsheetTestFiles.spreadsheetML(table))
        let xmlReport = try load(fromXML, Self.catalog(linksAs: .spreadsheetml, extension: "xml"))

        // Then each loads, and the staged links are the CSV's, line numbers moved down by the
        // title and blank rows
        #expect(xlsxReport.files.map(\.status) == [.loaded, .loaded], "\(xlsxReport.files.map(\.message))")
        #expect(xmlReport.files.map(\.status) == [.loaded, .loaded], "\(xmlReport.files.map(\.message))")
        #expect(xlsxReport.files[1].encoding == "xlsx" && xmlReport.files[1].encoding == "spreadsheetml")
        let expected = try fromCSV.dump([Self.linkColumns])
        #expect(try fromCSV.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM stg_school_link") } == 32)
        #expect(try fromXLSX.dump([Self.linkColumns]) == expected)
        #expect(try fromXML.dump([Self.linkColumns]) == expected)
        #expect(try fromXLSX.read { try Int.fetchAll($0, sql: "SELECT line FROM stg_school_link ORDER BY line") } == Array(4...35))
    }

    @Test func spreadsheetDeliveredAgainIsADuplicateThoughItsParseStartsBeforeItsHash() throws {
        // Given the links sample as SpreadsheetML, loaded once
        let scratch = try Scratch()
        let table = try Self.sampleRows().map { fields in
            "<Row>" + fields.map { "<Cell><Data ss:Type=\"String\">\(Self.escaped($0))</Data></Cell>" }.joined() + "</Row>"
        }.joined(separator: "\n")
        try scratch.write("\(Self.links).xml", text: SpreadsheetTestFiles.spreadsheetML(table))
        let catalog = try Self.catalog(linksAs: .spreadsheetml, extension: "xml")
        let first = try load(scratch, catalog)
        let staged = try scratch.dump([Self.linkColumns])
        // When the same inbox is run again, every file's reading started before its hash
        var runner = PipelineRunner(catalog: catalog, warehousePath: scratch.warehouse, logger: Logger(label: "test"))
        runner.earlyReadingBytes = 0
        let second = try runner.run(inbox: scratch.inbox.path)
        // Then the workbook is found loaded before, its early parse is dropped, and nothing is staged twice
        #expect(first.files.map(\.status) == [.loaded, .loaded], "\(first.files.map(\.message))")
        #expect(second.files.map(\.status) == [.duplicate, .duplicate])
        #expect(second.exitCode == 0)
        #expect(try scratch.dump([Self.linkColumns]) == staged)
    }

    @Test func csvNamedAsAWorkbookIsARejectedFileThatSaysWhatItIs() throws {
        // Given the links CSV delivered under an .xlsx name
        let scratch = try Scratch()
        try scratch.add(fixture: "\(Self.links).csv", as: "\(Self.links).xlsx")
        // When the inbox is run
        let report = try load(scratch, Self.catalog(linksAs: .xlsx, extension: "xlsx"))
        // Then the file is rejected with a message naming it and what it is, and the rest loads
        #expect(report.files.map(\.status) == [.loaded, .rejected])
        #expect(report.exitCode == SysExit.dataRejected)
        let message = try #require(report.files[1].message)
        #expect(message.hasPrefix("\(Self.links).xlsx: the file is plain text such as CSV, not an .xlsx workbook (a zip archive)."))
        #expect(message.hasSuffix("Nothing of the file was loaded."))
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}
