/// A fast 64-bit hash of values and bytes, eight bytes at a time with a multiply-and-shift mix,
/// for the tables the hot path keeps (``RepeatFilter``'s keys, ``StagedTextDictionary``). SipHash,
/// through `Hasher`, was 2% of the reading thread in a perf profile; these tables need spread, not
/// resistance to crafted collisions, which would only make them do more work.
struct WordHash {
    private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 31
    }

    /// Mixes in `bytes` and their count, so that texts that are prefixes of each other differ.
    mutating func mix(_ bytes: UnsafeRawBufferPointer) {
        mix(4 &+ UInt64(bytes.count) << 8)
        var position = 0
        while position + 8 <= bytes.count {
            mix(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            position += 8
        }
        var tail: UInt64 = 0
        while position < bytes.count {
            tail = tail << 8 | UInt64(bytes[position])
            position += 1
        }
        mix(tail)
    }
}
