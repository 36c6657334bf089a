import Foundation
import ZIPFoundation

/// Writes demo registers as spreadsheets people export: Excel 2003 XML (SpreadsheetML) or an
/// .xlsx package, with a bold header, typed cells and dates as dates. A SpreadsheetML table says
/// its width (`ss:ExpandedColumnCount`) and an .xlsx sheet its extent (`<dimension ref>`), as
/// Excel's own exports and the samples do; no row is wider than the header. Rows stream to disk as they
/// come (an .xlsx's sheet through a temporary file), so benchmark registers of millions of rows
/// are written in flat memory.
final class DemoWorkbook {
    enum Cell {
        case text(String)
        case number(String)
        case date(ISODate)
    }

    enum Format {
        case spreadsheetML, xlsx
    }

    private let url: URL
    private let format: Format
    /// The SpreadsheetML file, or the .xlsx's sheet XML until `close()` packs it.
    private let stream: DemoByteStream
    private var rowNumber = 1

    /// A workbook of the header and `rows` rows to come.
    init(url: URL, format: Format, header: [String], rows: Int) throws {
        self.url = url
        self.format = format
        switch format {
        case .spreadsheetML:
            stream = try DemoByteStream(url: url)
            stream.append("""
                <?xml version="1.0"?>
                <?mso-application progid="Excel.Sheet"?>
                <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
                 <Styles><Style ss:ID="Default" ss:Name="Normal"/><Style ss:ID="d"><NumberFormat ss:Format="Short Date"/></Style></Styles>
                 <Worksheet ss:Name="Attendance">
                  <Table ss:ExpandedColumnCount="\(header.count)">

                """)
        case .xlsx:
            stream = try DemoByteStream(url: Self.sheetURL(for: url))
            stream.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"\(Self.main)\">")
            stream.append("<dimension ref=\"A1:\(Self.column(header.count - 1))\(rows + 1)\"/><sheetData>")
        }
        row(header.map { .text($0) })
    }

    func row(_ cells: [Cell]) {
        switch format {
        case .spreadsheetML:
            stream.append("   <Row>")
            for cell in cells {
                switch cell {
                case let .text(text): stream.append("<Cell><Data ss:Type=\"String\">\(XMLText.escaped(text))</Data></Cell>")
                case let .number(number): stream.append("<Cell><Data ss:Type=\"Number\">\(number)</Data></Cell>")
                case let .date(date): stream.append("<Cell ss:StyleID=\"d\"><Data ss:Type=\"DateTime\">\(date.text)T00:00:00.000</Data></Cell>")
                }
            }
            stream.append("</Row>\n")
        case .xlsx:
            stream.append("<row r=\"\(rowNumber)\">")
            for (index, cell) in cells.enumerated() {
                let reference = "\(Self.column(index))\(rowNumber)"
                switch cell {
                case let .text(text): stream.append("<c r=\"\(reference)\" t=\"inlineStr\"><is><t>\(XMLText.escaped(text))</t></is></c>")
                case let .number(number): stream.append("<c r=\"\(reference)\"><v>\(number)</v></c>")
                case let .date(date): stream.append("<c r=\"\(reference)\" s=\"1\"><v>\(date.daysSinceEpoch + 25_569)</v></c>")
                }
            }
            stream.append("</row>")
        }
        rowNumber += 1
    }

    func close() throws {
        switch format {
        case .spreadsheetML:
            stream.append("  </Table>\n </Worksheet>\n</Workbook>\n")
            try stream.close()
        case .xlsx:
            stream.append("</sheetData></worksheet>")
            try stream.close()
            try writeXLSX()
        }
    }

    private static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    private static func sheetURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).sheet1.xml")
    }

    private static func column(_ index: Int) -> String {
        var index = index + 1, name = ""
        while index > 0 { name = String(UnicodeScalar(UInt8(65 + (index - 1) % 26))) + name; index = (index - 1) / 26 }
        return name
    }

    /// Packs the .xlsx: inline strings, numbers, and dates as 1900-system serials styled as dates;
    /// the sheet streams in from its temporary file.
    private func writeXLSX() throws {
        let main = Self.main
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let parts: [(String, String)] = [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>"),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"\(relationships)/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"\(main)\" xmlns:r=\"\(relationships)\"><sheets><sheet name=\"Attendance\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
            ("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"\(relationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"\(relationships)/styles\" Target=\"styles.xml\"/></Relationships>"),
            ("xl/styles.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><styleSheet xmlns=\"\(main)\"><cellXfs count=\"2\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>"),
        ]
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        // A fixed modification time, so the same seed writes the same bytes (and a rerun is a no-op).
        let modified = Date(timeIntervalSince1970: 1_577_836_800)
        for (name, text) in parts {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: modified,
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        let sheetURL = Self.sheetURL(for: url)
        defer { try? FileManager.default.removeItem(at: sheetURL) }
        let sheet = try FileHandle(forReadingFrom: sheetURL)
        defer { try? sheet.close() }
        let size = try sheet.seekToEnd()
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(size), modificationDate: modified,
                             compressionMethod: .deflate) { position, chunk in
            try sheet.seek(toOffset: UInt64(position))
            return try sheet.read(upToCount: chunk) ?? Data()
        }
    }
}

/// A file written through a 1 MiB buffer.
final class DemoByteStream {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 20 { flush() }
    }

    func append(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count > 1 << 20 { flush() }
    }

    func close() throws {
        flush()
        try handle.close()
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
