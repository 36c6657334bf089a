import Foundation

/// Rows of one worksheet of an Office Open XML workbook (.xlsx), streamed from the zip archive
/// through `XMLStreamReader`: one record per row that has a non-blank cell, as
/// `SpreadsheetMLRecordSource` gives them for the same sheet.
///
/// The worksheet is the one named `Attendance` (in any case), else the first. Rows and cells go
/// where their `r` references put them (without one, after the one before); a record's `line` is
/// its worksheet row number, and every record is as wide as the sheet's widest row, measured by
/// a first pass over the worksheet (the `<dimension>` element is only a hint some writers get
/// wrong).
///
/// Values are handed out as text: shared (`t="s"`), inline (`t="inlineStr"`) and formula
/// (`t="str"`) strings as they are; booleans as `TRUE` or `FALSE`; errors as their text (`#N/A`);
/// numbers as written (`109970`, `1.0999999999999999E-2`), except those in a date format, which
/// become `yyyy-MM-ddTHH:mm:ss` by the workbook's date system (`ExcelSerialDate`).
///
/// The archive is checked against `XLSXLimits` before anything is unpacked; each part streams
/// through a `ZIPEntryStream` and nothing touches the disk. Only the shared strings are held in
/// memory, within their bound. Throws `SpreadsheetError`.
public final class XLSXRecordSource: RecordSource {
    private let archive: XLSXArchive
    /// The name of the worksheet being read.
    public let worksheet: String
    private let part: String
    private let reader: XMLStreamReader
    private let stream: ZIPEntryStream
    private let strings: XLSXSharedStrings
    private let styles: XLSXStyles
    private let dateSystem: ExcelSerialDate.System
    private let width: Int
    private var row = SheetRow()
    private var lastRow = 0
    private var finished = false

    public var line: Int { row.number }
    public var fieldCount: Int { row.width }
    public var recordProblem: String? { nil }
    public var bytesRead: Int { 0 }
    public var fixedHeader: [String]? { nil }

    /// Opens the worksheet named `preferredWorksheet` (ignoring case), else the first.
    public init(path: String, preferredWorksheet: String = "Attendance", limits: XLSXLimits = XLSXLimits()) throws {
        let archive = try XLSXArchive(path: path, limits: limits)
        self.archive = archive
        let workbook = try XLSXWorkbook(archive: archive)
        let sheet = try workbook.sheet(preferring: preferredWorksheet, file: path)
        worksheet = sheet.name
        part = sheet.part
        strings = try workbook.sharedStringsPart.map { try XLSXSharedStrings(archive: archive, part: $0) } ?? XLSXSharedStrings()
        styles = try workbook.stylesPart.map { try XLSXStyles(archive: archive, part: $0) } ?? XLSXStyles()
        dateSystem = workbook.uses1904 ? .from1904 : .from1900
        width = try XLSXSheetWidth.measure(part: sheet.part, in: archive)
        (reader, stream) = try archive.open(sheet.part)
        try Self.moveToSheetData(reader, stream: stream, in: archive)
    }

    private static func moveToSheetData(_ reader: XMLStreamReader, stream: ZIPEntryStream, in archive: XLSXArchive) throws {
        do {
            while let node = try reader.next(), !(node.kind == .elementStart && node.localName == "sheetData") {}
        } catch {
            throw archive.explain(error, stream: stream)
        }
    }

    public func next() throws -> Bool {
        do {
            while !finished, let node = try reader.next() {
                if node.kind == .elementEnd, node.localName == "sheetData" {
                    finished = true
                    try reader.readToEnd()
                    return false
                }
                guard node.kind == .elementStart, node.localName == "row" else { continue }
                try readRow(node)
                if row.hasContent { return true }
            }
        } catch let error as XMLReadError {
            throw archive.explain(error, stream: stream)
        }
        finished = true
        return false
    }

    /// Reads the row whose start the reader is on, up to its end.
    private func readRow(_ start: XMLStreamNode) throws {
        let number = try reader.attribute("r").map { text in
            guard let number = Int(text), number > lastRow, number <= ColumnLetters.maxRow else {
                throw malformed(row: nil, column: nil, line: start.line, Int(text).map { $0 <= lastRow
                    ? "row \($0) comes after row \(lastRow): rows must go down the sheet"
                    : "row \($0) is beyond the last row a worksheet has, \(ColumnLetters.maxRow)"
                } ?? "a row is numbered r=\"\(text)\", which is not a row number")
            }
            return number
        } ?? lastRow + 1
        lastRow = number
        row.start(number: number, width: width)
        guard !start.isEmptyElement else { return }
        var lastColumn = 0
        while let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == start.depth { return }
            guard node.kind == .elementStart else { continue }
            guard node.localName == "c", node.depth == start.depth + 1 else {
                try reader.skipElement()
                continue
            }
            let column = try reader.attribute("r").map { reference in
                guard let column = ColumnLetters.column(ofReference: reference) else {
                    throw malformed(row: number, column: nil, line: node.line, "r=\"\(reference)\" is not a cell reference")
                }
                return column
            } ?? lastColumn + 1
            guard column > lastColumn, column <= width else {
                throw malformed(row: number, column: column, line: node.line,
                    column <= lastColumn ? "the cell comes after column \(ColumnLetters.name(lastColumn)): cells must go left to right"
                        : "the cell is beyond column \(ColumnLetters.name(ColumnLetters.maxColumn)), the last a worksheet has")
            }
            lastColumn = column
            let type = reader.attribute("t") ?? "n"
            let style = reader.attribute("s").flatMap(Int.init) ?? 0
            guard let raw = try cellContent(node, inline: type == "inlineStr") else { continue }
            try store(raw, type: type, style: style, at: column, row: number)
        }
    }

    /// The cell's `<v>` text, or its inline string; nil when it has neither. Formulas (`<f>`)
    /// are not values: their cached result is the `<v>`.
    private func cellContent(_ start: XMLStreamNode, inline: Bool) throws -> String? {
        guard !start.isEmptyElement else { return nil }
        var content: String?
        while let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == start.depth { break }
            guard node.kind == .elementStart else { continue }
            switch node.localName {
            case "v" where !inline: content = try reader.readElementText()
            case "is" where inline: content = try XLSXSharedStrings.richText(reader, start: node)
            default: try reader.skipElement()
            }
        }
        return content
    }

    /// Puts a cell's content into the row as the text a record hands out.
    private func store(_ raw: String, type: String, style: Int, at column: Int, row number: Int) throws {
        switch type {
        case "s":
            guard let index = Int(raw), let _ = strings.withString(index, { row.set(column - 1, utf8: $0) }) else {
                throw malformed(row: number, column: column, line: nil,
                    "the cell refers to shared string \(raw), but the workbook has \(strings.count)")
            }
        case "b":
            row.set(column - 1, raw == "1" ? "TRUE" : raw == "0" ? "FALSE" : raw)
        case "n" where styles.isDate(style):
            let date = Double(raw).flatMap { ExcelSerialDate.isoText($0, system: dateSystem) }
            row.set(column - 1, date ?? raw)
        default:
            row.set(column - 1, raw)
        }
    }

    private func malformed(row: Int?, column: Int?, line: Int?, _ message: String) -> SpreadsheetError {
        SpreadsheetError(.malformedSheet, file: archive.path, part: part, row: row, column: column, line: line, message)
    }

    public func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        .success(row.withField(index, body))
    }

    public func rawText(masking masked: Set<Int>) -> String {
        row.rawText(masking: masked)
    }
}
