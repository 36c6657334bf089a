import Foundation
import ZIPFoundation

/// The bounds an .xlsx file must keep before any part of it is unpacked, so that a zip bomb or
/// a hostile archive is refused from its directory, in little time and memory.
public struct XLSXLimits: Equatable, Sendable {
    /// The most bytes all entries together may unpack to, as the archive declares them; each
    /// entry is also held to its own declaration while it streams.
    public var maxUncompressedBytes: UInt64
    /// The most an entry larger than `ratioThreshold` may unpack to per compressed byte. Real
    /// worksheets compress 5 to 30 times; a bomb, thousands of times.
    public var maxCompressionRatio: UInt64
    public var ratioThreshold: UInt64
    /// The most entries the archive may list.
    public var maxEntries: Int
    /// The most bytes of text the shared-string table may hold in memory, the one part of a
    /// workbook read whole (a worksheet refers to its strings by number, in any order).
    public var maxSharedStringBytes: Int

    public init(maxUncompressedBytes: UInt64 = 1 << 30, maxCompressionRatio: UInt64 = 200, ratioThreshold: UInt64 = 1 << 20,
                maxEntries: Int = 10_000, maxSharedStringBytes: Int = 256 << 20) {
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioThreshold = ratioThreshold
        self.maxEntries = maxEntries
        self.maxSharedStringBytes = maxSharedStringBytes
    }
}

/// An .xlsx file opened for reading: its directory checked against `XLSXLimits` and for entry
/// names that would climb out of the archive, and each part streamed on demand.
struct XLSXArchive {
    let path: String
    let limits: XLSXLimits
    /// Every entry's name; the archive's directory was checked once, here.
    private let parts: Set<String>

    init(path: String, limits: XLSXLimits) throws(SpreadsheetError) {
        let kind = try SpreadsheetFileKind.of(path: path)
        guard kind == .zip else {
            throw SpreadsheetError(.wrongKind, file: path, "the file is \(kind), not an .xlsx workbook (a zip archive)")
        }
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw SpreadsheetError(.damaged, file: path, "the file starts like a zip archive but its directory cannot be read (\(error))")
        }
        var parts = Set<String>()
        var total: UInt64 = 0
        for entry in archive {
            let name = entry.path
            guard parts.count < limits.maxEntries else {
                throw SpreadsheetError(.unsafeArchive, file: path, "the archive lists more than \(limits.maxEntries) entries; a workbook has a few dozen")
            }
            if let problem = Self.unsafeName(name) {
                throw SpreadsheetError(.unsafeArchive, file: path, "the archive holds an entry named \(Self.quoted(name)), \(problem); no workbook does")
            }
            guard parts.insert(name).inserted else {
                throw SpreadsheetError(.unsafeArchive, file: path, "the archive holds two entries named \(Self.quoted(name)); which one a program reads is anyone's guess")
            }
            let size = entry.uncompressedSize
            if size > limits.ratioThreshold, size / max(entry.compressedSize, 1) > limits.maxCompressionRatio {
                throw SpreadsheetError(.unsafeArchive, file: path, part: name,
                    "the entry unpacks from \(entry.compressedSize) to \(size) bytes, more than \(limits.maxCompressionRatio) times its "
                        + "size, as a zip bomb does")
            }
            total += size
            guard total <= limits.maxUncompressedBytes else {
                throw SpreadsheetError(.unsafeArchive, file: path,
                    "the archive unpacks to more than \(limits.maxUncompressedBytes) bytes, the most a workbook may")
            }
        }
        self.path = path
        self.limits = limits
        self.parts = parts
    }

    func contains(_ part: String) -> Bool { parts.contains(part) }

    /// Opens `part` for streaming, with the stream that feeds it (which knows why it failed).
    func open(_ part: String) throws(SpreadsheetError) -> (XMLStreamReader, ZIPEntryStream) {
        let (stream, name) = try entry(part)
        do {
            return (try XMLStreamReader(name: name, stream: stream), stream)
        } catch {
            throw explain(error, stream: stream)
        }
    }

    /// Reads `part` with `body`, turning a failure of the XML or of the stream under it into the
    /// `SpreadsheetError` that says which.
    func read<Value>(_ part: String, _ body: (XMLStreamReader) throws -> Value) throws -> Value {
        let (reader, stream) = try open(part)
        do {
            return try body(reader)
        } catch let error as XMLReadError {
            throw explain(error, stream: stream)
        }
    }

    /// Starts a parse of `part` for `handler`; parse it with the parser, and pass what it throws
    /// through ``explain(_:stream:)``.
    func parser(for part: String, handler: some XMLEventHandler) throws(SpreadsheetError) -> (XMLEventParser, ZIPEntryStream) {
        let (stream, name) = try entry(part)
        do {
            return (try XMLEventParser(name: name, stream: stream, handler: handler), stream)
        } catch {
            throw explain(error, stream: stream)
        }
    }

    /// A stream of `part`, unpacked as it is read, and the name errors give it.
    private func entry(_ part: String) throws(SpreadsheetError) -> (stream: ZIPEntryStream, name: String) {
        guard contains(part) else {
            throw SpreadsheetError(.notAWorkbook, file: path, part: part, "the part is missing; a workbook has it")
        }
        return (ZIPEntryStream(path: path, part: part), (path as NSString).lastPathComponent + ":" + part)
    }

    /// The stream's own failure when there is one (libxml2 saw only a failed read), else the
    /// XML's problem, placed in the part.
    func explain(_ error: XMLReadError, stream: ZIPEntryStream) -> SpreadsheetError {
        if let failure = stream.failure { return failure }
        return SpreadsheetError(.damaged, file: path, part: stream.part, line: error.line, error.message)
    }

    /// Why an entry name is unsafe to meet in an archive, or nil when it is a plain relative path.
    static func unsafeName(_ name: String) -> String? {
        if name.contains("\\") { return "with a backslash, which some programs take as a folder separator" }
        if name.hasPrefix("/") { return "an absolute path" }
        if name.utf8.contains(0) { return "with a NUL character" }
        if name.split(separator: "/", omittingEmptySubsequences: false).contains("..") { return "a path that climbs out of the archive" }
        if name.count >= 2, name.dropFirst().first == ":" { return "a path that names a drive" }
        return nil
    }

    static func quoted(_ name: String) -> String {
        "\"" + String(name.unicodeScalars.prefix(200).map { $0.value < 0x20 ? "?" : Character($0) }) + "\""
    }
}
