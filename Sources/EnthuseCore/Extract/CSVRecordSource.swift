import Foundation

/// CSV records decoded from the file's encoding into UTF-8, over the streaming ``CSVReader``,
/// which scans ahead on a thread of its own (``CSVReadAhead``).
public final class CSVRecordSource: RecordSource {
    private let reader: CSVReadAhead
    private let encoding: DetectedEncoding
    /// Reused for Windows-1252 fields that need transcoding (non-ASCII bytes).
    private var transcoded: [UInt8] = []

    public init(path: String, encoding: DetectedEncoding) throws {
        // 256 KiB reads rather than the reader's 1 MiB: the blocks in flight hold the records now,
        // and the smaller buffer keeps the load's peak memory where it was before them.
        reader = CSVReadAhead(try CSVReader(path: path, chunkSize: 256 << 10))
        self.encoding = encoding
        transcoded.reserveCapacity(1024)
    }

    public func next() throws -> Bool { try reader.next() }
    public var line: Int { reader.line }
    public var fieldCount: Int { reader.fieldCount }
    public var recordProblem: String? { reader.recordProblem }
    public var bytesRead: Int { reader.bytesRead }
    public var fixedHeader: [String]? { nil }

    public func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        reader.withField(index) { bytes in
            switch encoding {
            case .utf8, .utf8WithBOM:
                // The file was validated as UTF-8 as a whole before parsing began. (memchr: the
                // byte loop of `contains(0)` over every field was 0.14 s of the reading thread in
                // a perf profile of a 1,000,000-row register.)
                if Self.containsNUL(bytes) { return .failure(FieldDecodingError(reason: "contains a NUL byte, which is never text")) }
                return .success(body(bytes))
            case .windows1252:
                return transcodeWindows1252(bytes, body)
            }
        }
    }

    private func transcodeWindows1252<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        if Self.containsNUL(bytes) { return .failure(FieldDecodingError(reason: "contains a NUL byte, which is never text")) }
        switch Windows1252.decode(bytes) {
        case let .success(text):
            transcoded.removeAll(keepingCapacity: true)
            transcoded.append(contentsOf: text.utf8)
            return .success(transcoded.withUnsafeBufferPointer(body))
        case let .failure(undefined):
            return .failure(FieldDecodingError(reason: "byte 0x\(String(undefined.value, radix: 16, uppercase: true)) at position \(undefined.offset + 1) is undefined in Windows-1252"))
        }
    }

    private static func containsNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, bytes.count) != nil
    }

    public func rawText(masking masked: Set<Int>) -> String {
        if masked.isEmpty {
            return reader.withRawRecord { decodeLossy($0) }
        }
        // Re-serialise field by field so that masked fields never leave the reader.
        var fields: [String] = []
        for index in 0..<reader.fieldCount {
            if masked.contains(index) {
                fields.append("«masked»")
            } else {
                fields.append(reader.withField(index) { CSVText.quoted(decodeLossy($0)) })
            }
        }
        return fields.joined(separator: ",")
    }

    private func decodeLossy(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        switch encoding {
        case .utf8, .utf8WithBOM:
            return String(decoding: bytes, as: UTF8.self)
        case .windows1252:
            return (try? Windows1252.decode(bytes).get()) ?? String(decoding: bytes, as: UTF8.self)
        }
    }
}
