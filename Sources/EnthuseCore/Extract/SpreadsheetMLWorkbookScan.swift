/// A first pass over a SpreadsheetML workbook that lists its worksheets and each one's width,
/// for when the reader cannot know them from where it stands: the first worksheet is not the
/// one wanted, or its table does not declare `ss:ExpandedColumnCount` (LibreOffice never does).
///
/// It streams like the reader itself, touching only row and cell start tags, so it costs one
/// more parse of the file and no memory beyond the list.
struct SpreadsheetMLWorkbookScan {
    struct Worksheet: Equatable {
        var name: String
        /// The table's `ss:ExpandedColumnCount`, or else the rightmost column any cell reaches
        /// (merged cells included), at most the last column a worksheet has.
        var width: Int
    }

    /// More worksheets than this and the file is refused: Excel's own workbooks stop far sooner.
    static let maxWorksheets = 10_000

    private(set) var worksheets: [Worksheet] = []

    init(path: String) throws {
        let reader = try XMLStreamReader(path: path, schema: nil)
        let namespace = SpreadsheetMLRecordSource.namespace
        var column = 0
        while let node = try reader.next() {
            guard node.kind == .elementStart else { continue }
            // Elements of other namespaces are skipped whole, as the reading pass skips them:
            // a table inside one is not a worksheet's.
            guard node.namespaceURI == namespace else {
                try reader.skipElement()
                continue
            }
            switch (node.depth, node.localName) {
            case (0, "Workbook"):
                continue
            case (1, "Worksheet"):
                guard worksheets.count < Self.maxWorksheets else {
                    throw SpreadsheetError(.malformedSheet, file: path, line: node.line,
                        "the workbook has more than \(Self.maxWorksheets) worksheets")
                }
                worksheets.append(Worksheet(name: reader.attribute("Name", namespace: namespace) ?? "", width: 0))
                if node.isEmptyElement { continue }
            case (2, "Table"):
                if let declared = reader.attribute("ExpandedColumnCount", namespace: namespace).flatMap(Int.init) {
                    worksheets[worksheets.count - 1].width = min(max(declared, 0), ColumnLetters.maxColumn)
                    try reader.skipElement()
                }
            case (3, "Row"):
                column = 0
            case (4, "Cell"):
                let index = reader.attribute("Index", namespace: namespace).flatMap(Int.init)
                let merged = reader.attribute("MergeAcross", namespace: namespace).flatMap(Int.init) ?? 0
                // Out-of-order or absurd positions are the reading pass's to refuse, with the row.
                // Each term is bounded first, so that huge numbers cannot overflow the sum.
                let first = min(max(index ?? column + 1, column + 1), ColumnLetters.maxColumn)
                column = min(first + min(max(merged, 0), ColumnLetters.maxColumn), ColumnLetters.maxColumn)
                let last = worksheets.count - 1
                worksheets[last].width = max(worksheets[last].width, column)
                try reader.skipElement()
            default:
                try reader.skipElement()
            }
        }
    }
}
