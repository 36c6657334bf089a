import CLibXML2
import Foundation

/// Rows of one worksheet of an Office Open XML workbook (.xlsx), streamed from the zip archive
/// through an ``XMLEventParser``: one record per row that has a non-blank cell, as
/// `SpreadsheetMLRecordSource` gives them for the same sheet.
///
/// The worksheet is the one named `Attendance` (in any case), else the first. Rows and cells go
/// where their `r` references put them (without one, after the one before); a record's `line` is
/// its worksheet row number, and every record is as wide as the sheet: as its `<dimension>`
/// range declares (a cell beyond it is refused), or, without one, as its widest row, measured by a
/// first pass over the worksheet (`XLSXSheetWidth`).
///
/// Values are handed out as text: shared (`t="s"`), inline (`t="inlineStr"`) and formula
/// (`t="str"`) strings as they are; booleans as `TRUE` or `FALSE`; errors as their text (`#N/A`);
/// numbers as written (`109970`, `1.0999999999999999E-2`), except those in a date format, which
/// become `yyyy-MM-ddTHH:mm:ss` by the workbook's date system (`ExcelSerialDate`).
///
/// The archive is checked against `XLSXLimits` before anything is unpacked; each part streams
/// through a `ZIPEntryStream` and nothing touches the disk. Only the shared strings are held in
/// memory, within their bound. Throws `SpreadsheetError`.
public final class XLSXRecordSource: SheetRecordSource {
    /// Opens the worksheet named `preferredWorksheet` (ignoring case), else the first: the
    /// workbook's parts are read here, the worksheet on a thread of its own (``SheetReadAhead``),
    /// waited for until its rows begin.
    public init(path: String, preferredWorksheet: String = "Attendance", limits: XLSXLimits = XLSXLimits()) throws {
        try super.init(parser: XLSXWorksheet(path: path, preferredWorksheet: preferredWorksheet, limits: limits))
    }
}

/// The worksheet parser behind ``XLSXRecordSource``: an event handler that turns the worksheet's
/// rows into records.
final class XLSXWorksheet {
    /// Where the parse stands in the worksheet part.
    private enum Place {
        case beforeSheetData
        /// In `<sheetData>`, between rows.
        case sheetData
        /// In a row, between cells.
        case row
        /// In a cell, between its children.
        case cell
        /// In a cell's `<v>`, or in a `<t>` of its inline string, gathering text.
        case text
        /// In a cell's inline string (`<is>`), or a run (`<r>`) of it.
        case inlineString
        /// Past `</sheetData>`: the rest is only checked to be well-formed.
        case done
    }

    /// A cell's `t`: a number when it has none.
    private enum CellType {
        case number, shared, boolean, inlineString, other

        /// Read from the bytes: comparing them with `String.UTF8View`s, four times a cell, was 1.9%
        /// of the national nightly's .xlsx samples (perf).
        init(_ attribute: UnsafeBufferPointer<UInt8>) {
            self = switch (attribute.count, attribute.first) {
            case (1, UInt8(ascii: "n")): .number
            case (1, UInt8(ascii: "s")): .shared
            case (1, UInt8(ascii: "b")): .boolean
            case (9, UInt8(ascii: "i")) where attribute.elementsEqual(Self.inlineStringName): .inlineString
            default: .other
            }
        }

        private static let inlineStringName = Array("inlineStr".utf8)
    }

    private let archive: XLSXArchive
    /// The name of the worksheet being read.
    let worksheet: String
    private let part: String
    private var parser: XMLEventParser!
    private var stream: ZIPEntryStream!
    private var names: Names!
    private let strings: XLSXSharedStrings
    private let styles: XLSXStyles
    private let dateSystem: ExcelSerialDate.System
    private let width: Int
    /// The `<dimension>` range the width was taken from; nil when it was measured.
    private let declaredRange: String?

    private var place = Place.beforeSheetData
    /// While an element is skipped whole, the depth it started at.
    private var skipping: Int?
    private var sheetDataDepth = 0
    private var rowDepth = 0
    private var lastRow = 0
    private var lastColumn = 0
    private var cellColumn = 0
    private var cellDepth = 0
    private var cellType = CellType.number
    private var cellStyle = 0
    /// The cell's content so far: the `<v>` text, or the inline string's text.
    private var content: [UInt8] = []
    private var hasContent = false
    /// The depth of the element whose text is being gathered (`<v>` or `<t>`), and of `<is>`.
    private var textDepth = 0
    private var inlineDepth = 0

