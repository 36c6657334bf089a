import Foundation

/// The content of a large SpreadsheetML table, parsed a stretch at a time on two threads, each
/// stretch by the row scanner (``SpreadsheetMLRowScanner``) when it is nothing but plain rows,
/// else by a libxml2 parser of its own inside the table's start and end tags.
///
/// libxml2 was 70% of the parsing thread of a million-row register, and that thread the critical
/// path of its load (7.3 s of CPU in an 8.8 s load, perf); two parsers on its two halves took
/// 2.5 s where one took 4.9 s (a C program with empty handlers). The stretches are parsed in
/// turns, even ones on the sheet's thread and odd ones on a helper, and handed over in order,
/// one block of rows each, so memory stays flat.
///
/// Nothing is taken on trust. A stretch starts where the text `<Row` does. The scanner reads it
/// only when it is whole rows, in the namespaces declared around the table; libxml2 parses it
/// after the prologue, workbook, worksheet and table start tags as the file writes them (with
/// the namespaces they declare) and before their end tags, so it parses as the file's own bytes
/// do only when it is a plain run of the table's children. Anything else — a parse error, a row
/// placed by `ss:Index` or `ss:Span` (it depends on the rows before), the table's own end tag
/// before the stretch's last, `<Row` inside a comment — and the whole file is parsed again in
/// order, handing over only the rows not handed over yet: rows, lines and errors are then those
/// of one parse, by construction.
struct SpreadsheetMLTableStretches: Sendable {
    /// Thrown by a stretch's parser when the stretch is not a plain run of rows.
    struct NotPlain: Error {}

    /// A stretch parsed: its rows (numbered from 1), how many rows it spans (blank ones
    /// included), where the next one starts (nil when it runs to the end of the file), whether
    /// it is a plain run of rows, and whether the row scanner read it (rather than libxml2).
    struct Stretch: Sendable {
        let block: SheetRowBlock
        let rows: Int
        let end: Int?
        let isPlain: Bool
        let isScanned: Bool
    }

    let path: String
    /// The worksheet asked for, in lower case, and the one read.
    let preferredWorksheet: String
    let worksheet: String
    let width: Int
    let widthDeclared: Bool
    /// Where the table's content starts in the file: just after its start tag.
    let contentStart: Int
    let fileSize: Int
    let stretchBytes: Int
    /// What opens a stretch (the prologue and the enclosing start tags) and what closes it.
    let prefix: [UInt8]
    let suffix: [UInt8]
    /// The namespaces declared around the table, the outermost first (what the row scanner
    /// resolves prefixes with).
    let namespaces: [XMLNamespaceDeclaration]

    /// An element around the table as the file writes it: its start tag with the namespaces it
    /// declares (and none of its other attributes), and its end tag.
    struct EnclosingElement {
        let startTag: String
        let endTag: String
        let namespaces: [XMLNamespaceDeclaration]

        init(_ element: XMLElementStart) {
            startTag = element.startTagWithDeclarations
            endTag = "</\(element.qualifiedName)>"
            namespaces = element.namespaceDeclarations
        }
    }

