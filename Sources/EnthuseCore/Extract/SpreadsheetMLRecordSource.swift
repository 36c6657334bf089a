import CLibXML2

/// Rows of one worksheet of an Excel "XML Spreadsheet 2003" file (SpreadsheetML), streamed with
/// an ``XMLEventParser``: one record per row that has a non-blank cell.
///
/// The worksheet is the one named `Attendance` (in any case), else the first. Cells land where
/// Excel shows them: `ss:Index` on a row or a cell jumps to that 1-based position, `ss:Span` on a
/// row stands for that many more rows like it, and `ss:MergeAcross` leaves the merged cells after
/// it empty. A record's `line` is its worksheet row number, whatever the physical layout. Every
/// record is as wide as the table (`ss:ExpandedColumnCount`, or when the file does not say, the
/// widest row, measured by a first pass), so that short rows line up with the header.
///
/// Values are the text the file holds: `String` as is (rich text as its characters), `Number`
/// and `DateTime` as written (`109970`, `3.5`, `2016-10-05T00:00:00.000`), `Boolean` as `TRUE`
/// or `FALSE`, and `Error` as its text (`#N/A`), for validation to refuse. Elements the format
/// does not give a meaning here (comments, named cells, other namespaces) are skipped whole.
///
/// Throws `SpreadsheetError` for a file that is not a SpreadsheetML workbook or breaks its rules,
/// and `XMLReadError` for XML that is not well-formed.
public final class SpreadsheetMLRecordSource: SheetRecordSource {
    public static let namespace = "urn:schemas-microsoft-com:office:spreadsheet"
    /// How long a stretch of a large table is: large enough that a parser's set-up is nothing
    /// beside it, small enough that its block of rows stays a few hundred kilobytes.
    public static let stretchBytes = 256 * 1024

    /// Opens the worksheet named `preferredWorksheet` (ignoring case), else the first. The file is
    /// parsed on a thread of its own (``SheetReadAhead``); this waits until the parse reaches the
    /// worksheet's table, so that a file that is no workbook is refused at once. A table of more
    /// than `stretchBytes` × 8 is parsed a stretch at a time on two threads
    /// (``SpreadsheetMLTableStretches``).
    public init(path: String, preferredWorksheet: String = "Attendance", stretchBytes: Int = stretchBytes) throws {
        let sheet = try SpreadsheetMLWorksheet(path: path, preferredWorksheet: preferredWorksheet, stretchBytes: stretchBytes)
        self.sheet = sheet
        try super.init(parser: sheet)
    }

    /// The parser, for what it says about the parse once every record has been read.
    let sheet: SpreadsheetMLWorksheet
}

/// The worksheet parser behind ``SpreadsheetMLRecordSource``: an event handler that turns the
/// worksheet's rows into records.
final class SpreadsheetMLWorksheet {
    static let tooManyColumns = "a worksheet has at most \(ColumnLetters.maxColumn) columns"

    /// Where the parse stands in the workbook.
    private enum Place {
        /// Before the root element.
        case start
        /// In the start tags that open a stretch of the table's content, before the table's.
        case stretchPrefix
        /// In the workbook, before the worksheet to read.
        case workbook
        /// In the worksheet to read, before its table.
        case worksheet
        /// In the table, between rows.
        case table
        /// In a row (at depth 3).
        case row
        /// In a cell (at depth 4).
        case cell
        /// In a cell's `Data` (at depth 5), gathering its text.
        case data
        /// Past the worksheet's table: the rest is only checked to be well-formed.
        case done

    }

    /// What of the file this parser reads.
    private enum Scope {
        /// All of it; when the table's content is at least `splitAbove` bytes long, only up to the
        /// table's start tag, and the rest a stretch at a time.
        case file(splitAbove: Int, stretchBytes: Int)
        /// All of it again, after stretches that handed over the rows before `resumingAt`.
        case fileAgain(resumingAt: Int)
        /// A stretch of the table's content, its rows numbered from 1. Unless it runs to the end
        /// of the file, its suffix starts at byte `suffixStart` of what is parsed.
        case stretch(suffixStart: Int?)
    }

