/// Remembers, in at most 4 MiB whatever the file size, which row keys a file has shown so far
/// (a Bloom filter): "never seen" is certain, "maybe seen" is checked exactly in the warehouse.
///
/// This is what makes a pipeline's `unique` rule cheap: only the rows it flags are checked
/// against the staged rows. (Keeping a UNIQUE index up to date row by row, and then sorting the
/// file's rows once instead, each cost SQLite more time than the whole rest of a 1,000,000-row
/// load in perf profiles.) Six probes in one 512-bit block; of a million distinct random keys the
/// largest filter flags about a dozen, of five million about one in a hundred (46,666, simulated).
struct RepeatFilter {
    /// 512-bit blocks, one cache line each: every probe of a key falls in one block, so a row
    /// costs one cache miss instead of four (a blocked Bloom filter; perf showed the four random
    /// probes of a plain one at 2.5% of the reading thread).
    static let maxBlockCount = 1 << 16   // × 64 bytes = 4 MiB
    static let minBlockCount = 1 << 10   // 64 KiB

    private let blockShift: UInt64
    private var words: [UInt64]

    /// A filter sized for a file of `fileSize` bytes: a block per 256 bytes of file (a row is
    /// ~160 bytes of CSV, fewer of a zipped workbook, more of SpreadsheetML), from 64 KiB to
    /// 4 MiB. The national nightly's 420 registers of ~2,300 rows each had each zero-filled the
    /// full 4 MiB; only the exact check's workload depends on the size, never the answer.
    init(fileSize: Int) {
        var blocks = Self.minBlockCount
        while blocks < Self.maxBlockCount && blocks * 256 < fileSize { blocks <<= 1 }
        blockShift = UInt64(64 - blocks.trailingZeroBitCount)
        words = [UInt64](repeating: 0, count: blocks * 8)
    }

    /// Adds `hash`; true when it may have been added before.
    mutating func insert(_ hash: UInt64) -> Bool {
        let block = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> blockShift) * 8
        var seen = true
        var bits = hash
        for _ in 0 ..< 6 {
            let bit = Int(bits & 511)
            bits >>= 9
            let word = block + bit >> 6
            let mask: UInt64 = 1 << UInt64(bit & 63)
            if words[word] & mask == 0 {
                seen = false
                words[word] |= mask
            }
        }
        return seen
    }
}
