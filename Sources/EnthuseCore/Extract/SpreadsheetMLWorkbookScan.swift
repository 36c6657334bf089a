import CLibXML2

/// A first pass over a SpreadsheetML workbook that lists its worksheets and each one's width,
/// for when the reader cannot know them from where it stands: the first worksheet is not the
/// one wanted, or its table does not declare `ss:ExpandedColumnCount` (LibreOffice never does).
///
/// It parses like the reader itself, looking only at row and cell start tags, so it costs one
/// more parse of the file and no memory beyond the list.
final class SpreadsheetMLWorkbookScan {
    struct Worksheet: Equatable {
        var name: String
        /// The table's `ss:ExpandedColumnCount`, or else the rightmost column any cell reaches
        /// (merged cells included), at most the last column a worksheet has.
        var width: Int
    }

    /// More worksheets than this and the file is refused: Excel's own workbooks stop far sooner.
    static let maxWorksheets = 10_000

    private(set) var worksheets: [Worksheet] = []
    private let path: String
    private var names: SpreadsheetMLWorksheet.Names!
    /// While an element is skipped whole, the depth it started at.
    private var skipping: Int?
    private var column = 0

    init(path: String) throws {
        self.path = path
        let parser = try XMLEventParser(path: path, handler: self)
        names = SpreadsheetMLWorksheet.Names(parser)
        try parser.parse()
    }
}

extension SpreadsheetMLWorkbookScan: XMLEventHandler {
    func startElement(_ element: XMLElementStart) throws {
        guard skipping == nil else { return }
        // Elements of other namespaces are skipped whole, as the reading pass skips them: a
        // table inside one is not a worksheet's.
        guard element.namespace == names.namespace else {
            skipping = element.depth
            return
        }
        switch element.depth {
        case 0 where element.name == names.workbook:
            return
        case 1 where element.name == names.worksheet:
            guard worksheets.count < Self.maxWorksheets else {
                throw SpreadsheetError(.malformedSheet, file: path, line: element.line,
                    "the workbook has more than \(Self.maxWorksheets) worksheets")
            }
            worksheets.append(Worksheet(name: element.attributeText(names.name, in: names.namespace) ?? "", width: 0))
        case 2 where element.name == names.table:
            if let declared = element.attributeText(names.expandedColumnCount, in: names.namespace).flatMap(Int.init) {
                worksheets[worksheets.count - 1].width = min(max(declared, 0), ColumnLetters.maxColumn)
                skipping = element.depth
            }
        case 3 where element.name == names.row:
            column = 0
        case 4 where element.name == names.cell:
            let index = element.attributeText(names.index, in: names.namespace).flatMap(Int.init)
            let merged = element.attributeText(names.mergeAcross, in: names.namespace).flatMap(Int.init) ?? 0
            // Out-of-order or absurd positions are the reading pass's to refuse, with the row.
            // Each term is bounded first, so that huge numbers cannot overflow the sum.
            let first = min(max(index ?? column + 1, column + 1), ColumnLetters.maxColumn)
            column = min(first + min(max(merged, 0), ColumnLetters.maxColumn), ColumnLetters.maxColumn)
            let last = worksheets.count - 1
            worksheets[last].width = max(worksheets[last].width, column)
            skipping = element.depth
        default:
            skipping = element.depth
        }
    }

    func endElement(depth: Int) throws {
        if skipping == depth { skipping = nil }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}
