#if canImport(CZlib)
import CZlib
#endif
import Foundation
import ZIPFoundation

/// One part of a zip archive, decompressed on a thread of its own and pulled by a reader chunk by
/// chunk: nothing is written to disk and at most a few chunks are in memory.
///
/// ZIPFoundation's inflater pushes an entry's bytes into a closure until the entry ends, while
/// libxml2 pulls bytes as it parses; the two meet in a bounded `ChunkQueue`. The
/// decompressing thread waits while the queue is full, the reader while it is empty, and letting
/// go of the stream stops the decompression at its next chunk.
///
/// The entry may not produce more bytes than the archive's directory declares for it (the bound a
/// zip bomb would break), and its checksum must match.
final class ZIPEntryStream: XMLByteStream {
    /// Bytes ZIPFoundation hands over at a time, and how many such chunks may wait.
    static let chunkSize = 64 << 10
    static let queuedChunks = 4

    let part: String
    private let queue = ChunkQueue(capacity: ZIPEntryStream.queuedChunks)
    private var chunk = Data()
    private var offset = 0
    /// Why the stream failed, when it did: libxml2 sees only a failed read.
    private(set) var failure: SpreadsheetError?

    /// Starts decompressing `part` of the archive at `path`.
    init(path: String, part: String) {
        self.part = part
        let queue = self.queue
        let thread = Thread {
            queue.finish(failure: Self.decompress(path: path, part: part, into: queue))
        }
        thread.name = "unzip \(part)"
        thread.start()
    }

    deinit {
        queue.cancel()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset == chunk.count {
            switch queue.take() {
            case let .chunk(next):
                chunk = next
                offset = 0
            case .end:
                return 0
            case let .failed(error):
                failure = error
                throw error
            }
        }
        let count = min(buffer.count, chunk.count - offset)
        chunk.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
        }
        offset += count
        return count
    }

    /// A running CRC-32 with `data` added, by zlib. ZIPFoundation 0.9.20 checks with zlib only where
    /// `canImport(zlib)` holds, which it never does on Linux (its zlib module is CZlib), and falls
    /// back to a byte-at-a-time Swift loop over `Data`: perf put that loop at 8.8% of the samples
    /// of the national nightly's .xlsx registers.
    private static func checksum(_ checksum: UInt32, adding data: Data) -> UInt32 {
        #if canImport(CZlib)
        data.withUnsafeBytes { bytes in
            UInt32(crc32(uLong(checksum), bytes.bindMemory(to: Bytef.self).baseAddress, uInt(bytes.count)))
        }
        #else
        data.crc32(checksum: checksum)
        #endif
    }

    /// Runs on the stream's own thread: unpacks the entry into `queue`, or says why it could not.
    ///
    /// The inflater (ZIPFoundation's `Data.decompress`, over zlib) is given the entry's own
    /// compressed bytes and no more (see `ZIPEntryLocation`), and may not produce more bytes than
    /// the directory declares.
    private static func decompress(path: String, part: String, into queue: ChunkQueue) -> SpreadsheetError? {
        func damaged(_ message: String) -> SpreadsheetError {
            SpreadsheetError(.damaged, file: path, part: part, message)
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return SpreadsheetError(.cannotOpen, file: path, "cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return SpreadsheetError(.cannotOpen, file: path, "cannot read the file") }
        do {
            let location = try ZIPEntryLocation(of: part, descriptor: descriptor, fileSize: UInt64(status.st_size))
            let bytes = ZIPBytes(descriptor: descriptor, fileSize: UInt64(status.st_size))
            var produced: UInt64 = 0
            var checksum: UInt32 = 0
            let consume: (Data) throws -> Void = { data in
                checksum = Self.checksum(checksum, adding: data)
                produced += UInt64(data.count)
                guard produced <= location.uncompressedSize else {
                    throw SpreadsheetError(.unsafeArchive, file: path, part: part,
                        "the part unpacks to more than the \(location.uncompressedSize) bytes the archive declares for it, as a zip bomb does")
                }
                try queue.put(data)
            }
            // Hands out the entry's compressed bytes from `position` on; throws once they are all
            // given. ZIPFoundation tells zlib every chunk is `size` bytes long, so the buffer is
            // that large (and zeroed) even when fewer bytes remain.
            let provide: (Int64, Int) throws -> Data = { position, size in
                let remaining = location.compressedSize - UInt64(position)
                guard remaining > 0 else { throw damaged("the compressed data ends before the part does") }
                let count = Int(min(UInt64(size), remaining))
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, count), alignment: 16)
                buffer.initializeMemory(as: UInt8.self, repeating: 0)
                let data = Data(bytesNoCopy: buffer.baseAddress!, count: count, deallocator: .custom { pointer, _ in pointer.deallocate() })
                try bytes.read(at: location.dataOffset + UInt64(position), into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]))
                return data
            }
            if location.isDeflated {
                _ = try Data.decompress(size: Int64(location.compressedSize), bufferSize: chunkSize, skipCRC32: true,
                                        provider: provide, consumer: consume)
            } else {
                var position: Int64 = 0
                while UInt64(position) < location.compressedSize {
                    let data = try provide(position, chunkSize)
                    try consume(data)
                    position += Int64(data.count)
                }
            }
            guard produced == location.uncompressedSize else {
                return damaged("the part unpacks to \(produced) bytes where the archive declares \(location.uncompressedSize)")
            }
            guard checksum == location.checksum else { return damaged("the part's checksum does not match its content") }
            return nil
        } catch let error as SpreadsheetError {
            return error
        } catch is ChunkQueue.Cancelled {
            return nil
        } catch let error as ZIPLayoutError {
            return damaged(error.message)
        } catch {
            return damaged("the part cannot be unpacked (\(error))")
        }
    }
}

/// The few chunks between a decompressing thread and the reader, guarded by one condition.
final class ChunkQueue: @unchecked Sendable {
    enum Item {
        case chunk(Data)
        case end
        case failed(SpreadsheetError)
    }

    /// Thrown to the decompressing thread when the reader has gone.
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private let capacity: Int
    private var chunks: [Data] = []
    private var ended = false
    private var failure: SpreadsheetError?
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds a chunk, waiting while the queue is full.
    func put(_ data: Data) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity, !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        chunks.append(data)
        condition.broadcast()
    }

    /// Marks the end of the entry, or its failure.
    func finish(failure: SpreadsheetError?) {
        condition.lock()
        defer { condition.unlock() }
        ended = true
        self.failure = failure
        condition.broadcast()
    }

    /// The next chunk, waiting while there is none yet.
    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !ended { condition.wait() }
        if !chunks.isEmpty {
            condition.broadcast()
            return .chunk(chunks.removeFirst())
        }
        return failure.map(Item.failed) ?? .end
    }

    /// Lets go of the chunks and wakes the decompressing thread, which then stops.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        chunks.removeAll()
        condition.broadcast()
    }
}