    var rowBuffer = SheetRowBuffer()

    /// Opens the worksheet named `preferredWorksheet` (ignoring case), else the first.
    init(path: String, preferredWorksheet: String, limits: XLSXLimits) throws {
        let archive = try XLSXArchive(path: path, limits: limits)
        self.archive = archive
        let workbook = try XLSXWorkbook(archive: archive)
        let sheet = try workbook.sheet(preferring: preferredWorksheet, file: path)
        worksheet = sheet.name
        part = sheet.part
        strings = try workbook.sharedStringsPart.map { try XLSXSharedStrings(archive: archive, part: $0) } ?? XLSXSharedStrings()
        styles = try workbook.stylesPart.map { try XLSXStyles(archive: archive, part: $0) } ?? XLSXStyles()
        dateSystem = workbook.uses1904 ? .from1904 : .from1900
        let width = try XLSXSheetWidth.of(part: sheet.part, in: archive)
        self.width = width.columns
        declaredRange = width.declaredRange
        (parser, stream) = try archive.parser(for: sheet.part, handler: self)
        names = Names(parser)
    }

    /// Runs `body`, turning an XML or stream failure into the `SpreadsheetError` that says which.
    private func parsing(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as XMLReadError {
            throw archive.explain(error, stream: stream)
        }
    }

    private func malformed(row: Int?, column: Int?, line: Int?, _ message: String) -> SpreadsheetError {
        SpreadsheetError(.malformedSheet, file: archive.path, part: part, row: row, column: column, line: line, message)
    }
}

extension XLSXWorksheet: SheetRowParser {
    func parseSheet() throws {
        try parsing { try parser.parse() }
    }
}

extension XLSXWorksheet: XMLEventHandler {
    func startElement(_ element: XMLElementStart) throws {
        if skipping != nil { return }
        switch place {
        case .beforeSheetData:
            if xmlStrEqual(element.name, names.sheetData) == 1 {
                place = .sheetData
                sheetDataDepth = element.depth
                try rowBuffer.begin()
            }
        case .sheetData:
            if xmlStrEqual(element.name, names.row) == 1 { try startRow(element) }
        case .row:
            guard element.depth == rowDepth + 1, xmlStrEqual(element.name, names.cell) == 1 else { return skip(element) }
            try startCell(element)
        case .cell:
            if cellType != .inlineString, xmlStrEqual(element.name, names.value) == 1 {
                startText(element)
            } else if cellType == .inlineString, xmlStrEqual(element.name, names.inlineString) == 1 {
                // An inline string is the text of its <t>s, whether runs (<r>) hold them or not.
                content.removeAll(keepingCapacity: true)
                hasContent = true
                inlineDepth = element.depth
                place = .inlineString
            } else {
                skip(element)
            }
        case .inlineString:
            if xmlStrEqual(element.name, names.text) == 1 {
                textDepth = element.depth
                place = .text
            } else if xmlStrEqual(element.name, names.run) != 1 {
                skip(element)
            }
        case .text, .done:
            break
        }
    }

