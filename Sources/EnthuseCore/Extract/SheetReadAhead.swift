import Foundation

/// A worksheet parser that completes rows a chunk of the file at a time.
protocol SheetRowParser: AnyObject {
    /// The rows it completed and has not handed over, and used rows to build new ones in.
    var rowBuffer: SheetRowBuffer { get set }
    /// Parses the next chunk of the sheet; false once it has been parsed to the end.
    func parseNextChunk() throws -> Bool
}

/// The rows a worksheet parser has completed since it last handed them over, and used rows whose
/// buffers it builds new rows in.
struct SheetRowBuffer {
    private var completed: [SheetRow] = []
    private var spares: [SheetRow] = []

    /// Keeps `row` when it has content (a row of blanks is no record); `row` becomes a used one
    /// to build the next row in.
    mutating func finish(_ row: inout SheetRow) {
        guard row.hasContent else { return }
        completed.append(row)
        row = spares.popLast() ?? SheetRow()
    }

    /// Moves the completed rows to the end of `rows`.
    mutating func handOver(to rows: inout [SheetRow]) {
        rows += completed
        completed.removeAll(keepingCapacity: true)
    }

    /// Takes rows that have been read, to build new rows in (up to a thousand are kept).
    mutating func reuse(_ used: [SheetRow]) {
        spares += used.prefix(max(0, 1_024 - spares.count))
    }
}

/// Parses a worksheet on a thread of its own while the reading thread validates the rows parsed
/// before: a spreadsheet's records then cost the reading thread only their validation.
///
/// A perf profile of a 100,000-row SpreadsheetML register had the reading thread busy for 1.6 s
/// (libxml2 and the sheet's handler 1.1 s of it) while the loading thread inserted for 0.55 s.
/// Chunks of rows go through a ``ReadAheadThread`` and come back to be reused, so memory stays
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

    /// Starts parsing the rest of `parser`'s sheet on a new thread.
    init(_ parser: any SheetRowParser) {
        let box = ParserBox(parser)
        thread = ReadAheadThread(name: "enthuse.sheet", capacity: 4, recycling: 8) { deliver, reuse in
            defer { box.parser = nil }
            try Self.parse(box.parser!, deliver: deliver, reuse: reuse)
        }
    }

    private static func parse(_ parser: any SheetRowParser, deliver: ([SheetRow]) -> Bool, reuse: () -> [SheetRow]?) throws {
        while true {
            while let used = reuse() { parser.rowBuffer.reuse(used) }
            let more = try parser.parseNextChunk()
            var rows: [SheetRow] = []
            parser.rowBuffer.handOver(to: &rows)
            if !rows.isEmpty, !deliver(rows) { return }
            if !more { return }
        }
    }

    /// Moves to the next row; false at the end of the sheet. Throws what stopped the parse.
    func next() throws -> Bool {
        if index + 1 < rows.count {
            index += 1
            return true
        }
        guard let delivered = try thread.next() else { return false }
        if !rows.isEmpty { thread.recycle(rows) }
        rows = delivered
        index = 0
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

    init(worksheet: String, parser: any SheetRowParser) {
        self.worksheet = worksheet
        rows = SheetReadAhead(parser)
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
