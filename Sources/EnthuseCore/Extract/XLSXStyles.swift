/// Which cell styles of an .xlsx workbook show numbers as dates, the only thing the reader needs
/// from `xl/styles.xml`: an .xlsx file stores a date as a plain number (days since 1900 or 1904)
/// and only the cell's number format says it is one.
struct XLSXStyles {
    /// More cell formats than this and the file is refused: Excel allows 64,000.
    static let maxCellFormats = 1_000_000

    /// For each cell format (`<c s="3">` is the fourth), whether it shows a date or time.
    private(set) var dateFormats: [Bool] = []

    init() {}

    init(archive: XLSXArchive, part: String) throws {
        var custom: [Int: Bool] = [:]
        var formats: [Bool] = []
        try archive.read(part) { reader in
            var inCellFormats = false
            var depth = -1
            var formatsDepth = -1
            while let node = try reader.next() {
                switch node.kind {
                case .elementStart where node.localName == "numFmts":
                    formatsDepth = node.depth
                // Differential formats (`<dxf>`, for conditional formatting) hold numFmt elements
                // too; only the workbook's own list defines the ids cells use.
                case .elementStart where node.localName == "numFmt" && node.depth == formatsDepth + 1:
                    if let id = reader.attribute("numFmtId").flatMap(Int.init), let code = reader.attribute("formatCode") {
                        custom[id] = Self.isDateFormat(code)
                    }
                case .elementStart where node.localName == "cellXfs":
                    inCellFormats = !node.isEmptyElement
                    depth = node.depth
                case .elementStart where inCellFormats && node.localName == "xf" && node.depth == depth + 1:
                    guard formats.count < Self.maxCellFormats else {
                        throw SpreadsheetError(.malformedSheet, file: archive.path, part: part,
                            "the workbook has more than \(Self.maxCellFormats) cell formats")
                    }
                    let id = reader.attribute("numFmtId").flatMap(Int.init) ?? 0
                    formats.append(custom[id] ?? Self.builtInDateFormats.contains(id))
                case .elementEnd where node.localName == "cellXfs":
                    inCellFormats = false
                default:
                    continue
                }
            }
        }
        dateFormats = formats
    }

    /// Whether cells in format `index` (their `s` attribute) show dates.
    func isDate(_ index: Int) -> Bool {
        index >= 0 && index < dateFormats.count && dateFormats[index]
    }

    /// The built-in number formats that show dates and times: 14–22 (`m/d/yyyy` to
    /// `m/d/yyyy h:mm`) and 45–47 (`mm:ss`, `[h]:mm:ss`, `mm:ss.0`).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(45...47)

    /// Whether a format code shows a date or time: it has a `d`, `m`, `y`, `h` or `s` outside
    /// quoted text, `[...]` sections (colours, conditions, locales, elapsed hours aside), and
    /// characters escaped with `\`, `_` or `*`.
    ///
    ///     isDateFormat("dd/mm/yyyy")        // true
    ///     isDateFormat("[$-809]d mmm yy")   // true
    ///     isDateFormat("0.00 \"days\"")     // false
    ///     isDateFormat("[Red]#,##0")        // false
    static func isDateFormat(_ code: String) -> Bool {
        var quoted = false
        var bracket = false
        var escaped = false
        for scalar in code.unicodeScalars {
            if escaped { escaped = false; continue }
            switch scalar {
            case "\"": quoted.toggle()
            case _ where quoted: continue
            case "[": bracket = true
            case "]": bracket = false
            case _ where bracket: continue
            case "\\", "_", "*": escaped = true
            case "d", "D", "m", "M", "y", "Y", "h", "H", "s", "S": return true
            default: continue
            }
        }
        return false
    }
}
