import Foundation

/// Reads the plainest stretches of a SpreadsheetML table — rows of cells of data in the
/// spreadsheet's namespace, and nothing else — straight into a block of rows, without libxml2.
///
/// Written by hand because libxml2 was the bottleneck: with the table parsed in stretches on two
/// threads, libxml2 was some 5 s of the 12 s of CPU a million-row register took, and the two
/// parsing threads the critical path (perf, `Benchmarks/run --formats xml`). This is no XML
/// parser. It accepts only this much of XML, and gives up (nil) at anything else: the stretch is
/// then parsed by libxml2 as before, which reads it or says exactly what is wrong with it.
///
/// - rows, cells and `Data` as elements (`<Row>`, `<ss:Cell/>`) in the spreadsheet's namespace,
///   one `Data` at most in a cell and nothing but text in it, whitespace between them;
/// - attributes with ASCII names and bound prefixes, no namespace declarations, no references
///   in their values; the row's place taken from the rows before (no `ss:Index` or `ss:Span` on
///   a row); `ss:Index` and `ss:MergeAcross` on a cell as plain digits;
/// - text of valid UTF-8 characters that XML allows, with the five predefined entities and
///   character references, line ends normalised as XML says (`\r\n` and `\r` become `\n`);
/// - no comments, processing instructions, CDATA sections, other elements or entities.
///
/// What it accepts is well-formed XML that libxml2 parses to the same rows: the tests and the
/// fuzz target (`Tests/Fuzz/run spreadsheetml`) read every stretch both ways and compare.
///
/// Not `Sendable`: one scanner per thread, its buffers reused from stretch to stretch.
final class SpreadsheetMLRowScanner {
    /// The table's width: every row has as many cells.
    private let width: Int
    /// Whether an unprefixed element name is in the spreadsheet's namespace.
    private let defaultIsSpreadsheet: Bool
    /// The prefixes in scope at the table, each with its namespace: 0 for the spreadsheet's,
    /// another number for each other namespace.
    private let prefixes: [(name: [UInt8], namespace: Int)]
    /// The stretch's bytes.
    private let buffer: UnsafeMutableRawBufferPointer
    /// The attributes of the start tag being read, to refuse one written twice.
    private let attributes: UnsafeMutablePointer<Attribute>
    private static let maxAttributes = 16

    /// A scanner for a table `width` cells wide, inside elements that declare `namespaces` (the
    /// outermost first), for stretches of up to `maxBytes`.
    init(namespaces: [XMLNamespaceDeclaration], width: Int, maxBytes: Int) {
        var bound: [String?: String] = [:]
        for declaration in namespaces { bound[declaration.prefix] = declaration.uri }
        var others: [String] = []
        var prefixes: [(name: [UInt8], namespace: Int)] = []
        for case let (prefix?, uri) in bound.sorted(by: { ($0.key ?? "") < ($1.key ?? "") }) where !uri.isEmpty {
            if uri == SpreadsheetMLRecordSource.namespace {
                prefixes.append((Array(prefix.utf8), 0))
            } else {
                if !others.contains(uri) { others.append(uri) }
                prefixes.append((Array(prefix.utf8), others.firstIndex(of: uri)! + 1))
            }
        }
        self.width = width
        self.prefixes = prefixes
        defaultIsSpreadsheet = bound[nil] == SpreadsheetMLRecordSource.namespace
        buffer = .allocate(byteCount: maxBytes, alignment: 1)
        attributes = .allocate(capacity: Self.maxAttributes)
    }

    deinit {
        buffer.deallocate()
        attributes.deallocate()
    }

