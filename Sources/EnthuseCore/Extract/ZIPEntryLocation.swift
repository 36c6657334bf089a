import Foundation

/// Where one entry's compressed bytes lie in a zip file and how to unpack them, read from the
/// archive's central directory and the entry's local header.
///
/// ZIPFoundation lists entries but keeps their offsets to itself, and its `extract` reads an
/// entry's deflate stream until the stream says it has ended: a crafted stream that never says so
/// runs its reads to the end of the file and then loops there for ever, on a thread no one can
/// stop. Knowing where the entry's bytes end lets `ZIPEntryStream` give the inflater those bytes
/// and no more, and refuse the entry when they run out first.
struct ZIPEntryLocation: Equatable {
    /// Where the compressed bytes start, and how many there are.
    var dataOffset: UInt64
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var checksum: UInt32
    /// Deflated (method 8), else stored as is (method 0); other methods are refused.
    var isDeflated: Bool

    /// The central directory may not be larger than this: 10,000 entries take about 1 MB.
    static let maxDirectoryBytes: UInt64 = 16 << 20

    /// Finds `part` in the zip file open at `descriptor`, `fileSize` bytes long.
    init(of part: String, descriptor: Int32, fileSize: UInt64) throws(ZIPLayoutError) {
        let reader = ZIPBytes(descriptor: descriptor, fileSize: fileSize)
        let tailLength = min(fileSize, 22 + 0xFFFF)
        let tail = try reader.read(at: fileSize - tailLength, count: Int(tailLength))
        guard let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { tail.uint32(at: $0) == 0x0605_4B50 }) else {
            throw ZIPLayoutError("the end of the archive's directory is missing")
        }
        var directoryOffset = UInt64(tail.uint32(at: end + 16))
        var directorySize = UInt64(tail.uint32(at: end + 12))
        if directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF || tail.uint16(at: end + 10) == 0xFFFF {
            // ZIP64: a locator just before the end record points to a larger end record.
            guard end >= 20, tail.uint32(at: end - 20) == 0x0706_4B50 else { throw ZIPLayoutError("the ZIP64 locator is missing") }
            let record = try reader.read(at: tail.uint64(at: end - 12), count: 56)
            guard record.uint32(at: 0) == 0x0606_4B50 else { throw ZIPLayoutError("the ZIP64 end record is missing") }
            directorySize = record.uint64(at: 40)
            directoryOffset = record.uint64(at: 48)
        }
        guard directorySize <= Self.maxDirectoryBytes, directoryOffset <= fileSize, directorySize <= fileSize - directoryOffset else {
            throw ZIPLayoutError("the archive's directory lies outside the file")
        }
        let directory = try reader.read(at: directoryOffset, count: Int(directorySize))
        let wanted = Array(part.utf8)
        var position = 0
        while position + 46 <= directory.count, directory.uint32(at: position) == 0x0201_4B50 {
            let nameLength = Int(directory.uint16(at: position + 28))
            let extraLength = Int(directory.uint16(at: position + 30))
            let next = position + 46 + nameLength + extraLength + Int(directory.uint16(at: position + 32))
            guard next <= directory.count else { break }
            if directory[(position + 46)..<(position + 46 + nameLength)].elementsEqual(wanted) {
                let method = directory.uint16(at: position + 10)
                guard method == 0 || method == 8 else {
                    throw ZIPLayoutError("the entry is compressed with method \(method); spreadsheet programs use deflate (8)")
                }
                var sizes = [UInt64(directory.uint32(at: position + 24)), UInt64(directory.uint32(at: position + 20)),
                             UInt64(directory.uint32(at: position + 42))]
                try Self.applyZIP64(directory[(position + 46 + nameLength)..<(position + 46 + nameLength + extraLength)], to: &sizes)
                let header = try reader.read(at: sizes[2], count: 30)
                guard header.uint32(at: 0) == 0x0403_4B50 else { throw ZIPLayoutError("the entry's local header is missing") }
                dataOffset = sizes[2] + 30 + UInt64(header.uint16(at: 26)) + UInt64(header.uint16(at: 28))
                guard dataOffset <= fileSize, sizes[1] <= fileSize - dataOffset else {
                    throw ZIPLayoutError("the entry's data runs past the end of the file")
                }
                compressedSize = sizes[1]
                uncompressedSize = sizes[0]
                checksum = directory.uint32(at: position + 16)
                isDeflated = method == 8
                return
            }
            position = next
        }
        throw ZIPLayoutError("the archive's directory does not list the entry")
    }

    /// Replaces the sizes and offset (`[uncompressed, compressed, offset]`) that the directory
    /// record marks as too large for it (0xFFFFFFFF) with their ZIP64 values, in that order.
    private static func applyZIP64(_ extra: ArraySlice<UInt8>, to values: inout [UInt64]) throws(ZIPLayoutError) {
        guard values.contains(0xFFFF_FFFF) else { return }
        var position = extra.startIndex
        while position + 4 <= extra.endIndex {
            let id = extra.uint16(at: position)
            let size = Int(extra.uint16(at: position + 2))
            if id == 0x0001 {
                var field = position + 4
                for index in values.indices where values[index] == 0xFFFF_FFFF {
                    guard field + 8 <= min(position + 4 + size, extra.endIndex) else { break }
                    values[index] = extra.uint64(at: field)
                    field += 8
                }
                return
            }
            position += 4 + size
        }
        throw ZIPLayoutError("the entry's ZIP64 sizes are missing")
    }
}

/// Why the layout of a zip archive could not be followed.
struct ZIPLayoutError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Reads byte ranges of a file by position.
struct ZIPBytes {
    let descriptor: Int32
    let fileSize: UInt64

    func read(at offset: UInt64, count: Int) throws(ZIPLayoutError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let failure: ZIPLayoutError? = bytes.withUnsafeMutableBytes { buffer in
            do throws(ZIPLayoutError) {
                try read(at: offset, into: buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` with the bytes from `offset` on.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ZIPLayoutError) {
        guard offset <= fileSize, UInt64(buffer.count) <= fileSize - offset else {
            throw ZIPLayoutError("the archive points past the end of the file")
        }
        var filled = 0
        while filled < buffer.count {
            let read = pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset) + off_t(filled))
            guard read > 0 else {
                throw ZIPLayoutError(read == 0 ? "the file ends early" : "the file cannot be read: \(String(cString: strerror(errno)))")
            }
            filled += read
        }
    }
}

private extension Collection<UInt8> where Index == Int {
    /// Little-endian integers at an index, as zip headers store them.
    func uint16(at index: Int) -> UInt16 { UInt16(self[index]) | UInt16(self[index + 1]) << 8 }
    func uint32(at index: Int) -> UInt32 { UInt32(uint16(at: index)) | UInt32(uint16(at: index + 2)) << 16 }
    func uint64(at index: Int) -> UInt64 { UInt64(uint32(at: index)) | UInt64(uint32(at: index + 4)) << 32 }
}
