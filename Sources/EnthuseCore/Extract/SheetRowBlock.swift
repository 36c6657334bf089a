/// Rows of a worksheet as UTF-8 text, in the columns Excel shows them: what a sheet's parser
/// builds and hands over, a block at a time, to the thread that validates them. Read through the
/// buffers' addresses (``SheetReadAhead``), a field costs no retain and release: as arrays of
/// row structs, the validating thread spent 22% of its time retaining and releasing them (perf,
/// million-row SpreadsheetML register).
///
/// A row always has the sheet's width, so that every record of a sheet has as many fields as its
/// header: cells the file leaves out (skipped with an index, merged, or trailing) are empty.
final class SheetRowBlock: @unchecked Sendable {
    // @unchecked: one thread owns a block at a time, and the hand-off passes it on.
    struct Row {
        /// The worksheet row number (1-based), as Excel shows it.
        var number: Int
        var firstCell: Int
        var width: Int
    }

    /// Where a cell's text lies in `bytes`.
    struct Cell {
        var start: Int
        var count: Int
    }

    /// Rows are handed over this many at a time.
    static let rowCapacity = 256

    var bytes = PlainBuffer<UInt8>(capacity: 64 << 10)
    var cells = PlainBuffer<Cell>(capacity: 16 * rowCapacity)
    var rows = PlainBuffer<Row>(capacity: rowCapacity)

    var isFull: Bool { rows.count >= Self.rowCapacity }

    func removeAll() {
        bytes.removeAll()
        cells.removeAll()
        rows.removeAll()
    }

    deinit {
        bytes.deallocate()
        cells.deallocate()
        rows.deallocate()
    }
}

/// Excel's column letters: `A` is column 1, `Z` 26, `AA` 27, `XFD` 16,384, the last there is.
enum ColumnLetters {
    /// The most columns and rows an Excel worksheet has; positions beyond are refused.
    static let maxColumn = 16_384
    static let maxRow = 1_048_576

    /// `C` for 3, `AA` for 27.
    static func name(_ column: Int) -> String {
        var rest = column
        var letters: [Character] = []
        while rest > 0 {
            let digit = (rest - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + digit))), at: 0)
            rest = (rest - 1) / 26
        }
        return String(letters)
    }

    /// The column of a cell reference such as `C12` (the row digits are not looked at), or nil
    /// when it does not start with one to three letters naming a column within `maxColumn`.
    static func column(ofReference reference: String) -> Int? {
        column(ofReference: reference.utf8)
    }

    /// The same, from the reference's UTF-8 bytes (as an attribute's value comes from the parser).
    static func column(ofReference reference: some Sequence<UInt8>) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference {
            let upper = byte & 0xDF
            guard upper >= 0x41, upper <= 0x5A else { break }
            column = column * 26 + Int(upper - 0x40)
            letters += 1
            if letters > 3 { return nil }
        }
        guard letters > 0, column <= maxColumn else { return nil }
        return column
    }
}