    /// Reads the file's bytes from `start` up to `end` into `rows`: the number of rows they span,
    /// or nil when they are not whole rows this scanner reads (or cannot be read), with `rows`
    /// then holding whatever it had reached.
    func scan(_ descriptor: Int32, from start: Int, to end: Int, into rows: inout SheetRowBuffer) throws -> Int? {
        // A stretch may hold no bytes at all: after a row longer than a stretch, the stretches
        // that started inside it all end where it does. No bytes are zero rows.
        let count = end - start
        guard count >= 0, count <= buffer.count else { return nil }
        var filled = 0
        while filled < count {
            let read = pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(start + filled))
            guard read > 0 else { return nil }
            filled += read
        }
        let bytes = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
        return try scan(bytes, into: &rows)
    }

    /// Reads `bytes` into `rows`, as ``scan(_:from:to:into:)`` does.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, into rows: inout SheetRowBuffer) throws -> Int? {
        guard let base = bytes.baseAddress else { return 0 }
        var cursor = Cursor(at: base, end: base + bytes.count)
        var rowCount = 0
        while true {
            cursor.skipSpaces()
            if cursor.isAtEnd { return rowCount }
            guard rowCount < ColumnLetters.maxRow, let row = startTag(&cursor, named: Self.row),
                  row.index == nil, !row.hasSpan else { return nil }
            rowCount += 1
            rows.startRow(number: rowCount, width: width)
            if !row.isEmpty {
                guard readCells(&cursor, into: &rows), cursor.endTag(row.name) else { return nil }
            }
            try rows.finishRow()
        }
    }

    /// Reads a row's cells, up to its end tag.
    private func readCells(_ cursor: inout Cursor, into rows: inout SheetRowBuffer) -> Bool {
        var nextColumn = 1
        while true {
            cursor.skipSpaces()
            guard !cursor.isAtEnd else { return false }
            if cursor.startsEndTag { return true }
            guard let cell = startTag(&cursor, named: Self.cell) else { return false }
            let column = cell.index ?? nextColumn
            let merged = cell.mergeAcross ?? 0
            guard column >= nextColumn, column <= width, merged <= width - column else { return false }
            nextColumn = column + merged + 1
            if cell.isEmpty { continue }
            cursor.skipSpaces()
            guard !cursor.isAtEnd else { return false }
            if cursor.startsEndTag {
                guard cursor.endTag(cell.name) else { return false }
                continue
            }
            guard let data = startTag(&cursor, named: Self.data) else { return false }
            let dataStart = rows.textStart
            if !data.isEmpty {
                guard cursor.readText(into: &rows), cursor.endTag(data.name) else { return false }
            }
            cursor.skipSpaces()
            guard cursor.endTag(cell.name) else { return false }
            rows.setCell(column - 1, textFrom: dataStart, isBoolean: data.isBoolean)
        }
    }

    // MARK: - Start tags

    private static let row = Array("Row".utf8), cell = Array("Cell".utf8), data = Array("Data".utf8)
    private static let index = Array("Index".utf8), span = Array("Span".utf8), mergeAcross = Array("MergeAcross".utf8)
    private static let type = Array("Type".utf8), boolean = Array("Boolean".utf8)

    /// What a start tag says that the scanner uses.
    private struct StartTag {
        /// The element's name as written, for its end tag to match.
        var name: UnsafeBufferPointer<UInt8>
        var isEmpty = false
        var index: Int?
        var mergeAcross: Int?
        var hasSpan = false
        var isBoolean = false
    }

    /// An attribute of the tag being read: its namespace (-1 for none) and local name.
    private struct Attribute {
        var namespace: Int
        var name: UnsafeBufferPointer<UInt8>
    }

    /// Reads the start tag at the cursor of the element `local` in the spreadsheet's namespace;
    /// nil when there is no such tag there.
    private func startTag(_ cursor: inout Cursor, named local: [UInt8]) -> StartTag? {
        guard cursor.take(UInt8(ascii: "<")), let name = cursor.qualifiedName(),
              namespace(of: name.prefix) == 0, equal(name.local, local) else { return nil }
        var tag = StartTag(name: name.whole)
        var attributeCount = 0
        while true {
            let spaced = cursor.skipSpaces()
            guard !cursor.isAtEnd else { return nil }
            if cursor.take(UInt8(ascii: ">")) { return tag }
            if cursor.take(UInt8(ascii: "/")) {
                tag.isEmpty = true
                return cursor.take(UInt8(ascii: ">")) ? tag : nil
            }
            // Namespace declarations, and other names XML keeps for itself, are for libxml2.
            guard spaced, attributeCount < Self.maxAttributes, let attribute = cursor.qualifiedName(),
                  !Self.isReserved(attribute.prefix ?? attribute.local) else { return nil }
            let namespace = attribute.prefix.map { self.namespace(of: $0) } ?? -1
            guard let namespace else { return nil }
            for seen in 0..<attributeCount where attributes[seen].namespace == namespace && equal(attributes[seen].name, attribute.local) {
                return nil
            }
            attributes[attributeCount] = Attribute(namespace: namespace, name: attribute.local)
            attributeCount += 1
            cursor.skipSpaces()
            guard cursor.take(UInt8(ascii: "=")) else { return nil }
            cursor.skipSpaces()
            guard let value = cursor.attributeValue() else { return nil }
            if namespace == 0 {
                let local = attribute.local
                if equal(local, Self.index) {
                    guard let number = Self.number(value), number >= 1 else { return nil }
                    tag.index = number
                } else if equal(local, Self.mergeAcross) {
                    guard let number = Self.number(value) else { return nil }
                    tag.mergeAcross = number
                } else if equal(local, Self.span) {
                    tag.hasSpan = true
                } else if equal(local, Self.type) {
                    tag.isBoolean = equal(value, Self.boolean)
                }
            }
        }
    }

    /// The namespace a prefix stands for (nil for none, the default namespace): 0 for the
    /// spreadsheet's, -1 for no namespace, nil when the prefix is not bound.
    private func namespace(of prefix: UnsafeBufferPointer<UInt8>?) -> Int? {
        guard let prefix else { return defaultIsSpreadsheet ? 0 : -1 }
        for bound in prefixes where equal(prefix, bound.name) { return bound.namespace }
        return nil
    }

    /// Whether `name` starts with `xml` in any case, as `xmlns` and `xml:lang` do.
    private static func isReserved(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        name.count >= 3 && name[0] | 0x20 == UInt8(ascii: "x") && name[1] | 0x20 == UInt8(ascii: "m") && name[2] | 0x20 == UInt8(ascii: "l")
    }

    /// Digits only, at most nine of them: what Excel writes for a position or a count.
    private static func number(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard (1...9).contains(text.count) else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

@inline(__always)
private func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ other: [UInt8]) -> Bool {
    bytes.count == other.count && other.withUnsafeBufferPointer { memcmp(bytes.baseAddress!, $0.baseAddress!, bytes.count) == 0 }
}

