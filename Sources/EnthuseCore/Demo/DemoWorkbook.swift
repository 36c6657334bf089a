import Foundation
import ZIPFoundation

/// Writes demo registers as spreadsheets people export: Excel 2003 XML (SpreadsheetML) or an
/// .xlsx package, with a bold header, typed cells and dates as dates.
struct DemoWorkbook {
    enum Cell {
        case text(String)
        case number(String)
        case date(ISODate)
    }

    enum Format {
        case spreadsheetML, xlsx
    }

    var header: [String]
    var rows: [[Cell]] = []

    init(header: [String]) {
        self.header = header
    }

    func write(to url: URL, format: Format) throws {
        switch format {
        case .spreadsheetML: try Data(spreadsheetML.utf8).write(to: url)
        case .xlsx: try writeXLSX(to: url)
        }
    }

    private var spreadsheetML: String {
        var lines = [
            "<?xml version=\"1.0\"?>", "<?mso-application progid=\"Excel.Sheet\"?>",
            "<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\" xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">",
            " <Styles><Style ss:ID=\"Default\" ss:Name=\"Normal\"/><Style ss:ID=\"d\"><NumberFormat ss:Format=\"Short Date\"/></Style></Styles>",
            " <Worksheet ss:Name=\"Attendance\">", "  <Table>",
            "   <Row>" + header.map { "<Cell><Data ss:Type=\"String\">\(XMLText.escaped($0))</Data></Cell>" }.joined() + "</Row>",
        ]
        for row in rows {
            lines.append("   <Row>" + row.map { cell -> String in
                switch cell {
                case let .text(text): return "<Cell><Data ss:Type=\"String\">\(XMLText.escaped(text))</Data></Cell>"
                case let .number(number): return "<Cell><Data ss:Type=\"Number\">\(number)</Data></Cell>"
                case let .date(date): return "<Cell ss:StyleID=\"d\"><Data ss:Type=\"DateTime\">\(date.text)T00:00:00.000</Data></Cell>"
                }
            }.joined() + "</Row>")
        }
        lines += ["  </Table>", " </Worksheet>", "</Workbook>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// An .xlsx: inline strings, numbers, and dates as 1900-system serials styled as dates.
    private func writeXLSX(to url: URL) throws {
        func column(_ index: Int) -> String {
            var index = index + 1, name = ""
            while index > 0 { name = String(UnicodeScalar(UInt8(65 + (index - 1) % 26))) + name; index = (index - 1) / 26 }
            return name
        }
        func xml(_ cells: [Cell], row: Int) -> String {
            "<row r=\"\(row)\">" + cells.enumerated().map { index, cell -> String in
                let reference = "\(column(index))\(row)"
                switch cell {
                case let .text(text): return "<c r=\"\(reference)\" t=\"inlineStr\"><is><t>\(XMLText.escaped(text))</t></is></c>"
                case let .number(number): return "<c r=\"\(reference)\"><v>\(number)</v></c>"
                case let .date(date): return "<c r=\"\(reference)\" s=\"1\"><v>\(date.daysSinceEpoch + 25_569)</v></c>"
                }
            }.joined() + "</row>"
        }
        let sheet = ([xml(header.map { .text($0) }, row: 1)] + rows.enumerated().map { xml($1, row: $0 + 2) }).joined()
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let parts: [(String, String)] = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>"),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"\(relationships)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"\(main)\" xmlns:r=\"\(relationships)\"><sheets><sheet name=\"Attendance\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
            ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"\(relationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"\(relationships)/styles\" Target=\"styles.xml\"/></Relationships>"),
            ("xl/styles.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"\(main)\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"),
            ("xl/worksheets/sheet1.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"\(main)\"><sheetData>\(sheet)</sheetData></worksheet>"),
        ]
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for (name, text) in parts {
            let data = Data(text.utf8)
            // A fixed modification time, so the same seed writes the same bytes (and a rerun is a no-op).
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 1_577_836_800),
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
