import CLibXML2

/// The width of an .xlsx worksheet: the rightmost column its rows may occupy.
///
/// Every record of a sheet must have as many fields as its header, and a row of an .xlsx file
/// leaves out its trailing empty cells, so the width has to be known before the first row is
/// handed out. A `<dimension ref="A1:K57"/>` range says it up front, as Excel, LibreOffice and
/// openpyxl write it, and then the worksheet is parsed no further here; a cell beyond it is the
/// reading pass's to refuse. The element is optional, though, and some writers put a lone `A1`
/// there whatever the sheet holds: without a range the width is measured by a first streaming
/// pass over the whole worksheet part (unpacked and parsed twice, in no more memory). In a perf
/// profile of the national nightly's 140 .xlsx registers that pass was a third of their parsing.
struct XLSXSheetWidth {
    /// The rightmost column, 1-based.
    let columns: Int
    /// The worksheet's `<dimension>` range when the width is the one it declares; nil when measured.
    let declaredRange: String?

    static func of(part: String, in archive: XLSXArchive) throws -> XLSXSheetWidth {
        let scan = SheetWidthScan()
        let (parser, stream) = try archive.parser(for: part, handler: scan)
        scan.names = (parser.intern("worksheet"), parser.intern("dimension"), parser.intern("sheetData"), parser.intern("row"),
                      parser.intern("c"), parser.intern("r"), parser.intern("ref"))
        do {
            try parser.parse()
        } catch let error as XMLReadError {
            throw archive.explain(error, stream: stream)
        }
        if let declared = scan.declared { return XLSXSheetWidth(columns: declared.columns, declaredRange: declared.range) }
        return XLSXSheetWidth(columns: scan.width, declaredRange: nil)
    }

    /// The last column of a `ref` that is a range of cells (`A1:K57`, `B2:K3`); nil for a single
    /// cell (`A1`, `A1:A1`: what writers put there whatever the sheet holds) or anything else.
    static func lastColumn(ofRange range: some Collection<UInt8>) -> Int? {
        guard let colon = range.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let first = range[..<colon], last = range[range.index(after: colon)...]
        guard ColumnLetters.column(ofReference: first) != nil, !first.elementsEqual(last) else { return nil }
        return ColumnLetters.column(ofReference: last)
    }
}

/// The handler of both: the `<dimension>` range, if the worksheet starts with one, and otherwise
/// the widest row of `<sheetData>`.
private final class SheetWidthScan {
    private(set) var width = 0
    /// Set once `<sheetData>` starts after a `<dimension>` range: the parse stops there.
    private(set) var declared: (columns: Int, range: String)?
    private var dimension: (columns: Int, range: String)?
    private var column = 0
    private var cellDepth = -1
    /// While an element is skipped whole, the depth it started at.
    private var skipping: Int?
    var names: (worksheet: UnsafePointer<xmlChar>, dimension: UnsafePointer<xmlChar>, sheetData: UnsafePointer<xmlChar>,
                row: UnsafePointer<xmlChar>, cell: UnsafePointer<xmlChar>, reference: UnsafePointer<xmlChar>,
                range: UnsafePointer<xmlChar>)!
}

extension SheetWidthScan: XMLEventHandler {
    func startElement(_ element: XMLElementStart) throws {
        guard skipping == nil else { return }
        if xmlStrEqual(element.name, names.row) == 1 {
            column = 0
            cellDepth = element.depth + 1
        } else if element.depth == cellDepth, xmlStrEqual(element.name, names.cell) == 1 {
            // Out-of-order or absurd references are the reading pass's to refuse, with the row.
            let referenced = element.attribute(names.reference, in: nil).flatMap { ColumnLetters.column(ofReference: $0) }
            column = min(referenced ?? column + 1, ColumnLetters.maxColumn)
            width = max(width, column)
            skipping = element.depth
        } else if xmlStrEqual(element.name, names.sheetData) == 1 {
            declared = dimension
            if declared != nil { throw XMLParseStop() }
        } else if element.depth == 1, xmlStrEqual(element.name, names.dimension) == 1 {
            dimension = element.attribute(names.range, in: nil).flatMap { range in
                XLSXSheetWidth.lastColumn(ofRange: range).map { ($0, String(decoding: range, as: UTF8.self)) }
            }
            skipping = element.depth
        } else if xmlStrEqual(element.name, names.worksheet) != 1 {
            skipping = element.depth
        }
    }

    func endElement(depth: Int) throws {
        if skipping == depth { skipping = nil }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}
