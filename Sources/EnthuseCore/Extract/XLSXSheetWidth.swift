import CLibXML2

/// The width of an .xlsx worksheet: the rightmost column any of its cells occupies, found by a
/// first streaming pass over the worksheet part.
///
/// Every record of a sheet must have as many fields as its header, and a row of an .xlsx file
/// leaves out its trailing empty cells. The `<dimension ref="A1:K57"/>` element would say the
/// width up front, but it is optional and some writers put `A1` there whatever the sheet holds;
/// measuring costs one more pass (the part is unpacked and parsed twice) and no memory.
final class XLSXSheetWidth {
    private(set) var width = 0
    private var column = 0
    private var cellDepth = -1
    /// While an element is skipped whole, the depth it started at.
    private var skipping: Int?
    private var names: (worksheet: UnsafePointer<xmlChar>, sheetData: UnsafePointer<xmlChar>, row: UnsafePointer<xmlChar>,
                        cell: UnsafePointer<xmlChar>, reference: UnsafePointer<xmlChar>)!

    static func measure(part: String, in archive: XLSXArchive) throws -> Int {
        let measure = XLSXSheetWidth()
        let (parser, stream) = try archive.parser(for: part, handler: measure)
        measure.names = (parser.intern("worksheet"), parser.intern("sheetData"), parser.intern("row"), parser.intern("c"), parser.intern("r"))
        do {
            try parser.parseToEnd()
        } catch let error as XMLReadError {
            throw archive.explain(error, stream: stream)
        }
        return measure.width
    }
}

extension XLSXSheetWidth: XMLEventHandler {
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
        } else if xmlStrEqual(element.name, names.worksheet) != 1, xmlStrEqual(element.name, names.sheetData) != 1 {
            skipping = element.depth
        }
    }

    func endElement(depth: Int) throws {
        if skipping == depth { skipping = nil }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}
