import Foundation

/// A worksheet parser that parses its sheet in one go, handing rows over as it completes them.
protocol SheetRowParser: AnyObject {
    /// The name of the worksheet read; known once the rows have begun (``SheetRowBuffer/begin()``).
    var worksheet: String { get }
    /// Where it puts the rows it completes.
    var rowBuffer: SheetRowBuffer { get set }
    /// Parses the sheet from the start of the file to its end, calling the row buffer's `begin()`
    /// where the rows start.
    func parseSheet() throws
}

/// The rows a worksheet parser has completed and not yet handed over, and used rows whose
/// buffers it builds new rows in. Rows go over in batches of ``batchSize``.
struct SheetRowBuffer {
    static let batchSize = 256

    /// Hands a batch over; false once the reading side has gone.
    typealias Deliver = ([SheetRow]) -> Bool
    /// A batch the reading side is done with, when there is one.
    typealias Reuse = () -> [SheetRow]?

    private var completed: [SheetRow] = []
    private var spares: [SheetRow] = []
    private var hasBegun = false
    private var deliver: Deliver = { _ in true }
    private var reuse: Reuse = { nil }

    /// From now on, sends batches through `deliver` and takes used rows from `reuse`.
    mutating func connect(deliver: @escaping Deliver, reuse: @escaping Reuse) {
        (self.deliver, self.reuse) = (deliver, reuse)
    }

    /// Marks where the sheet's rows begin with an empty batch, for the reading side to know the
    /// sheet's head is good. Throws ``XMLParseStop`` once the reading side has gone.
    mutating func begin() throws {
        guard !hasBegun else { return }
        hasBegun = true
        try send()
    }

    /// Keeps `row` when it has content (a row of blanks is no record), handing over a full batch;
    /// `row` becomes a used one to build the next row in. Throws ``XMLParseStop`` once the
    /// reading side has gone.
    mutating func finish(_ row: inout SheetRow) throws {
        guard row.hasContent else { return }
        completed.append(row)
        row = spares.popLast() ?? SheetRow()
        if completed.count == Self.batchSize { try send() }
    }

    /// Hands over the rows completed since the last batch, once the parse has ended.
    mutating func end() throws {
        if !hasBegun || !completed.isEmpty { try send() }
        hasBegun = true
    }

    private mutating func send() throws {
        // Up to four batches of used rows are kept to build in.
        while let used = reuse() { spares += used.prefix(max(0, 4 * Self.batchSize - spares.count)) }
        let batch = completed
        completed = []
        completed.reserveCapacity(Self.batchSize)
        guard deliver(batch) else { throw XMLParseStop() }
    }
}

/// Parses a worksheet on a thread of its own while the reading thread validates the rows parsed
/// before: a spreadsheet's records then cost the reading thread only their validation.
///
/// A perf profile of a 100,000-row SpreadsheetML register had the reading thread busy for 1.6 s
/// (libxml2 and the sheet's handler 1.1 s of it) while the loading thread inserted for 0.55 s.
/// Batches of rows go through a ``ReadAheadThread`` and come back to be reused, so memory stays
/// flat. The parser belongs to the parsing thread once this starts: nothing else touches it.
final class SheetReadAhead {
    /// Holds the parser for the parsing thread, which lets it go before it stops.
    private final class ParserBox: @unchecked Sendable {
        // @unchecked: handed from the creating thread to the parsing thread once, before it starts.
        var parser: (any SheetRowParser)?
        init(_ parser: any SheetRowParser) { self.parser = parser }
    }

    private let thread: ReadAheadThread<[SheetRow]>
    private var rows: [SheetRow] = []
    private var index = -1

    /// Starts parsing `parser`'s sheet on a new thread and waits until its rows begin, throwing
    /// what stopped the parse before them: a file that is no workbook is refused here.
    init(_ parser: any SheetRowParser) throws {
        let box = ParserBox(parser)
        thread = ReadAheadThread(name: "enthuse.sheet", capacity: 4, recycling: 8) { deliver, reuse in
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
        rows = try thread.next() ?? []
    }

    /// Moves to the next row; false at the end of the sheet. Throws what stopped the parse.
    func next() throws -> Bool {
        while index + 1 >= rows.count {
            guard let delivered = try thread.next() else { return false }
            if !rows.isEmpty { thread.recycle(rows) }
            rows = delivered
            index = -1
        }
        index += 1
        return true
    }

    /// The current row's number and width.
    var line: Int { rows[index].number }
    var width: Int { rows[index].width }

    /// Calls `body` with field `field` of the current row, in place.
    func withField<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        rows.withUnsafeBufferPointer { $0[index].withField(field, body) }
    }

    func rawText(masking masked: Set<Int>) -> String {
        rows[index].rawText(masking: masked)
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