    private let path: String
    private let preferredWorksheet: String
    private let scope: Scope
    private(set) var parser: XMLEventParser!
    private var names: Names!
    /// The name of the worksheet being read.
    private(set) var worksheet = ""
    private var width = 0
    /// Whether the width is the file's `ss:ExpandedColumnCount`, which no cell may pass.
    private var widthDeclared = false
    private var place = Place.start
    /// While an element is skipped whole, the depth it started at.
    private var skipping: Int?
    private var worksheetIndex = 0
    private var chosenWorksheet: Int?
    private var scan: SpreadsheetMLWorkbookScan?
    /// The workbook, the worksheet and the table, as the file writes them.
    private var enclosingElements: [SpreadsheetMLTableStretches.EnclosingElement] = []
    /// Set when the rows are left to stretches.
    private var stretches: SpreadsheetMLTableStretches?
    /// How the table was parsed when it was, in stretches.
    private(set) var stretchSummary: SpreadsheetMLTableStretches.Summary?

    /// The number the next row gets (one past the last row, blank or not).
    private(set) var nextRow = 1
    private var nextColumn = 1
    private var cellColumn = 0
    /// Whether the cell has a `Data` element; the text of the last one starts at `dataStart` in
    /// the row buffer.
    private var cellHasData = false
    private var dataStart = 0
    private var dataIsBoolean = false

    var rowBuffer = SheetRowBuffer()

    /// Opens the file, to read the worksheet named `preferredWorksheet` (ignoring case), else the
    /// first.
    init(path: String, preferredWorksheet: String, stretchBytes: Int) throws {
        let kind = try SpreadsheetFileKind.of(path: path)
        guard kind == .xml else {
            throw SpreadsheetError(.wrongKind, file: path, "the file is \(kind), not an Excel XML Spreadsheet 2003")
        }
        self.path = path
        self.preferredWorksheet = preferredWorksheet.lowercased()
        scope = .file(splitAbove: 8 * stretchBytes, stretchBytes: stretchBytes)
        parser = try XMLEventParser(path: path, handler: self)
        names = Names(parser)
    }

    /// A parser of the whole of `table`'s file again, in order, that hands over only the rows from
    /// `nextRow` on, through `rowBuffer`: what follows stretches when one is not a plain run of
    /// rows, so that rows and errors are exactly those of one parse.
    init(again table: SpreadsheetMLTableStretches, resumingAt nextRow: Int, rowBuffer: SheetRowBuffer) throws {
        path = table.path
        preferredWorksheet = table.preferredWorksheet
        scope = .fileAgain(resumingAt: nextRow)
        self.rowBuffer = rowBuffer
        parser = try XMLEventParser(path: path, handler: self)
        names = Names(parser)
    }

    /// A parser of one stretch of `table`'s content: from byte `start` of the file up to `end`
    /// (the end of the file when nil), inside the table's start and end tags. Rows are numbered
    /// from 1 and land in `rowBuffer`.
    init(stretchOf table: SpreadsheetMLTableStretches, descriptor: Int32, from start: Int, to end: Int?, rowBuffer: SheetRowBuffer) {
        path = table.path
        preferredWorksheet = ""
        worksheet = table.worksheet
        width = table.width
        widthDeclared = table.widthDeclared
        place = .stretchPrefix
        self.rowBuffer = rowBuffer
        scope = .stretch(suffixStart: end.map { table.prefix.count + $0 - start })
        parser = XMLEventParser(path: path, descriptor: descriptor, from: start, to: end, prefix: table.prefix,
                                suffix: end == nil ? [] : table.suffix, handler: self)
        names = Names(parser)
    }

    /// A first pass over the file, made once, when the worksheet or the width cannot be known
    /// from where the parse stands.
    private func workbookScan() throws -> SpreadsheetMLWorkbookScan {
        if let scan { return scan }
        let made = try SpreadsheetMLWorkbookScan(path: path)
        scan = made
        return made
    }

    /// The value of an `ss:` position attribute (`Index`, `Span`, `MergeAcross`) of `element`, or
    /// nil when it has none.
    private func number(_ name: UnsafePointer<xmlChar>, of element: XMLElementStart) throws -> Int? {
        guard let bytes = element.attribute(name, in: names.namespace) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let isIndex = name == names.index
        guard let value = Int(text), value >= (isIndex ? 1 : 0) else {
            let attribute = String(cString: name)
            throw SpreadsheetError(.malformedSheet, file: path, line: element.line,
                "ss:\(attribute)=\"\(text)\" is not a \(isIndex ? "position from 1 on" : "count")")
        }
        return value
    }
}

