import Foundation

/// A worksheet parser that parses its sheet in one go, handing rows over as it completes them.
protocol SheetRowParser: AnyObject {
    /// The name of the worksheet read; known once the rows have begun (``SheetRowBuffer/begin()``).
    var worksheet: String { get }
    /// Where it builds its rows.
    var rowBuffer: SheetRowBuffer { get set }
    /// Parses the sheet from the start of the file to its end, calling the row buffer's `begin()`
    /// where the rows start.
    func parseSheet() throws
}

/// Where a worksheet parser builds its rows, one at a time, into blocks it hands over when full.
///
/// A row is started with its number and width, and its cells are set by column; text that comes
/// in pieces goes straight in (``appendText(_:)``) and is made a cell's afterwards
/// (``setCell(_:textFrom:)``). A finished row of blanks is no record and is dropped.
struct SheetRowBuffer {
    /// Hands a block over; false once the reading side has gone.
    typealias Deliver = (SheetRowBlock) -> Bool
    /// A block the reading side is done with, when there is one (from any thread).
    typealias Reuse = @Sendable () -> SheetRowBlock?

    private var block = SheetRowBlock()
    private var hasBegun = false
    /// Whether a full block is handed over; when not, every row stays in the one block.
    private var sendsFullBlocks = true
    private var deliver: Deliver = { _ in true }
    private var reuse: Reuse = { nil }

    init() {}

    /// A buffer that keeps every row in `block`, handing nothing over.
    init(collectingInto block: SheetRowBlock) {
        self.block = block
        sendsFullBlocks = false
        hasBegun = true
    }

    /// An empty buffer that hands blocks over as this one does, its rows already begun.
    func connectedCopy() -> SheetRowBuffer {
        var copy = SheetRowBuffer()
        (copy.deliver, copy.reuse, copy.hasBegun) = (deliver, reuse, true)
        return copy
    }

    /// The block the rows are kept in.
    var collected: SheetRowBlock { block }

    /// Used blocks to build in, emptied, or new ones: a function any thread may call.
    var spareBlocks: @Sendable () -> SheetRowBlock {
        let reuse = reuse
        return {
            let spare = reuse() ?? SheetRowBlock()
            spare.removeAll()
            return spare
        }
    }

    /// Hands over `full`, a block built elsewhere. Throws ``XMLParseStop`` once the reading side
    /// has gone.
    func send(_ full: SheetRowBlock) throws {
        guard deliver(full) else { throw XMLParseStop() }
    }

    /// The row being built: its number, its first cell and the first of its bytes in the block.
    private(set) var number = 0
    private var width = 0
    private var firstCell = 0
    private var firstByte = 0
    /// Whether a cell holds anything but blanks: a row without one is not a record.
    private var hasContent = false

    /// From now on, sends blocks through `deliver` and takes used ones from `reuse`.
    mutating func connect(deliver: @escaping Deliver, reuse: @escaping Reuse) {
        (self.deliver, self.reuse) = (deliver, reuse)
    }

    /// Marks where the sheet's rows begin with an empty block, for the reading side to know the
    /// sheet's head is good. Throws ``XMLParseStop`` once the reading side has gone.
    mutating func begin() throws {
        guard !hasBegun else { return }
        hasBegun = true
        try send()
    }

    /// Starts row `number` of a sheet `width` columns wide, every cell empty.
    mutating func startRow(number: Int, width: Int) {
        self.number = number
        self.width = width
        firstCell = block.cells.count
        firstByte = block.bytes.count
        hasContent = false
        block.cells.append(repeating: SheetRowBlock.Cell(start: 0, count: 0), count: width)
    }

    /// Puts `text` in the cell at `index` (0-based), which must lie within the width.
    mutating func set(_ index: Int, utf8 text: UnsafeBufferPointer<UInt8>) {
        let start = textStart
        appendText(text)
        setCell(index, textFrom: start)
    }

    mutating func set(_ index: Int, _ text: String) {
        var text = text
        text.withUTF8 { set(index, utf8: $0) }
    }

    /// Where text appended from now on starts.
    var textStart: Int { block.bytes.count }

    /// Appends text for a cell: the cell is set afterwards, from where its text started.
    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        block.bytes.append(contentsOf: text)
    }

    /// The text appended since `start`.
    func text(from start: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: block.bytes.base + start, count: block.bytes.count - start)
    }

    /// Drops the text appended since `start`.
    mutating func dropText(from start: Int) {
        block.bytes.truncate(to: start)
    }

    /// Makes the text appended since `start` the cell at `index` (0-based, within the width).
    mutating func setCell(_ index: Int, textFrom start: Int) {
        precondition(index < width, "a cell beyond the sheet's width")
        let text = text(from: start)
        block.cells.base[firstCell + index] = SheetRowBlock.Cell(start: start, count: text.count)
        if !hasContent {
            hasContent = text.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        }
    }

    /// Makes the text appended since `start` the cell at `index`, as ``setCell(_:textFrom:)``
    /// does, except that a SpreadsheetML `Boolean`'s `1` or `0` becomes `TRUE` or `FALSE`.
    mutating func setCell(_ index: Int, textFrom start: Int, isBoolean: Bool) {
        let text = text(from: start)
        guard isBoolean, text.count == 1, text[0] == UInt8(ascii: "1") || text[0] == UInt8(ascii: "0") else {
            return setCell(index, textFrom: start)
        }
        let isTrue = text[0] == UInt8(ascii: "1")
        dropText(from: start)
        set(index, isTrue ? "TRUE" : "FALSE")
    }

    /// Drops the row being built.
    mutating func dropRow() {
        block.cells.truncate(to: firstCell)
        block.bytes.truncate(to: firstByte)
    }

    /// Keeps the row when it has content, handing over a full block. Throws ``XMLParseStop``
    /// once the reading side has gone.
    mutating func finishRow() throws {
        guard hasContent else { return dropRow() }
        block.rows.append(SheetRowBlock.Row(number: number, firstCell: firstCell, width: width))
        if sendsFullBlocks, block.isFull { try send() }
    }

    /// Hands over the rows finished since the last block, once the parse has ended.
    mutating func end() throws {
        if !hasBegun || block.rows.count > 0 { try send() }
        hasBegun = true
    }

    private mutating func send() throws {
        let full = block
        block = reuse() ?? SheetRowBlock()
        block.removeAll()
        guard deliver(full) else { throw XMLParseStop() }
    }
}