    func endElement(depth: Int) throws {
        if let skipped = skipping {
            if depth == skipped { skipping = nil }
            return
        }
        switch place {
        case .sheetData where depth == sheetDataDepth:
            place = .done
        case .row where depth == rowDepth:
            place = .sheetData
            try rowBuffer.finishRow()
        case .cell where depth == cellDepth:
            place = .row
            if hasContent { try store() }
        case .text where depth == textDepth:
            place = cellType == .inlineString ? .inlineString : .cell
        case .inlineString where depth == inlineDepth:
            place = .cell
        default:
            break
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard place == .text, skipping == nil else { return }
        content.append(contentsOf: bytes)
        if content.count > parser.limits.maxTextBytes { throw parser.textTooLong() }
    }

    private func skip(_ element: XMLElementStart) {
        skipping = element.depth
    }

    private func startRow(_ element: XMLElementStart) throws {
        let number = try element.attributeText(names.reference, in: nil).map { text in
            guard let number = Int(text), number > lastRow, number <= ColumnLetters.maxRow else {
                throw malformed(row: nil, column: nil, line: element.line, Int(text).map { $0 <= lastRow
                    ? "row \($0) comes after row \(lastRow): rows must go down the sheet"
                    : "row \($0) is beyond the last row a worksheet has, \(ColumnLetters.maxRow)"
                } ?? "a row is numbered r=\"\(text)\", which is not a row number")
            }
            return number
        } ?? lastRow + 1
        lastRow = number
        rowBuffer.startRow(number: number, width: width)
        lastColumn = 0
        rowDepth = element.depth
        place = .row
    }

    private func startCell(_ element: XMLElementStart) throws {
        let column = try element.attribute(names.reference, in: nil).map { reference in
            guard let column = ColumnLetters.column(ofReference: reference) else {
                throw malformed(row: lastRow, column: nil, line: element.line, "r=\"\(String(decoding: reference, as: UTF8.self))\" is not a cell reference")
            }
            return column
        } ?? lastColumn + 1
        guard column > lastColumn, column <= width else {
            throw malformed(row: lastRow, column: column, line: element.line,
                column <= lastColumn ? "the cell comes after column \(ColumnLetters.name(lastColumn)): cells must go left to right"
                    : declaredRange.map { "the cell is beyond column \(ColumnLetters.name(width)), the last of the sheet's declared extent <dimension ref=\"\($0)\">; save the workbook again from Excel or LibreOffice, which write an extent that covers every cell" }
                    ?? "the cell is beyond column \(ColumnLetters.name(ColumnLetters.maxColumn)), the last a worksheet has")
        }
        lastColumn = column
        cellColumn = column
        cellDepth = element.depth
        cellType = element.attribute(names.type, in: nil).map(CellType.init) ?? .number
        cellStyle = element.attributeText(names.style, in: nil).flatMap(Int.init) ?? 0
        hasContent = false
        place = .cell
    }

    /// Starts gathering a `<v>`'s text; the cell's content is the last one's.
    private func startText(_ element: XMLElementStart) {
        content.removeAll(keepingCapacity: true)
        hasContent = true
        textDepth = element.depth
        place = .text
    }

    /// Puts the cell's content into the row as the text a record hands out.
    private func store() throws {
        let index = cellColumn - 1
        switch cellType {
        case .shared:
            let raw = String(decoding: content, as: UTF8.self)
            guard let number = Int(raw), let _ = strings.withString(number, { rowBuffer.set(index, utf8: $0) }) else {
                throw malformed(row: lastRow, column: cellColumn, line: nil,
                    "the cell refers to shared string \(raw), but the workbook has \(strings.count)")
            }
        case .boolean where content == [UInt8(ascii: "1")]:
            rowBuffer.set(index, "TRUE")
        case .boolean where content == [UInt8(ascii: "0")]:
            rowBuffer.set(index, "FALSE")
        case .number where styles.isDate(cellStyle):
            let raw = String(decoding: content, as: UTF8.self)
            rowBuffer.set(index, Double(raw).flatMap { ExcelSerialDate.isoText($0, system: dateSystem) } ?? raw)
        case .inlineString where XLSXSharedStrings.mayHoldEscapes(content):
            rowBuffer.set(index, XLSXSharedStrings.decodingEscapes(String(decoding: content, as: UTF8.self)))
        default:
            content.withUnsafeBufferPointer { rowBuffer.set(index, utf8: $0) }
        }
    }
}

extension XLSXWorksheet {
    /// The names the reader looks for, interned in the parser's dictionary. OOXML is read by
    /// local name, as Excel's own readers are forgiving of the namespace.
    struct Names {
        let sheetData, row, cell, value, inlineString, text, run: UnsafePointer<xmlChar>
        let reference, type, style: UnsafePointer<xmlChar>

        init(_ parser: XMLEventParser) {
            sheetData = parser.intern("sheetData")
            row = parser.intern("row")
            cell = parser.intern("c")
            value = parser.intern("v")
            inlineString = parser.intern("is")
            text = parser.intern("t")
            run = parser.intern("r")
            reference = parser.intern("r")
            type = parser.intern("t")
            style = parser.intern("s")
        }
    }
}