extension SpreadsheetMLWorksheet: SheetRowParser {
    func parseSheet() throws {
        try parser.parse()
        if let stretches {
            stretchSummary = try stretches.parse(into: &rowBuffer)
            return
        }
        if place == .start {
            throw SpreadsheetError(.notAWorkbook, file: path, "the file has no root element")
        }
        if place == .workbook {
            throw SpreadsheetError(.notAWorkbook, file: path, "the workbook has no worksheet")
        }
    }
}

extension SpreadsheetMLWorksheet: XMLEventHandler {
    func startElement(_ element: XMLElementStart) throws {
        if skipping != nil { return }
        let inNamespace = element.namespace == names.namespace
        switch place {
        case .start:
            try root(element, inNamespace: inNamespace)
        case .stretchPrefix:
            if element.depth == 2 { place = .table }
        case .workbook:
            guard element.depth == 1, inNamespace, element.name == names.worksheet else { return skip(element) }
            try chooseWorksheet(element)
        case .worksheet:
            guard element.depth == 2, inNamespace, element.name == names.table else { return skip(element) }
            try openTable(element)
        case .table:
            guard element.depth == 3, inNamespace, element.name == names.row else { return skip(element) }
            try startRow(element)
        case .row:
            guard element.depth == 4, inNamespace, element.name == names.cell else { return skip(element) }
            try startCell(element)
        case .cell:
            guard element.depth == 5, inNamespace, element.name == names.data else { return skip(element) }
            place = .data
            cellHasData = true
            dataStart = rowBuffer.textStart
            dataIsBoolean = element.attribute(names.type, in: names.namespace).map { $0.count == 7 && $0.elementsEqual("Boolean".utf8) } == true
        case .data:
            // Rich text: the characters of every element inside Data are the cell's.
            break
        case .done:
            break
        }
    }