/// Parses a worksheet on a thread of its own while the reading thread validates the rows parsed
/// before: a spreadsheet's records then cost the reading thread only their validation.
///
/// A perf profile of a 100,000-row SpreadsheetML register had the reading thread busy for 1.6 s
/// (libxml2 and the sheet's handler 1.1 s of it) while the loading thread inserted for 0.55 s.
/// Blocks of rows go through a ``ReadAheadThread`` and come back to be reused, so memory stays
/// flat. The parser belongs to the parsing thread once this starts: nothing else touches it.
final class SheetReadAhead {
    /// Holds the parser for the parsing thread, which lets it go before it stops.
    private final class ParserBox: @unchecked Sendable {
        // @unchecked: handed from the creating thread to the parsing thread once, before it starts.
        var parser: (any SheetRowParser)?
        init(_ parser: any SheetRowParser) { self.parser = parser }
    }

    private let thread: ReadAheadThread<SheetRowBlock>
    /// The block being read, and its buffers' addresses (which stay put until it is handed back).
    private var block: SheetRowBlock?
    private var bytes: UnsafeMutablePointer<UInt8>?
    private var cells: UnsafeMutablePointer<SheetRowBlock.Cell>?
    private var rows: UnsafeMutablePointer<SheetRowBlock.Row>?
    private var rowCount = 0
    private var index = -1

    /// Starts parsing `parser`'s sheet on a new thread and waits until its rows begin, throwing
    /// what stopped the parse before them: a file that is no workbook is refused here.
    init(_ parser: any SheetRowParser) throws {
        let box = ParserBox(parser)
        thread = ReadAheadThread(name: "enthuse.sheet", capacity: 8, recycling: 3) { deliver, reuse in
            defer { box.parser = nil }
            let parser = box.parser!
            parser.rowBuffer.connect(deliver: deliver, reuse: reuse)
            do {
                try parser.parseSheet()
                try parser.rowBuffer.end()
            } catch is XMLParseStop {
                // The reading side has gone.
            }
        }
        if let first = try thread.next() { read(first) }
    }

    /// Moves to the next row; false at the end of the sheet. Throws what stopped the parse.
    func next() throws -> Bool {
        while index + 1 >= rowCount {
            // The last block stays, so that the last row can still be asked for.
            guard let delivered = try thread.next() else { return false }
            read(delivered)
        }
        index += 1
        return true
    }

    private func read(_ delivered: SheetRowBlock) {
        if let used = block { thread.recycle(used) }
        block = delivered
        bytes = delivered.bytes.base
        cells = delivered.cells.base
        rows = delivered.rows.base
        rowCount = delivered.rows.count
        index = -1
    }

    /// The current row's number and width.
    var line: Int { rows![index].number }
    var width: Int { rows![index].width }

    /// Calls `body` with field `field` of the current row, in place.
    func withField<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let cell = cells![rows![index].firstCell + field]
        return body(UnsafeBufferPointer(start: bytes! + cell.start, count: cell.count))
    }

    /// The row as one line of CSV, with the cells at `masked` indexes replaced by `«masked»`.
    func rawText(masking masked: Set<Int>) -> String {
        (0..<width).map { field in
            masked.contains(field) ? "«masked»" : CSVText.quoted(withField(field) { String(decoding: $0, as: UTF8.self) })
        }.joined(separator: ",")
    }
}

/// Records of a worksheet whose rows a ``SheetRowParser`` parses on a thread of its own: what the
/// SpreadsheetML and .xlsx record sources share.
public class SheetRecordSource: RecordSource {
    /// The name of the worksheet being read.
    public let worksheet: String
    private let rows: SheetReadAhead

    /// The current record's row number and width (the last record's, once there are no more).
    public private(set) var line = 0
    public private(set) var fieldCount = 0
    public var recordProblem: String? { nil }
    public var bytesRead: Int { 0 }
    public var fixedHeader: [String]? { nil }

    /// Starts `parser` on its thread and waits for its sheet's head.
    init(parser: any SheetRowParser) throws {
        rows = try SheetReadAhead(parser)
        // The parsing thread chose the worksheet before the rows began, and the hand-over of that
        // first batch orders its write before this read; it never changes the name afterwards.
        worksheet = parser.worksheet
    }

    public func next() throws -> Bool {
        guard try rows.next() else { return false }
        line = rows.line
        fieldCount = rows.width
        return true
    }

    public func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        .success(rows.withField(index, body))
    }

    public func rawText(masking masked: Set<Int>) -> String {
        rows.rawText(masking: masked)
    }
}
