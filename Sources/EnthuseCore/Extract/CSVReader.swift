/// A streaming RFC 4180 reader that exposes one record at a time as byte ranges into a reused buffer,
/// so files of any size are read in bounded memory with no heap allocation per record or field.
///
/// ```swift
/// let reader = try CSVReader(path: "/srv/enthuse/inbox/grants.csv")
/// while try reader.next() {
///     let funder = reader.withField(0) { TextDecoding.utf8($0) }
/// }
/// ```
///
/// Records end at LF, CRLF or a bare CR, mixed freely; blank lines are skipped but still counted in
/// `line`. Fields are separated by commas. A field that starts with a double quote runs to its closing
/// quote and may hold commas, line breaks and doubled quotes (`""`); a quote anywhere else is an
/// ordinary byte. Text after a closing quote is kept and reported in `recordProblem`. A UTF-8 byte
/// order mark at the very start of the file is skipped; every other byte, NUL included, is data.
///
/// Memory stays flat: the buffer holds the current record plus at most one chunk, and a record longer
/// than `maxRecordBytes` throws `CSVError.recordTooLarge` instead of growing it further.
public final class CSVReader {
    /// The 1-based physical line on which the current record starts.
    public var line: Int { scanner.pointee.recordLine }

    /// The number of fields in the current record; records are not required to agree.
    public var fieldCount: Int { scanner.pointee.fields.count }

    /// A problem in the current record that a validator should report as a row reject, or nil.
    ///
    /// Set when text follows a closing quote (`"abc"x`); the field keeps that text (`abcx`) and the
    /// record still ends at the next line terminator.
    public var recordProblem: String? { scanner.pointee.problem }

    /// Whether the file started with a UTF-8 byte order mark, which was skipped.
    public private(set) var hadBOM = false

    /// How many bytes have been read from the file so far, for progress reporting.
    public private(set) var bytesRead = 0

    private let file: InputFile
    private let maxRecordBytes: Int
    private let chunkSize: Int
    /// The current record followed by input not yet scanned; never larger than `maxRecordBytes + chunkSize`.
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    /// The offset in `buffer` of the current record's first byte.
    private var recordStart = 0
    /// The offset in `buffer` one past the last byte read.
    private var dataEnd = 0
    private var reachedEndOfFile = false
    /// The parsing state, held through a pointer because as a stored `var` every access paid a runtime
    /// exclusivity check, which made reading short rows about 1.8 times slower.
    private let scanner: UnsafeMutablePointer<RecordScanner>
    /// The error that stopped reading; every later `next()` throws it again.
    private var failure: CSVError?

