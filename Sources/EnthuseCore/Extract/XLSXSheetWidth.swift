/// The width of an .xlsx worksheet: the rightmost column any of its cells occupies, found by a
/// first streaming pass over the worksheet part.
///
/// Every record of a sheet must have as many fields as its header, and a row of an .xlsx file
/// leaves out its trailing empty cells. The `<dimension ref="A1:K57"/>` element would say the
/// width up front, but it is optional and some writers put `A1` there whatever the sheet holds;
/// measuring costs one more pass (the part is unpacked and parsed twice) and no memory.
enum XLSXSheetWidth {
    static func measure(part: String, in archive: XLSXArchive) throws -> Int {
        try archive.read(part) { reader in
            var width = 0
            var column = 0
            var cellDepth = -1
            while let node = try reader.next() {
                guard node.kind == .elementStart else { continue }
                switch node.localName {
                case "row":
                    column = 0
                    cellDepth = node.depth + 1
                case "c" where node.depth == cellDepth:
                    // Out-of-order or absurd references are the reading pass's to refuse, with
                    // the row.
                    let referenced = reader.attribute("r").flatMap(ColumnLetters.column(ofReference:))
                    column = min(referenced ?? column + 1, ColumnLetters.maxColumn)
                    width = max(width, column)
                    try reader.skipElement()
                case "worksheet", "sheetData":
                    continue
                default:
                    try reader.skipElement()
                }
            }
            return width
        }
    }
}
