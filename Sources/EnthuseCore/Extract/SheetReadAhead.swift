import Foundation

/// A worksheet parser that hands over its rows a chunk of the file at a time.
protocol SheetRowParser: AnyObject {
    /// Parses the next chunk, appending the rows with content it completed to `rows`, each made
    /// from `spares` where it can; false once the sheet has been parsed to the end.
    func parseChunk(into rows: inout [SheetRow], spares: inout [SheetRow]) throws -> Bool
}

/// Parses a worksheet on a thread of its own while the reading thread validates the rows parsed
/// before: a spreadsheet's records then cost the reading thread only their validation.
///
/// A perf profile of a 100,000-row SpreadsheetML register had the reading thread busy for 1.6 s
/// (libxml2 and the sheet's handler 1.1 s of it) while the loading thread inserted for 0.55 s;
/// CSV needs no such thread, its reader being a tenth of that. Chunks of rows go through a
/// bounded ``HandOff`` and come back to be reused, so memory stays flat. The parser belongs to
/// the parsing thread once this starts: nothing else touches it.
final class SheetReadAhead {
    private enum Delivery: Sendable {
        case rows([SheetRow])
        case finished
        case failed(any Error)
    }

    /// Holds the parser for the parsing thread, which lets it go before saying it has stopped.
    private final class ParserBox: @unchecked Sendable {
        // @unchecked: handed from the creating thread to the parsing thread once, before it starts.
        var parser: (any SheetRowParser)?
        init(_ parser: any SheetRowParser) { self.parser = parser }
    }

    private let deliveries = HandOff<Delivery>(capacity: 4)
    private let recycled = HandOff<[SheetRow]>(capacity: 8)
    private let stopped = DispatchSemaphore(value: 0)
    private var rows: [SheetRow] = []
    private var index = -1
    private var finished = false

    /// Starts parsing the rest of `parser`'s sheet on a new thread.
    init(_ parser: any SheetRowParser) {
        let box = ParserBox(parser)
        let deliveries = deliveries, recycled = recycled, stopped = stopped
        let thread = Thread {
            Self.parse(box, into: deliveries, recycled: recycled)
            box.parser = nil
            stopped.signal()
        }
        thread.name = "enthuse.sheet"
        thread.start()
    }

    /// Stops the parsing thread and waits until it has let the parser (and its file) go.
    deinit {
        deliveries.cancel()
        recycled.cancel()
        stopped.wait()
    }

    private static func parse(_ box: ParserBox, into deliveries: HandOff<Delivery>, recycled: HandOff<[SheetRow]>) {
        guard let parser = box.parser else { return }
        var spares: [SheetRow] = []
        do {
            while true {
                while spares.count < 1_024, let used = recycled.poll() { spares += used }
                var rows: [SheetRow] = []
                let more = try parser.parseChunk(into: &rows, spares: &spares)
                if !rows.isEmpty, !deliveries.put(.rows(rows)) { return }
                if !more {
                    _ = deliveries.put(.finished)
                    return
                }
            }
        } catch {
            _ = deliveries.put(.failed(error))
        }
    }

    /// Moves to the next row; false at the end of the sheet. Throws what stopped the parse.
    func next() throws -> Bool {
        if index + 1 < rows.count {
            index += 1
            return true
        }
        guard !finished else { return false }
        if !rows.isEmpty { _ = recycled.offer(rows) }
        rows = []
        index = -1
        switch deliveries.take() {
        case let .rows(delivered):
            rows = delivered
            index = 0
            return true
        case .finished:
            finished = true
            return false
        case let .failed(error):
            finished = true
            throw error
        }
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
