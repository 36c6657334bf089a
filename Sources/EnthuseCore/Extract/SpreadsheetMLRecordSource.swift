/// Rows of one worksheet of an Excel "XML Spreadsheet 2003" file (SpreadsheetML), streamed with
/// `XMLStreamReader`: one record per row that has a non-blank cell.
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
/// or `FALSE`, and `Error` as its text (`#N/A`), for validation to refuse.
///
/// Throws `SpreadsheetError` for a file that is not a SpreadsheetML workbook or breaks its rules,
/// and `XMLReadError` for XML that is not well-formed.
public final class SpreadsheetMLRecordSource: RecordSource {
    public static let namespace = "urn:schemas-microsoft-com:office:spreadsheet"
    static let tooManyColumns = "a worksheet has at most \(ColumnLetters.maxColumn) columns"

    private let path: String
    private let reader: XMLStreamReader
    /// The name of the worksheet being read.
    public let worksheet: String
    private let width: Int
    /// Whether the width is the file's `ss:ExpandedColumnCount`, which no cell may pass.
    private let widthDeclared: Bool
    private let tableDepth: Int
    private var row = SheetRow()
    private var nextRow = 1
    private var finished = false

    public var line: Int { row.number }
    public var fieldCount: Int { row.width }
    public var recordProblem: String? { nil }
    public var bytesRead: Int { 0 }
    public var fixedHeader: [String]? { nil }

    /// Opens the worksheet named `preferredWorksheet` (ignoring case), else the first.
    public init(path: String, preferredWorksheet: String = "Attendance") throws {
        let kind = try SpreadsheetFileKind.of(path: path)
        guard kind == .xml else {
            throw SpreadsheetError(.wrongKind, file: path, "the file is \(kind), not an Excel XML Spreadsheet 2003")
        }
        self.path = path
        reader = try XMLStreamReader(path: path, schema: nil)
        guard let root = try reader.next(), root.kind == .elementStart else {
            throw SpreadsheetError(.notAWorkbook, file: path, "the file has no root element")
        }
        guard root.localName == "Workbook", root.namespaceURI == Self.namespace else {
            let namespace = root.namespaceURI.isEmpty ? "no namespace" : "namespace \(root.namespaceURI)"
            throw SpreadsheetError(.wrongKind, file: path, line: root.line,
                "the root element is <\(root.localName)> in \(namespace), so this is not an Excel XML Spreadsheet 2003 "
                    + "(<Workbook> in \(Self.namespace))")
        }
        var scan: SpreadsheetMLWorkbookScan?
        var chosen = 0
        var index = 0
        var found: (name: String, isEmpty: Bool)?
        while found == nil, let node = try reader.next() {
            guard node.kind == .elementStart else { continue }
            guard node.depth == 1, node.localName == "Worksheet", node.namespaceURI == Self.namespace else {
                try reader.skipElement()
                continue
            }
            let name = reader.attribute("Name", namespace: Self.namespace) ?? ""
            if index == 0, name.lowercased() != preferredWorksheet.lowercased() {
                let workbook = try SpreadsheetMLWorkbookScan(path: path)
                chosen = workbook.worksheets.firstIndex { $0.name.lowercased() == preferredWorksheet.lowercased() } ?? 0
                scan = workbook
            }
            if index == chosen {
                found = (name, node.isEmptyElement)
            } else {
                try reader.skipElement()
            }
            index += 1
        }
        guard let found else {
            throw SpreadsheetError(.notAWorkbook, file: path, "the workbook has no worksheet")
        }
        worksheet = found.name
        // The worksheet's table, if it has one; a worksheet without a table has no rows.
        var table: XMLStreamNode?
        while !found.isEmpty, table == nil, let node = try reader.next(), !(node.kind == .elementEnd && node.depth == 1) {
            guard node.kind == .elementStart else { continue }
            if node.depth == 2, node.localName == "Table", node.namespaceURI == Self.namespace {
                table = node
            } else {
                try reader.skipElement()
            }
        }
        tableDepth = table?.depth ?? 2
        if let table, let text = reader.attribute("ExpandedColumnCount", namespace: Self.namespace) {
            guard let declared = Int(text), (0...ColumnLetters.maxColumn).contains(declared) else {
                throw SpreadsheetError(.malformedSheet, file: path, line: table.line,
                    "ss:ExpandedColumnCount=\"\(text)\" is not a column count; \(Self.tooManyColumns)")
            }
            width = declared
            widthDeclared = true
        } else {
            if scan == nil, table != nil { scan = try SpreadsheetMLWorkbookScan(path: path) }
            width = scan?.worksheets[chosen].width ?? 0
            widthDeclared = false
        }
        guard let table, !table.isEmptyElement else {
            try reader.readToEnd()
            finished = true
            return
        }
    }