    /// Opens the file at `path` and skips a leading UTF-8 byte order mark.
    ///
    /// - Parameters:
    ///   - maxRecordBytes: the longest record accepted, terminator excluded; at least 3, so that the
    ///     buffer can always hold the three bytes of a byte order mark.
    ///   - chunkSize: the most bytes each `read` asks for; at least 1.
    public init(path: String, maxRecordBytes: Int = 4 << 20, chunkSize: Int = 1 << 20) throws(CSVError) {
        precondition(maxRecordBytes >= 3, "maxRecordBytes must be at least 3")
        precondition(chunkSize >= 1, "chunkSize must be at least 1")
        file = try InputFile(path: path)
        self.maxRecordBytes = maxRecordBytes
        self.chunkSize = chunkSize
        buffer = .allocate(capacity: chunkSize)
        scanner = .allocate(capacity: 1)
        scanner.initialize(to: RecordScanner())
        while dataEnd < 3, try refill() {}
        if dataEnd >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
            hadBOM = true
            recordStart = 3
        }
    }

    deinit {
        buffer.deallocate()
        scanner.deinitialize(count: 1)
        scanner.deallocate()
    }

    /// Advances to the next record; blank lines (zero bytes between terminators) are skipped. false at end.
    ///
    /// After an error, every later call throws the same error.
    public func next() throws(CSVError) -> Bool {
        if let failure { throw failure }
        do {
            return try advance()
        } catch {
            failure = error
            throw error
        }
    }

    /// The field's bytes with quotes removed and `""` unescaped; valid only inside the closure.
    ///
    /// `index` must be less than `fieldCount`.
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let field = scanner.pointee.fields[index]
        if field.isUnescaped {
            return try scanner.pointee.unescaped.withUnsafeBufferPointer { unescaped in
                try body(UnsafeBufferPointer(rebasing: unescaped[field.start..<field.end]))
            }
        }
        return try body(UnsafeBufferPointer(rebasing: buffer[recordStart + field.start..<recordStart + field.end]))
    }

    /// The record's exact bytes as they stood in the file (quotes included, line terminator excluded).
    public func withRawRecord<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(rebasing: buffer[recordStart..<recordStart + scanner.pointee.recordLength]))
    }

    private func advance() throws(CSVError) -> Bool {
        recordStart += scanner.pointee.consumedBytes
        scanner.pointee.beginRecord()
        while true {
            if recordStart == dataEnd {
                guard try refill() else { return false }
            } else if scanner.pointee.skipsLineEnd(buffer[recordStart]) {
                recordStart += 1
            } else {
                break
            }
        }
        while !scanner.pointee.scan(unconsumedInput) {
            if dataEnd - recordStart > maxRecordBytes {
                throw .recordTooLarge(line: scanner.pointee.recordLine, limit: maxRecordBytes)
            }
            guard try refill() else {
                try scanner.pointee.finishAtEndOfFile(unconsumedInput)
                break
            }
        }
        if scanner.pointee.recordLength > maxRecordBytes {
            throw .recordTooLarge(line: scanner.pointee.recordLine, limit: maxRecordBytes)
        }
        return true
    }

    /// The bytes from the current record's start to the end of what has been read.
    private var unconsumedInput: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buffer[recordStart..<dataEnd])
    }

    /// Moves the current record to the front of the buffer and reads more of the file after it; false at end of file.
    ///
    /// The buffer doubles only when the record fills it, and never beyond `maxRecordBytes + chunkSize`:
    /// callers refill only while the record is at most `maxRecordBytes` long.
    private func refill() throws(CSVError) -> Bool {
        guard !reachedEndOfFile else { return false }
        let kept = dataEnd - recordStart
        if recordStart > 0 {
            UnsafeMutableRawPointer(buffer.baseAddress!)
                .copyMemory(from: buffer.baseAddress! + recordStart, byteCount: kept)
            recordStart = 0
            dataEnd = kept
        }
        if kept == buffer.count {
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(
                capacity: min(buffer.count * 2, maxRecordBytes + chunkSize))
            grown.baseAddress!.initialize(from: buffer.baseAddress!, count: kept)
            buffer.deallocate()
            buffer = grown
        }
        let free = UnsafeMutableBufferPointer(rebasing: buffer[kept..<min(buffer.count, kept + chunkSize)])
        let count = try file.readChunk(into: free)
        guard count > 0 else {
            reachedEndOfFile = true
            return false
        }
        dataEnd += count
        bytesRead += count
        return true
    }
}

/// Why a CSV file could not be read to the end; a bad row is not an error but a `recordProblem`.
public enum CSVError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read; `message` is the system's explanation.
    case io(path: String, message: String)
    /// A quoted field that opened on `line` is still open at the end of the file.
    case unterminatedQuote(line: Int)
    /// The record starting on `line` is longer than `limit` bytes.
    case recordTooLarge(line: Int, limit: Int)

    /// The line the problem starts on, when there is one.
    public var line: Int? {
        switch self {
        case .io: nil
        case .unterminatedQuote(let line), .recordTooLarge(let line, _): line
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let message):
            "cannot read \(path): \(message). Check that the file exists, is a regular file and is readable by this user."
        case .unterminatedQuote(let line):
            "line \(line): a quoted field opened here is never closed; the file ends inside it. Check the export for a stray double quote."
        case .recordTooLarge(let line, let limit):
            "line \(line): the record starting here is longer than \(limit) bytes, the most one record may hold. A stray double quote can swallow the rest of the file into one field: check the export, or raise the limit if records really are this long."
        }
    }
}

/// Where one field's bytes are: a range of the record, or of the scanner's unescaped side buffer.
private struct FieldSpan {
    var start: Int
    var end: Int
    /// Whether the range is in `RecordScanner.unescaped`, because the field held `""` or text after its closing quote.
    var isUnescaped: Bool
}

/// The RFC 4180 state machine: finds one record's fields in input that may arrive in several pieces,
/// and counts physical lines.
///
/// Offsets are relative to the record's first byte, so they stay valid when the reader moves the
/// record to the front of its buffer.
private struct RecordScanner {
    private enum State {
        case fieldStart, unquoted, quoted, quoteInQuoted
    }

    private(set) var fields: [FieldSpan] = []
    /// The values of fields that needed unescaping, back to back.
    private(set) var unescaped: [UInt8] = []
    private(set) var problem: String?
    private(set) var recordLine = 1
    /// The record's length without its terminator, once complete.
    private(set) var recordLength = 0
    /// The bytes of the record and its terminator, to drop before the next record.
    private(set) var consumedBytes = 0
    /// The physical line of the next byte to scan.
    private var line = 1
    /// Whether the last line ended in CR, so that an LF next completes a CRLF instead of a blank line.
    private var pendingCR = false
    private var state = State.fieldStart
    private var position = 0
    private var fieldStart = 0
    /// Whether the current quoted field holds `""` or text after its closing quote.
    private var fieldNeedsUnescaping = false
    private var quoteLine = 0

