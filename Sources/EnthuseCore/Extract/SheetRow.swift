/// The cells of one worksheet row as UTF-8 text, in the columns Excel shows them, reused from
/// row to row: the form in which both spreadsheet readers hand out records.
///
/// A row always has the sheet's width, so that every record of a sheet has as many fields as its
/// header: cells the file leaves out (skipped with an index, merged, or trailing) are empty.
struct SheetRow {
    /// The worksheet row number (1-based), as Excel shows it.
    private(set) var number = 0
    /// How many fields the row has: the sheet's width.
    private(set) var width = 0
    /// Whether a cell holds anything but blanks: a row without one is not a record.
    private(set) var hasContent = false
    private var bytes: [UInt8] = []
    /// Each column's text within `bytes`; an empty range for an empty cell.
    private var ranges: [Range<Int>] = []

    /// Empties the row and makes it row `number` of a sheet `width` columns wide.
    mutating func start(number: Int, width: Int) {
        self.number = number
        self.width = width
        hasContent = false
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        ranges.append(contentsOf: repeatElement(0..<0, count: width))
    }

    /// Puts `text` in the cell at `index` (0-based), which must lie within the width.
    mutating func set(_ index: Int, _ text: String) {
        var text = text
        text.withUTF8 { set(index, utf8: $0) }
    }

    mutating func set(_ index: Int, utf8 text: UnsafeBufferPointer<UInt8>) {
        precondition(index < width, "a cell beyond the sheet's width")
        let start = bytes.count
        bytes.append(contentsOf: text)
        ranges[index] = start..<bytes.count
        if !hasContent {
            hasContent = text.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        }
    }

    /// Calls `body` with the UTF-8 text of the cell at `index` ("" when it is empty).
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[ranges[index]]))
        }
    }

    func text(_ index: Int) -> String {
        withField(index) { String(decoding: $0, as: UTF8.self) }
    }

    /// The row as one line of CSV, with the cells at `masked` indexes replaced by `«masked»`.
    func rawText(masking masked: Set<Int>) -> String {
        (0..<width).map { masked.contains($0) ? "«masked»" : CSVText.quoted(text($0)) }.joined(separator: ",")
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
