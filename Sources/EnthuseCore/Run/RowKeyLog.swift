import Foundation

/// The line and key hash of every valid row of a file, written as the file is read to an unnamed
/// temporary file (12 bytes a row), so that the exact half of a pipeline's `unique` rule can go
/// straight to the rows a flagged row may repeat instead of comparing every staged row.
///
/// Rows with equal keys have equal hashes, so the rows whose hash a flagged row shares include
/// every row it may repeat. On a 1,000,000-row register the comparison of every staged row with
/// the three rows ``RepeatFilter`` had flagged took 0.30–0.33 s, on the loading thread alone once
/// reading was done. Memory stays flat: the log is on disk, read back in 64 KiB chunks.
///
/// Owned by the reading thread while it writes, then handed to the loading thread with the end of
/// the file (`@unchecked Sendable`: never used by two threads at once).
final class RowKeyLog: @unchecked Sendable {
    private static let recordSize = 12
    /// Whole records, ~64 KiB.
    private static let chunkSize = recordSize * 5_461

    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8] = []
    /// A write failed (the disk full, say): the log cannot be trusted to name every row.
    private(set) var failed = false

    /// Nil when no temporary file can be made; the check then compares every staged row.
    init?() {
        guard let file = tmpfile() else { return nil }
        self.file = file
        buffer.reserveCapacity(Self.chunkSize)
    }

    deinit { fclose(file) }

    func append(line: Int, hash: UInt64) {
        guard line <= UInt32.max else { failed = true; return }
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: line).littleEndian) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.littleEndian) { buffer.append(contentsOf: $0) }
        if buffer.count >= Self.chunkSize { flush() }
    }

    /// Writes out what is buffered; call once the last row is appended.
    func flush() {
        guard !buffer.isEmpty else { return }
        if !failed, fwrite(buffer, 1, buffer.count, file) != buffer.count { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Calls `body` with the line of each row whose hash is in `hashes`, in file order. False when
    /// the log failed and cannot name every such row (`body` may have been called for some).
    ///
    /// Each logged hash is tested against a bitmap of the asked hashes' top 20 bits, and only the
    /// few that pass are looked up by binary search in the sorted hashes. (Through a `Set`, SipHash
    /// of every logged hash was 0.03 s of a 1,000,000-row load's last, single-threaded step; by
    /// binary search alone, the ~47,000 hashes a 5,000,000-row register flags took 0.55 s.)
    func lines(withHashIn hashes: [UInt64], _ body: (Int) throws -> Void) throws -> Bool {
        var sorted = hashes
        sorted.sort()
        var bitmap = [UInt64](repeating: 0, count: 1 << 14)
        for hash in sorted { bitmap[Int(hash >> 50)] |= 1 << ((hash >> 44) & 63) }
        flush()
        guard !failed, fflush(file) == 0 else { return false }
        rewind(file)
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            try chunk.withUnsafeBytes { bytes in
                for record in stride(from: 0, to: count - count % Self.recordSize, by: Self.recordSize) {
                    let hash = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: record + 4, as: UInt64.self))
                    if bitmap[Int(hash >> 50)] & (1 << ((hash >> 44) & 63)) != 0, Self.contains(hash, in: sorted) {
                        try body(Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: record, as: UInt32.self))))
                    }
                }
            }
            if count < chunk.count { break }
        }
        return ferror(file) == 0
    }

    private static func contains(_ hash: UInt64, in sorted: [UInt64]) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == hash
    }
}
