import Foundation

/// Scans a CSV file on a thread of its own, a block of records at a time, while the reading
/// thread validates the records scanned before: the CSV counterpart of ``SheetReadAhead``.
///
/// In a perf profile of a 1,000,000-row register, once the loading thread's inserts had become
/// cheaper, the reading thread was the critical path (3.2 s against the loader's 2.1 s) and
/// scanning the CSV was 0.45 s of it. Here the scan runs beside validation and loading, the three
/// sharing the two cores. Each record is copied out of the reader's buffer (its exact bytes, and
/// a field's unescaped text when it held `""`) into a block; blocks go through a
/// ``ReadAheadThread`` and come back to be reused, so memory stays flat. The reader belongs to
/// the scanning thread once this starts: nothing else touches it.
final class CSVReadAhead {
    /// Records copied out of the reader, in buffers of its own that the validating thread reads
    /// through plain pointers: as arrays, each field read cost a retain and a release of three of
    /// them (~0.1 s of a 1,000,000-row register in a perf profile).
    final class Block: @unchecked Sendable {
        // @unchecked: one thread owns a block at a time, and the hand-off passes it on.
        /// Each record's bytes as they stood in the file, then the text of fields that are not a
        /// run of them (a field with `""` or text after its closing quote).
        fileprivate var bytes = PlainBuffer<UInt8>(capacity: 80 << 10)
        fileprivate var records = PlainBuffer<Record>(capacity: CSVReadAhead.recordsPerBlock)
        fileprivate var fields = PlainBuffer<Field>(capacity: 16 * CSVReadAhead.recordsPerBlock)
        /// The problems of the records that have one, by index.
        fileprivate var problems: [Int: String] = [:]
        /// The reader's `bytesRead` once the block's last record was scanned.
        fileprivate var bytesRead = 0

        fileprivate func removeAll() {
            bytes.removeAll()
            records.removeAll()
            fields.removeAll()
            problems.removeAll()
        }

        deinit {
            bytes.deallocate()
            records.deallocate()
            fields.deallocate()
        }
    }

    fileprivate struct Record {
        var line: Int
        var rawStart: Int
        var rawCount: Int
        var firstField: Int
        var fieldCount: Int
    }

    fileprivate struct Field {
        var start: Int32
        var count: Int32
    }

    /// Holds the reader for the scanning thread, which lets it go before it stops.
    private final class ReaderBox: @unchecked Sendable {
        // @unchecked: handed from the creating thread to the scanning thread once, before it starts.
        var reader: CSVReader?
        init(_ reader: CSVReader) { self.reader = reader }
    }

    /// A block is handed over at this many records or bytes, whichever comes first: the five
    /// blocks at most in flight stay around half a megabyte.
    static let recordsPerBlock = 256
    static let bytesPerBlock = 64 << 10

    private let thread: ReadAheadThread<Block>
    /// The block being read, and its buffers' addresses (which stay put until it is handed back).
    private var block: Block?
    private var bytes: UnsafeMutablePointer<UInt8>?
    private var records: UnsafeMutablePointer<Record>?
    private var fields: UnsafeMutablePointer<Field>?
    private var recordCount = 0
    private var index = -1

    /// Starts scanning the rest of `reader`'s file on a new thread.
    init(_ reader: CSVReader) {
        let box = ReaderBox(reader)
        thread = ReadAheadThread(name: "enthuse.csv", capacity: 2, recycling: 1) { deliver, reuse in
            defer { box.reader = nil }
            try Self.scan(box.reader!, deliver: deliver, reuse: reuse)
        }
    }

    private static func scan(_ reader: CSVReader, deliver: (Block) -> Bool, reuse: () -> Block?) throws(CSVError) {
        var block = Block()
        do throws(CSVError) {
            while try reader.next() {
                copy(reader, into: block)
                if block.records.count >= recordsPerBlock || block.bytes.count >= bytesPerBlock {
                    block.bytesRead = reader.bytesRead
                    guard deliver(block) else { return }
                    block = reuse() ?? Block()
                    block.removeAll()
                }
            }
        } catch {
            // The records before the error, then the error.
            if block.records.count > 0, !deliver(block) { return }
            throw error
        }
        block.bytesRead = reader.bytesRead
        if block.records.count > 0 { _ = deliver(block) }
    }

    /// Appends the reader's current record to `block`: its bytes, and where each field's text is.
    private static func copy(_ reader: CSVReader, into block: Block) {
        let rawStart = block.bytes.count
        let rawRange = reader.withRawRecord { raw -> Range<UInt> in
            block.bytes.append(contentsOf: raw)
            let base = UInt(bitPattern: raw.baseAddress)
            return base ..< base + UInt(raw.count)
        }
        let firstField = block.fields.count
        for index in 0 ..< reader.fieldCount {
            reader.withField(index) { text in
                let start = UInt(bitPattern: text.baseAddress)
                if text.isEmpty {
                    block.fields.append(Field(start: Int32(rawStart), count: 0))
                } else if rawRange.contains(start), start + UInt(text.count) <= rawRange.upperBound {
                    block.fields.append(Field(start: Int32(rawStart + Int(start - rawRange.lowerBound)), count: Int32(text.count)))
                } else {
                    block.fields.append(Field(start: Int32(block.bytes.count), count: Int32(text.count)))
                    block.bytes.append(contentsOf: text)
                }
            }
        }
        if let problem = reader.recordProblem { block.problems[block.records.count] = problem }
        block.records.append(Record(line: reader.line, rawStart: rawStart, rawCount: rawRange.count, firstField: firstField,
                                    fieldCount: reader.fieldCount))
    }

    /// Moves to the next record; false at the end of the file. Throws what stopped the scan (a
    /// ``CSVError``).
    func next() throws -> Bool {
        if index + 1 < recordCount {
            index += 1
            return true
        }
        // The last block stays, so that the last record's line can still be asked for.
        guard let delivered = try thread.next() else { return false }
        if let used = block { thread.recycle(used) }
        block = delivered
        bytes = delivered.bytes.base
        records = delivered.records.base
        fields = delivered.fields.base
        recordCount = delivered.records.count
        index = 0
        return true
    }

    /// The current record's first line, its width and its problem (see ``CSVReader``).
    var line: Int { records![index].line }
    var fieldCount: Int { records![index].fieldCount }
    var recordProblem: String? { block!.problems.isEmpty ? nil : block!.problems[index] }
    /// How many bytes of the file had been read when the current block was scanned.
    var bytesRead: Int { block?.bytesRead ?? 0 }

    /// Calls `body` with field `field` of the current record (quotes removed, `""` unescaped).
    func withField<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let span = fields![records![index].firstField + field]
        return try body(UnsafeBufferPointer(start: bytes! + Int(span.start), count: Int(span.count)))
    }

    /// Calls `body` with the current record's exact bytes (quotes included, terminator excluded).
    func withRawRecord<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let record = records![index]
        return try body(UnsafeBufferPointer(start: bytes! + record.rawStart, count: record.rawCount))
    }
}
