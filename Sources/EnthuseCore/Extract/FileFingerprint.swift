import Crypto
import Foundation

/// What one streaming pass over a file learns before it is parsed: its SHA-256 (to skip a file
/// already loaded), its size, and how its text is encoded.
///
/// Detecting the encoding needs the whole file — a Windows-1252 byte may first appear on the last
/// line — so it is done here, in the same pass as the hash, and never by reading the file into
/// memory.
public struct FileFingerprint: Sendable, Equatable {
    public var sha256: String
    public var size: Int
    /// The file starts with the UTF-8 byte order mark.
    public var hasUTF8BOM: Bool
    /// The file starts with a UTF-16 byte order mark (FF FE or FE FF).
    public var hasUTF16BOM: Bool
    /// Every byte sequence is valid UTF-8.
    public var isValidUTF8: Bool
    /// Valid multi-byte UTF-8 sequences seen (0 for a pure ASCII file).
    public var multibyteSequences: Int
    /// Where the first byte that is not valid UTF-8 stands.
    public var firstInvalidUTF8: (line: Int, byte: UInt8)? {
        get { firstInvalidLine.map { ($0, firstInvalidByte) } }
        set { firstInvalidLine = newValue?.line; firstInvalidByte = newValue?.byte ?? 0 }
    }
    private var firstInvalidLine: Int?
    private var firstInvalidByte: UInt8 = 0

    /// Reads the file once, in 1 MiB chunks. Without `detectingEncoding` (XML and workbooks,
    /// which declare or have no text encoding of their own) the bytes are only hashed: the pass
    /// over a 663 MB SpreadsheetML register took 0.8 s before its first row (perf), the UTF-8
    /// check part of it for nothing (11.1 s a load without, 11.6 s with, alternated). The
    /// encoding fields then say nothing about the file.
    public static func compute(path: String, detectingEncoding: Bool = true) throws(CSVError) -> FileFingerprint {
        let input = try InputFile(path: path)
        var hasher = SHA256()
        var validator = UTF8StreamValidator()
        var size = 0
        var head: [UInt8] = []
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
        defer { buffer.deallocate() }
        while true {
            let count = try input.readChunk(into: buffer)
            if count == 0 { break }
            let chunk = UnsafeBufferPointer(rebasing: buffer[..<count])
            if head.count < 3 { head.append(contentsOf: chunk.prefix(3 - head.count)) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(chunk))
            if detectingEncoding { validator.consume(chunk) }
            size += count
        }
        validator.finish()
        var invalidLine: Int?
        if let offset = validator.invalidOffset {
            invalidLine = try lineNumber(ofOffset: offset, path: path)
        }
        let digest = hasher.finalize().withUnsafeBytes(Hex.lowercase)
        var fingerprint = FileFingerprint(
            sha256: digest,
            size: size,
            hasUTF8BOM: head.starts(with: [0xEF, 0xBB, 0xBF]),
            hasUTF16BOM: head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]),
            isValidUTF8: validator.invalidOffset == nil,
            multibyteSequences: validator.multibyteSequences)
        if let invalidLine { fingerprint.firstInvalidUTF8 = (invalidLine, validator.invalidByte) }
        return fingerprint
    }

    /// The 1-based line a byte offset falls on: a second read, only for a file found not to be
    /// UTF-8, so the first pass need not count lines.
    private static func lineNumber(ofOffset offset: Int, path: String) throws(CSVError) -> Int {
        let input = try InputFile(path: path)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
        defer { buffer.deallocate() }
        var line = 1
        var position = 0
        while position < offset {
            let count = try input.readChunk(into: buffer)
            if count == 0 { break }
            for byte in buffer[..<min(count, offset - position)] where byte == 0x0A { line += 1 }
            position += count
        }
        return line
    }

    public static func == (lhs: FileFingerprint, rhs: FileFingerprint) -> Bool {
        lhs.sha256 == rhs.sha256 && lhs.size == rhs.size && lhs.hasUTF8BOM == rhs.hasUTF8BOM
            && lhs.isValidUTF8 == rhs.isValidUTF8
    }
}

/// An incremental UTF-8 validator (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF) that keeps its state across chunk boundaries.
///
/// ASCII, most of every file, is skipped eight bytes at a time; lines are counted only up to the
/// first invalid byte, when there is one. (Counting every line in the byte loop made this pass
/// run at ~70 MB/s under perf; the word-at-a-time skip runs at memory speed.)
struct UTF8StreamValidator {
    private(set) var multibyteSequences = 0
    /// The offset of the first byte that is not valid UTF-8 (the file's length when it ends
    /// inside a sequence).
    private(set) var invalidOffset: Int?
    private(set) var invalidByte: UInt8 = 0
    private var consumed = 0              // bytes in the chunks before the current one
    private var pending = 0               // continuation bytes still expected
    private var nextLow: UInt8 = 0x80     // bounds for the next continuation byte
    private var nextHigh: UInt8 = 0xBF

    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard invalidOffset == nil, let base = bytes.baseAddress else { return }
        let count = bytes.count
        var index = 0
        while index < count {
            if pending == 0 {
                // Skip ASCII a word at a time.
                while index + 8 <= count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index += 8
                }
                guard index < count else { break }
            }
            let byte = base[index]
            if pending > 0 {
                guard byte >= nextLow && byte <= nextHigh else { return fail(byte, at: index, in: bytes) }
                nextLow = 0x80; nextHigh = 0xBF
                pending -= 1
                if pending == 0 { multibyteSequences += 1 }
            } else if byte >= 0x80 {
                switch byte {
                case 0xC2...0xDF: pending = 1
                case 0xE0: pending = 2; nextLow = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: pending = 2
                case 0xED: pending = 2; nextHigh = 0x9F
                case 0xF0: pending = 3; nextLow = 0x90
                case 0xF1...0xF3: pending = 3
                case 0xF4: pending = 3; nextHigh = 0x8F
                default: return fail(byte, at: index, in: bytes)
                }
            }
            index += 1
        }
        consumed += count
    }

    /// The input ended: a sequence cut short is invalid.
    mutating func finish() {
        if pending > 0 && invalidOffset == nil { invalidOffset = consumed; invalidByte = 0 }
    }

    private mutating func fail(_ byte: UInt8, at index: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        invalidOffset = consumed + index
        invalidByte = byte
    }
}