@inline(__always)
private func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.count == other.count && memcmp(bytes.baseAddress!, other.baseAddress!, bytes.count) == 0
}

/// Where the scanner stands in a stretch's bytes.
private struct Cursor {
    private var position: UnsafePointer<UInt8>
    private let end: UnsafePointer<UInt8>

    init(at start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) {
        position = start
        self.end = end
    }

    var isAtEnd: Bool { position == end }

    /// Whether an end tag starts here.
    var startsEndTag: Bool {
        end - position >= 2 && position[0] == UInt8(ascii: "<") && position[1] == UInt8(ascii: "/")
    }

    /// Moves past `byte` when it is the next; false when it is not.
    mutating func take(_ byte: UInt8) -> Bool {
        guard position < end, position[0] == byte else { return false }
        position += 1
        return true
    }

    /// Moves past XML's white space (space, tab, line feed, carriage return); whether there was any.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = position
        while position < end, isSpace(position[0]) { position += 1 }
        return position != start
    }

    /// A name with an optional prefix (`Data`, `ss:Type`), ASCII only; nil when none is here.
    mutating func qualifiedName() -> (whole: UnsafeBufferPointer<UInt8>, prefix: UnsafeBufferPointer<UInt8>?, local: UnsafeBufferPointer<UInt8>)? {
        let start = position
        guard let first = name() else { return nil }
        guard position < end, position[0] == UInt8(ascii: ":") else { return (first, nil, first) }
        position += 1
        guard let local = name() else { return nil }
        return (UnsafeBufferPointer(start: start, count: position - start), first, local)
    }

    /// An ASCII name without a colon.
    private mutating func name() -> UnsafeBufferPointer<UInt8>? {
        let start = position
        guard position < end, isNameStart(position[0]) else { return nil }
        position += 1
        while position < end, isNameStart(position[0]) || isNameRest(position[0]) { position += 1 }
        // A name going on in characters beyond ASCII is for libxml2 to read.
        guard position < end, position[0] < 0x80 else { return nil }
        return UnsafeBufferPointer(start: start, count: position - start)
    }

    /// The end tag of the element named `name` as written, white space allowed before its `>`.
    mutating func endTag(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard end - position >= name.count + 3, position[0] == UInt8(ascii: "<"), position[1] == UInt8(ascii: "/"),
              memcmp(position + 2, name.baseAddress!, name.count) == 0 else { return false }
        position += 2 + name.count
        skipSpaces()
        return take(UInt8(ascii: ">"))
    }

    /// A quoted attribute value, without its quotes: characters XML allows, no `<`, and no
    /// references (values with them are for libxml2).
    mutating func attributeValue() -> UnsafeBufferPointer<UInt8>? {
        guard position < end, position[0] == UInt8(ascii: "\"") || position[0] == UInt8(ascii: "'") else { return nil }
        let quote = position[0]
        position += 1
        let start = position
        while position < end {
            let byte = position[0]
            if byte == quote {
                let value = UnsafeBufferPointer(start: start, count: position - start)
                position += 1
                return value
            }
            if byte >= 0x80 {
                guard skipCharacter() else { return nil }
                continue
            }
            guard byte >= 0x20 || isSpace(byte), byte != UInt8(ascii: "<"), byte != UInt8(ascii: "&") else { return nil }
            position += 1
        }
        return nil
    }

    /// Appends the text up to the next `<` (not taken) to `rows`, decoding references and
    /// normalising line ends; false at anything XML or this scanner does not allow in it.
    mutating func readText(into rows: inout SheetRowBuffer) -> Bool {
        var start = position
        while position < end {
            let byte = position[0]
            if byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "<"), byte != UInt8(ascii: "&"), byte != UInt8(ascii: "]") {
                position += 1
                continue
            }
            if byte >= 0x80 {
                guard skipCharacter() else { return false }
                continue
            }
            if byte == 0x09 || byte == 0x0A {
                position += 1
                continue
            }
            if byte == UInt8(ascii: "]") {
                // `]]>` may not appear in text.
                if end - position >= 3, position[1] == UInt8(ascii: "]"), position[2] == UInt8(ascii: ">") { return false }
                position += 1
                continue
            }
            rows.appendText(UnsafeBufferPointer(start: start, count: position - start))
            switch byte {
            case UInt8(ascii: "<"):
                return true
            case UInt8(ascii: "&"):
                guard let decoded = reference() else { return false }
                withUnsafeBytes(of: decoded.bytes) { rows.appendText(UnsafeBufferPointer(rebasing: $0.assumingMemoryBound(to: UInt8.self)[..<decoded.count])) }
            case 0x0D:
                // `\r\n` and a lone `\r` are both a line feed.
                position += 1
                if position < end, position[0] == 0x0A { position += 1 }
                withUnsafeBytes(of: UInt8(0x0A)) { rows.appendText($0.assumingMemoryBound(to: UInt8.self)) }
            default:
                return false
            }
            start = position
        }
        return false
    }

    /// The UTF-8 bytes of the reference at the cursor (`&amp;`, `&#233;`, `&#x20AC;`), moving
    /// past it; nil for any other entity or a character XML does not allow.
    private mutating func reference() -> (bytes: (UInt8, UInt8, UInt8, UInt8), count: Int)? {
        position += 1
        let start = position
        while position < end, position - start <= 10, position[0] != UInt8(ascii: ";") { position += 1 }
        guard position < end, position[0] == UInt8(ascii: ";") else { return nil }
        let body = UnsafeBufferPointer(start: start, count: position - start)
        position += 1
        let scalar: UInt32
        if body.count >= 2, body[0] == UInt8(ascii: "#") {
            let isHex = body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(isHex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8 else { return nil }
            var value: UInt32 = 0
            for byte in digits {
                guard let digit = Self.digit(byte, hex: isHex) else { return nil }
                value = value * (isHex ? 16 : 10) + digit
            }
            scalar = value
        } else {
            switch String(decoding: body, as: UTF8.self) {
            case "lt": scalar = 0x3C
            case "gt": scalar = 0x3E
            case "amp": scalar = 0x26
            case "quot": scalar = 0x22
            case "apos": scalar = 0x27
            default: return nil
            }
        }
        guard isXMLCharacter(scalar), let unicode = Unicode.Scalar(scalar) else { return nil }
        var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &bytes) { buffer in
            UTF8.encode(unicode) { buffer[count] = $0; count += 1 }
        }
        return (bytes, count)
    }

    private static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Moves past one character written in two to four bytes of UTF-8; false when the bytes are
    /// not UTF-8 (overlong, a surrogate, beyond U+10FFFF, cut short) or not a character XML allows.
    private mutating func skipCharacter() -> Bool {
        let lead = position[0]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
        guard length > 0, lead < 0xF5, end - position >= length else { return false }
        var scalar = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = position[offset]
            guard byte & 0xC0 == 0x80 else { return false }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard scalar >= smallest, isXMLCharacter(scalar) else { return false }
        position += length
        return true
    }
}

@inline(__always)
private func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
}

@inline(__always)
private func isNameStart(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
}

@inline(__always)
private func isNameRest(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
}

/// XML 1.0's `Char`: tab, line feed, carriage return, and U+0020 up, less the surrogates,
/// U+FFFE and U+FFFF.
private func isXMLCharacter(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
}