    public func next() throws -> Bool {
        while !finished, let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == tableDepth {
                finished = true
                try reader.readToEnd()
                return false
            }
            guard node.kind == .elementStart else { continue }
            guard node.depth == tableDepth + 1, node.localName == "Row", node.namespaceURI == Self.namespace else {
                try reader.skipElement()
                continue
            }
            try readRow(node)
            if row.hasContent { return true }
        }
        finished = true
        return false
    }

    /// Reads the row whose start the reader is on, up to its end.
    private func readRow(_ start: XMLStreamNode) throws {
        let index = try self.number("Index", line: start.line)
        let number = index ?? nextRow
        guard number >= nextRow, number <= ColumnLetters.maxRow else {
            let message = if number < nextRow {
                "a row says ss:Index=\"\(number)\" after row \(nextRow - 1): rows must go down the sheet"
            } else if index != nil {
                "a row says ss:Index=\"\(number)\", but a worksheet has \(ColumnLetters.maxRow) rows"
            } else {
                "a row comes after row \(ColumnLetters.maxRow), the last a worksheet has"
            }
            throw SpreadsheetError(.malformedSheet, file: path, line: start.line, message)
        }
        let span = try self.number("Span", line: start.line) ?? 0
        row.start(number: number, width: width)
        // A span past the last row ends there; subtracting keeps a huge one from overflowing.
        nextRow = number + min(span, ColumnLetters.maxRow - number) + 1
        guard !start.isEmptyElement else { return }
        var nextColumn = 1
        while let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == start.depth { return }
            guard node.kind == .elementStart else { continue }
            guard node.depth == start.depth + 1, node.localName == "Cell", node.namespaceURI == Self.namespace else {
                try reader.skipElement()
                continue
            }
            let column = try self.number("Index", line: node.line) ?? nextColumn
            guard column >= nextColumn else {
                throw SpreadsheetError(.malformedSheet, file: path, row: number, column: column,
                    "a cell says ss:Index=\"\(column)\" after column \(ColumnLetters.name(nextColumn - 1)): cells must go "
                        + "left to right")
            }
            let merged = try self.number("MergeAcross", line: node.line) ?? 0
            // Compared by subtracting, so that a huge index or merge cannot overflow.
            guard column <= width, merged <= width - column else {
                let bound = widthDeclared ? "the table's ss:ExpandedColumnCount of \(width); Excel itself refuses such a file"
                    : "column \(ColumnLetters.name(ColumnLetters.maxColumn)), the last a worksheet has"
                throw SpreadsheetError(.malformedSheet, file: path, row: number, column: column, "the cell reaches beyond \(bound)")
            }
            nextColumn = column + merged + 1
            if let value = try cellValue(depth: node.depth, isEmpty: node.isEmptyElement) { row.set(column - 1, value) }
        }
    }

    /// A cell's value: its `Data` child's text as the record hands it out, or nil when it has
    /// none. Comments and named-range markers inside the cell are not its value.
    private func cellValue(depth: Int, isEmpty: Bool) throws -> String? {
        guard !isEmpty else { return nil }
        var value: String?
        while let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == depth { return value }
            guard node.kind == .elementStart else { continue }
            guard node.depth == depth + 1, node.localName == "Data", node.namespaceURI == Self.namespace else {
                try reader.skipElement()
                continue
            }
            let type = reader.attribute("Type", namespace: Self.namespace)
            let text = try reader.readElementText()
            switch (type, text) {
            case ("Boolean", "1"): value = "TRUE"
            case ("Boolean", "0"): value = "FALSE"
            default: value = text
            }
        }
        return value
    }

    /// The value of an `ss:` position attribute (`Index`, `Span`, `MergeAcross`) of the element
    /// the reader is on, or nil when it has none.
    private func number(_ name: String, line: Int) throws -> Int? {
        guard let text = reader.attribute(name, namespace: Self.namespace) else { return nil }
        guard let value = Int(text), value >= (name == "Index" ? 1 : 0) else {
            throw SpreadsheetError(.malformedSheet, file: path, line: line,
                "ss:\(name)=\"\(text)\" is not a \(name == "Index" ? "position from 1 on" : "count")")
        }
        return value
    }

    public func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        .success(row.withField(index, body))
    }

    public func rawText(masking masked: Set<Int>) -> String {
        row.rawText(masking: masked)
    }
}
