import Foundation
import ZIPFoundation
@testable import EnthuseCore

/// Small spreadsheets written by the tests, each showing one case, and a way to read them back.
enum SpreadsheetTestFiles {
    /// A SpreadsheetML workbook with the given worksheets; each table is the XML inside <Table>.
    static func spreadsheetML(_ sheets: [(name: String, table: String)], tableAttributes: String = "") -> String {
        """
        <?xml version="1.0"?>
        <?mso-application progid="Excel.Sheet"?>
        <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
         xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
         xmlns:html="http://www.w3.org/TR/REC-html40">
         <Styles><Style ss:ID="Default" ss:Name="Normal"/></Styles>
        \(sheets.map { " <Worksheet ss:Name=\"\($0.name)\">\n  <Table\(tableAttributes)>\n\($0.table)\n  </Table>\n </Worksheet>" }.joined(separator: "\n"))
        </Workbook>
        """
    }

    /// One worksheet named Attendance.
    static func spreadsheetML(_ table: String, tableAttributes: String = "") -> String {
        spreadsheetML([("Attendance", table)], tableAttributes: tableAttributes)
    }

    /// A <Row> of String cells.
    static func row(_ cells: String...) -> String {
        "<Row>" + cells.map { "<Cell><Data ss:Type=\"String\">\($0)</Data></Cell>" }.joined() + "</Row>"
    }

    /// Writes `text` to a file of its own in `directory`.
    @discardableResult
    static func write(_ text: String, named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// An .xlsx package with the given worksheets (XML inside <sheetData>), written with
    /// ZIPFoundation the way spreadsheet programs lay it out; `dimension` is each sheet's
    /// `<dimension ref>`, if it has one.
    static func xlsx(at url: URL, sheets: [(name: String, sheetData: String)], sharedStrings: [String]? = nil,
                     styles: String? = nil, date1904: Bool = false, dimension: String? = nil, extraEntries: [(String, Data)] = []) throws {
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        var parts: [(String, String)] = [
            ("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
            ("_rels/.rels", rels([("rId1", "\(relationships)/officeDocument", "xl/workbook.xml")])),
        ]
        let sheetList = sheets.enumerated().map { "<sheet name=\"\($1.name)\" sheetId=\"\($0 + 1)\" r:id=\"rIdSheet\($0 + 1)\"/>" }
        parts.append(("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="\(relationships)">\
            <workbookPr date1904="\(date1904 ? "1" : "0")"/><sheets>\(sheetList.joined())</sheets></workbook>
            """))
        var workbookRels = sheets.indices.map { ("rIdSheet\($0 + 1)", "\(relationships)/worksheet", "worksheets/sheet\($0 + 1).xml") }
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\(dimension.map { "<dimension ref=\"\($0)\"/>" } ?? "")\
                <sheetData>\(sheet.sheetData)</sheetData></worksheet>
                """))
        }
        if let sharedStrings {
            workbookRels.append(("rIdStrings", "\(relationships)/sharedStrings", "sharedStrings.xml"))
            let items = sharedStrings.map { $0.hasPrefix("<") ? "<si>\($0)</si>" : "<si><t>\($0)</t></si>" }
            parts.append(("xl/sharedStrings.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\(items.count)">\(items.joined())</sst>
                """))
        }
        if let styles {
            workbookRels.append(("rIdStyles", "\(relationships)/styles", "styles.xml"))
            parts.append(("xl/styles.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\(styles)</styleSheet>
                """))
        }
        parts.append(("xl/_rels/workbook.xml.rels", rels(workbookRels)))
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (name, text) in parts {
            try add(Data(text.utf8), named: name, to: archive)
        }
        for (name, data) in extraEntries {
            try add(data, named: name, to: archive)
        }
    }

    static func add(_ data: Data, named name: String, to archive: Archive) throws {
        try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    private static func rels(_ items: [(id: String, type: String, target: String)]) -> String {
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + items.map { "<Relationship Id=\"\($0.id)\" Type=\"\($0.type)\" Target=\"\($0.target)\"/>" }.joined()
            + "</Relationships>"
    }

    /// One worksheet named Attendance.
    static func xlsx(at url: URL, sheetData: String, sharedStrings: [String]? = nil, styles: String? = nil,
                     date1904: Bool = false, dimension: String? = nil) throws {
        try xlsx(at: url, sheets: [("Attendance", sheetData)], sharedStrings: sharedStrings, styles: styles, date1904: date1904,
                 dimension: dimension)
    }
}

/// A record as the tests compare it: its line and its fields' text.
struct SheetRecord: Equatable, CustomStringConvertible {
    var line: Int
    var fields: [String]

    init(_ line: Int, _ fields: [String]) {
        self.line = line
        self.fields = fields
    }

    var description: String { "\(line): \(fields)" }
}

extension RecordSource {
    /// Every remaining record of the source.
    func records() throws -> [SheetRecord] {
        var records: [SheetRecord] = []
        while try next() {
            let fields = (0..<fieldCount).map { index in
                (try? withUTF8Field(index) { String(decoding: $0, as: UTF8.self) }.get()) ?? "«undecodable»"
            }
            records.append(SheetRecord(line, fields))
        }
        return records
    }
}

/// A directory removed when the test ends.
final class ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("enthuse-sheets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