    mutating func beginRecord() {
        fields.removeAll(keepingCapacity: true)
        unescaped.removeAll(keepingCapacity: true)
        problem = nil
        recordLength = 0
        consumedBytes = 0
        state = .fieldStart
        position = 0
        fieldStart = 0
        fieldNeedsUnescaping = false
    }

    /// Consumes `byte` if it is a line terminator before any record byte (a blank line, or the LF of a
    /// CRLF); otherwise notes that the record starts on the current line and returns false.
    mutating func skipsLineEnd(_ byte: UInt8) -> Bool {
        switch byte {
        case .lf:
            if !pendingCR { line += 1 }
            pendingCR = false
            return true
        case .cr:
            line += 1
            pendingCR = true
            return true
        default:
            pendingCR = false
            recordLine = line
            return false
        }
    }

    /// Scans on from where the previous call stopped; true once the record's terminator is found.
    ///
    /// `record` runs from the record's first byte to the end of the input read so far.
    mutating func scan(_ record: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = record.count
        var i = position
        defer { position = i }
        while i < count {
            switch state {
            case .fieldStart:
                if record[i] == .quote {
                    state = .quoted
                    quoteLine = line
                    i += 1
                } else {
                    state = .unquoted
                }
            case .unquoted:
                while i < count {
                    let byte = record[i]
                    if byte > .comma {
                        i += 1
                    } else if byte == .comma {
                        closeField(record, end: i)
                        i += 1
                        fieldStart = i
                        state = .fieldStart
                        break
                    } else if byte == .lf || byte == .cr {
                        closeField(record, end: i)
                        endRecord(at: i, terminator: byte)
                        return true
                    } else {
                        i += 1
                    }
                }
            case .quoted:
                while i < count {
                    let byte = record[i]
                    i += 1
                    if byte > .quote { continue }
                    if byte == .quote {
                        state = .quoteInQuoted
                        break
                    }
                    // The opening quote precedes this byte, so `record[i - 2]` is inside the record.
                    if byte == .cr || (byte == .lf && record[i - 2] != .cr) { line += 1 }
                }
            case .quoteInQuoted:
                let byte = record[i]
                switch byte {
                case .quote:
                    fieldNeedsUnescaping = true
                    state = .quoted
                    i += 1
                case .comma:
                    closeField(record, end: i)
                    i += 1
                    fieldStart = i
                    state = .fieldStart
                case .lf, .cr:
                    closeField(record, end: i)
                    endRecord(at: i, terminator: byte)
                    return true
                default:
                    if problem == nil {
                        problem = "field \(fields.count + 1): text follows the closing quote, where only a comma or a line end may. Check the export for an unescaped double quote."
                    }
                    fieldNeedsUnescaping = true
                    state = .unquoted
                }
            }
        }
        return false
    }

    /// Completes the record at end of file, where a last record may lack its terminator.
    ///
    /// `record` must be what the last `scan` call saw.
    mutating func finishAtEndOfFile(_ record: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        if state == .quoted { throw .unterminatedQuote(line: quoteLine) }
        closeField(record, end: record.count)
        recordLength = record.count
        consumedBytes = record.count
    }

    private mutating func closeField(_ record: UnsafeBufferPointer<UInt8>, end: Int) {
        if fieldNeedsUnescaping {
            let start = unescaped.count
            appendUnescaped(record[fieldStart..<end])
            fields.append(FieldSpan(start: start, end: unescaped.count, isUnescaped: true))
            fieldNeedsUnescaping = false
        } else if state == .quoteInQuoted {
            fields.append(FieldSpan(start: fieldStart + 1, end: end - 1, isUnescaped: false))
        } else {
            fields.append(FieldSpan(start: fieldStart, end: end, isUnescaped: false))
        }
    }

    /// Appends a quoted field's value: the text between its quotes with `""` read as `"`, then any
    /// text after the closing quote as it stands.
    private mutating func appendUnescaped(_ raw: Slice<UnsafeBufferPointer<UInt8>>) {
        var inQuotes = true
        var i = raw.startIndex + 1
        while i < raw.endIndex {
            let byte = raw[i]
            i += 1
            if inQuotes && byte == .quote {
                if i < raw.endIndex && raw[i] == .quote {
                    unescaped.append(.quote)
                    i += 1
                } else {
                    inQuotes = false
                }
            } else {
                unescaped.append(byte)
            }
        }
    }

    private mutating func endRecord(at end: Int, terminator: UInt8) {
        recordLength = end
        consumedBytes = end + 1
        line += 1
        pendingCR = terminator == .cr
    }
}

private extension UInt8 {
    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
}