    func endElement(depth: Int) throws {
        if let skipped = skipping {
            if depth == skipped { skipping = nil }
            return
        }
        switch (place, depth) {
        case (.worksheet, 1):
            place = .done
        case (.table, 2):
            place = .done
            // A stretch between others ends with the table's end tag of its suffix; one of the
            // file's own is not a plain run of rows.
            if case let .stretch(suffixStart?) = scope, (parser.consumedBytes ?? 0) <= suffixStart {
                throw SpreadsheetMLTableStretches.NotPlain()
            }
        case (.row, 3):
            place = .table
            if case let .fileAgain(resumingAt) = scope, rowBuffer.number < resumingAt {
                rowBuffer.dropRow()
            } else {
                try rowBuffer.finishRow()
            }
        case (.cell, 4):
            place = .row
            if cellHasData { rowBuffer.setCell(cellColumn - 1, textFrom: dataStart, isBoolean: dataIsBoolean) }
        case (.data, 5):
            place = .cell
        default:
            break
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard place == .data, skipping == nil else { return }
        rowBuffer.appendText(bytes)
        if rowBuffer.textStart - dataStart > parser.limits.maxTextBytes { throw parser.textTooLong() }
    }

    private func skip(_ element: XMLElementStart) {
        skipping = element.depth
    }

    private func root(_ element: XMLElementStart, inNamespace: Bool) throws {
        guard element.name == names.workbook, inNamespace else {
            let namespace = element.namespace.map { "namespace \(String(cString: $0))" } ?? "no namespace"
            throw SpreadsheetError(.wrongKind, file: path, line: element.line,
                "the root element is <\(String(cString: element.name))> in \(namespace), so this is not an Excel XML Spreadsheet 2003 "
                    + "(<Workbook> in \(SpreadsheetMLRecordSource.namespace))")
        }
        place = .workbook
        enclosingElements.append(SpreadsheetMLTableStretches.EnclosingElement(element))
    }

    private func chooseWorksheet(_ element: XMLElementStart) throws {
        let name = element.attributeText(names.name, in: names.namespace) ?? ""
        if worksheetIndex == 0 {
            chosenWorksheet = name.lowercased() == preferredWorksheet ? 0
                : try workbookScan().worksheets.firstIndex { $0.name.lowercased() == preferredWorksheet } ?? 0
        }
        defer { worksheetIndex += 1 }
        guard worksheetIndex == chosenWorksheet else { return skip(element) }
        worksheet = name
        place = .worksheet
        enclosingElements.append(SpreadsheetMLTableStretches.EnclosingElement(element))
    }

    private func openTable(_ element: XMLElementStart) throws {
        if let text = element.attributeText(names.expandedColumnCount, in: names.namespace) {
            guard let declared = Int(text), (0...ColumnLetters.maxColumn).contains(declared) else {
                throw SpreadsheetError(.malformedSheet, file: path, line: element.line,
                    "ss:ExpandedColumnCount=\"\(text)\" is not a column count; \(Self.tooManyColumns)")
            }
            width = declared
            widthDeclared = true
        } else {
            width = try workbookScan().worksheets[chosenWorksheet ?? 0].width
        }
        place = .table
        try rowBuffer.begin()
        enclosingElements.append(SpreadsheetMLTableStretches.EnclosingElement(element))
        if case let .file(splitAbove, stretchBytes) = scope, let tagEnd = element.tagEndOffset,
           let table = SpreadsheetMLTableStretches(path: path, preferredWorksheet: preferredWorksheet, worksheet: worksheet,
                                                   width: width, widthDeclared: widthDeclared,
                                                   tagEnd: tagEnd, enclosingElements: enclosingElements, splitAbove: splitAbove,
                                                   stretchBytes: stretchBytes) {
            stretches = table
            throw XMLParseStop()
        }
    }

    private func startRow(_ element: XMLElementStart) throws {
        let index = try number(names.index, of: element)
        if case .stretch = scope, index != nil || element.attribute(names.span, in: names.namespace) != nil {
            // Where such a row lands depends on the rows before the stretch.
            throw SpreadsheetMLTableStretches.NotPlain()
        }
        let number = index ?? nextRow
        guard number >= nextRow, number <= ColumnLetters.maxRow else {
            let message = if number < nextRow {
                "a row says ss:Index=\"\(number)\" after row \(nextRow - 1): rows must go down the sheet"
            } else if index != nil {
                "a row says ss:Index=\"\(number)\", but a worksheet has \(ColumnLetters.maxRow) rows"
            } else {
                "a row comes after row \(ColumnLetters.maxRow), the last a worksheet has"
            }
            throw SpreadsheetError(.malformedSheet, file: path, line: element.line, message)
        }
        let span = try self.number(names.span, of: element) ?? 0
        rowBuffer.startRow(number: number, width: width)
        // A span past the last row ends there; subtracting keeps a huge one from overflowing.
        nextRow = number + min(span, ColumnLetters.maxRow - number) + 1
        nextColumn = 1
        place = .row
    }

    private func startCell(_ element: XMLElementStart) throws {
        let column = try number(names.index, of: element) ?? nextColumn
        guard column >= nextColumn else {
            throw SpreadsheetError(.malformedSheet, file: path, row: rowBuffer.number, column: column,
                "a cell says ss:Index=\"\(column)\" after column \(ColumnLetters.name(nextColumn - 1)): cells must go "
                    + "left to right")
        }
        let merged = try number(names.mergeAcross, of: element) ?? 0
        // Compared by subtracting, so that a huge index or merge cannot overflow.
        guard column <= width, merged <= width - column else {
            let bound = widthDeclared ? "the table's ss:ExpandedColumnCount of \(width); Excel itself refuses such a file"
                : "column \(ColumnLetters.name(ColumnLetters.maxColumn)), the last a worksheet has"
            throw SpreadsheetError(.malformedSheet, file: path, row: rowBuffer.number, column: column, "the cell reaches beyond \(bound)")
        }
        nextColumn = column + merged + 1
        cellColumn = column
        cellHasData = false
        place = .cell
    }
}

extension SpreadsheetMLWorksheet {
    /// The names the reader looks for, interned in the parser's dictionary: compared by pointer
    /// with the names libxml2 hands out (see ``XMLElementStart``).
    struct Names {
        let namespace, workbook, worksheet, table, row, cell, data: UnsafePointer<xmlChar>
        let name, type, index, span, mergeAcross, expandedColumnCount: UnsafePointer<xmlChar>

        init(_ parser: XMLEventParser) {
            namespace = parser.intern(SpreadsheetMLRecordSource.namespace)
            workbook = parser.intern("Workbook")
            worksheet = parser.intern("Worksheet")
            table = parser.intern("Table")
            row = parser.intern("Row")
            cell = parser.intern("Cell")
            data = parser.intern("Data")
            name = parser.intern("Name")
            type = parser.intern("Type")
            index = parser.intern("Index")
            span = parser.intern("Span")
            mergeAcross = parser.intern("MergeAcross")
            expandedColumnCount = parser.intern("ExpandedColumnCount")
        }
    }
}
