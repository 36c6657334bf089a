/// The shared-string table of an .xlsx workbook (`xl/sharedStrings.xml`), the one part the reader
/// keeps whole in memory: worksheet cells refer to its strings by number, in any order.
///
/// The strings sit end to end in one byte buffer with an offset each, bounded by
/// `XLSXLimits.maxSharedStringBytes`, so a workbook of 200,000 rows whose text is mostly repeated
/// (names of schools, activity codes) costs a few megabytes.
struct XLSXSharedStrings {
    private var bytes: [UInt8] = []
    /// Where each string ends in `bytes`; string `i` starts where `i - 1` ends.
    private var ends: [Int] = []

    var count: Int { ends.count }

    init() {}

    init(archive: XLSXArchive, part: String) throws {
        let limit = archive.limits.maxSharedStringBytes
        try archive.read(part) { reader in
            while let node = try reader.next() {
                guard node.kind == .elementStart, node.localName == "si" else { continue }
                let text = try Self.richText(reader, start: node)
                guard bytes.count + text.utf8.count <= limit else {
                    throw SpreadsheetError(.tooLarge, file: archive.path, part: part,
                        "the shared strings hold more than \(limit) bytes of text, the most the reader keeps in memory")
                }
                bytes.append(contentsOf: text.utf8)
                ends.append(bytes.count)
            }
        }
    }

    /// Calls `body` with string `index`, or returns nil when there is no such string.
    func withString<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard index >= 0, index < ends.count else { return nil }
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<ends[index]])) }
    }

    /// The text of a string item (`<si>`, or an inline string's `<is>`) whose start the reader is
    /// on: its `<t>`, or the `<t>` of each run (`<r>`) in turn. Phonetic guides (`<rPh>`) are
    /// not part of the text.
    static func richText(_ reader: XMLStreamReader, start: XMLStreamNode) throws -> String {
        guard !start.isEmptyElement else { return "" }
        var text = ""
        while let node = try reader.next() {
            if node.kind == .elementEnd, node.depth == start.depth { break }
            guard node.kind == .elementStart else { continue }
            switch node.localName {
            case "t": text += try reader.readElementText()
            case "r": continue
            default: try reader.skipElement()
            }
        }
        return decodingEscapes(text)
    }

    /// Text with OOXML's escapes for characters XML cannot hold (`_x000D_` for a carriage
    /// return, `_x005F_` for a literal underscore) replaced by the characters.
    static func decodingEscapes(_ text: String) -> String {
        guard mayHoldEscapes(text.utf8) else { return text }
        var result = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
               let value = UInt32(String(String.UnicodeScalarView(scalars[index + 2...index + 5])), radix: 16),
               let scalar = Unicode.Scalar(value) {
                result.append(scalar)
                index += 7
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }

    /// Whether `text` has `_x` in it, where an escape would start. (Byte by byte: Foundation's
    /// `String.contains` measured 3% of an .xlsx register's reading thread in a perf profile.)
    static func mayHoldEscapes(_ text: some Sequence<UInt8>) -> Bool {
        var afterUnderscore = false
        for byte in text {
            if afterUnderscore, byte == UInt8(ascii: "x") { return true }
            afterUnderscore = byte == UInt8(ascii: "_")
        }
        return false
    }
}