    /// The stretches of a table whose start tag ends at byte `tagEnd` (its `>`), inside
    /// `enclosingElements` (the workbook, the worksheet, the table); nil when its content is
    /// shorter than `splitAbove`, or the table has none (`<Table/>`).
    init?(path: String, preferredWorksheet: String, worksheet: String, width: Int, widthDeclared: Bool, tagEnd: Int,
          enclosingElements: [EnclosingElement], splitAbove: Int, stretchBytes: Int) {
        var status = stat()
        let contentStart = tagEnd + 1
        guard enclosingElements.count == 3, stat(path, &status) == 0, Int(status.st_size) - contentStart >= splitAbove,
              Self.bytes(of: path, at: tagEnd, count: 1) == [UInt8(ascii: ">")] else { return nil }
        self.path = path
        self.preferredWorksheet = preferredWorksheet
        self.worksheet = worksheet
        self.width = width
        self.widthDeclared = widthDeclared
        self.contentStart = contentStart
        fileSize = Int(status.st_size)
        self.stretchBytes = stretchBytes
        prefix = Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + enclosingElements.map(\.startTag).joined()).utf8)
        suffix = Array(enclosingElements.reversed().map(\.endTag).joined().utf8)
        namespaces = enclosingElements.flatMap(\.namespaces)
    }

    /// How a table's content was parsed: how many stretches in turns (and how many of them the
    /// row scanner read), and the one (counting from 0) that was not a plain run of rows, after
    /// which the file was parsed again, if any.
    struct Summary: Equatable {
        var inTurns = 0
        var scanned = 0
        var inOrderFrom: Int?
    }

    /// Parses the table's content, handing its rows over through `rowBuffer` in order.
    func parse(into rowBuffer: inout SheetRowBuffer) throws -> Summary {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw readError() }
        defer { close(descriptor) }
        let table = self
        let spareBlocks = rowBuffer.spareBlocks
        var helper: ReadAheadThread<Stretch>? = ReadAheadThread(name: "enthuse.sheet.odd", capacity: 4, recycling: 1) { deliver, _ in
            let scanner = table.rowScanner()
            var index = 1
            while let start = try table.start(ofStretch: index, in: descriptor) {
                let stretch = try table.parseStretch(index, from: start, descriptor: descriptor, scanner: scanner, into: spareBlocks())
                guard deliver(stretch), stretch.end != nil else { return }
                index += 2
            }
        }
        // The helper is stopped and waited for before the file closes.
        defer { helper = nil }
        let scanner = rowScanner()
        var nextRow = 1
        var index = 0
        var summary = Summary()
        // Each stretch starts where the one before ended; the helper finds its own starts.
        var next: Int? = contentStart
        while let start = next {
            let stretch = index.isMultiple(of: 2) ? try parseStretch(index, from: start, descriptor: descriptor, scanner: scanner, into: spareBlocks())
                : try helper?.next()
            guard let stretch, stretch.isPlain, stretch.rows <= ColumnLetters.maxRow - nextRow + 1 else {
                helper = nil
                let again = try SpreadsheetMLWorksheet(again: self, resumingAt: nextRow, rowBuffer: rowBuffer.connectedCopy())
                try again.parseSheet()
                try again.rowBuffer.end()
                summary.inOrderFrom = index
                return summary
            }
            let rows = stretch.block.rows
            for row in 0..<rows.count { rows.base[row].number += nextRow - 1 }
            try rowBuffer.send(stretch.block)
            nextRow += stretch.rows
            summary.inTurns += 1
            if stretch.isScanned { summary.scanned += 1 }
            next = stretch.end
            index += 1
        }
        return summary
    }

    /// A scanner for this table's stretches, for one thread.
    private func rowScanner() -> SpreadsheetMLRowScanner {
        SpreadsheetMLRowScanner(namespaces: namespaces, width: width, maxBytes: max(4 * stretchBytes, 64 * 1024))
    }

    /// Parses stretch `index`, which starts at byte `start`, into `block`: with `scanner` when it
    /// can read it, else with libxml2. The last stretch, which holds the rest of the file after
    /// the table, is always libxml2's.
    private func parseStretch(_ index: Int, from start: Int, descriptor: Int32, scanner: SpreadsheetMLRowScanner,
                              into block: SheetRowBlock) throws -> Stretch {
        let end = try self.start(ofStretch: index + 1, in: descriptor)
        if let end {
            var rows = SheetRowBuffer(collectingInto: block)
            if let count = try scanner.scan(descriptor, from: start, to: end, into: &rows) {
                return Stretch(block: block, rows: count, end: end, isPlain: true, isScanned: true)
            }
            block.removeAll()
        }
        let handler = SpreadsheetMLWorksheet(stretchOf: self, descriptor: descriptor, from: start, to: end,
                                             rowBuffer: SheetRowBuffer(collectingInto: block))
        var isPlain = true
        do {
            try handler.parser.parse()
        } catch {
            // Whatever went wrong is found again, and said exactly, by the parse of the file.
            isPlain = false
        }
        return Stretch(block: handler.rowBuffer.collected, rows: handler.nextRow - 1, end: end, isPlain: isPlain, isScanned: false)
    }

    /// Where stretch `index` starts: the table's content for the first, else the first `<Row`
    /// tag at or after `index` × `stretchBytes` into it; nil when there is none. Read 4 KiB at a
    /// time: a row's tag is rarely further than a row away.
    private func start(ofStretch index: Int, in descriptor: Int32) throws -> Int? {
        if index == 0 { return contentStart }
        let pattern = Array("<Row".utf8)
        var position = contentStart + index * stretchBytes
        var window = [UInt8](repeating: 0, count: 4 * 1024)
        while position < fileSize {
            let count = window.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
            guard count >= 0 else { throw readError() }
            // A match must have the byte after it in the window; the last bytes are looked at again.
            let searchable = count - pattern.count
            if searchable <= 0 { return nil }
            for offset in 0..<searchable where window[offset] == pattern[0] {
                guard window[offset + 1] == pattern[1], window[offset + 2] == pattern[2], window[offset + 3] == pattern[3] else { continue }
                switch window[offset + 4] {
                case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/"): return position + offset
                default: continue
                }
            }
            position += searchable
        }
        return nil
    }

    private static func bytes(of path: String, at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0 else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        return read == count ? bytes : nil
    }

    private func readError() -> XMLReadError {
        XMLReadError(.cannotOpen, file: path, line: nil, "cannot read the file: \(String(cString: strerror(errno)))")
    }
}
