/// A fast 64-bit hash of values and bytes, eight bytes at a time with a multiply-and-shift mix,
/// for the tables the hot path keeps (``RepeatFilter``'s keys, ``StagedTextDictionary``). SipHash,
/// through `Hasher`, was 2% of the reading thread in a perf profile; these tables need spread, not
/// resistance to crafted collisions, which would only make them do more work.
struct WordHash {
    private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0xBF58_476D_1CE4_E5B9
        value ^= value >> 31
    }

    /// Mixes in `bytes` and their count, so that texts that are prefixes of each other differ.
    ///
    /// The last partial word of a text of eight bytes or more is read as the eight bytes that end
    /// it, overlapping the word before (the count already tells such texts apart): the byte loop
    /// it replaces, and the calls to ``mix(_:)-(UInt64)`` (not inlined), made this 0.16 s of the
    /// loading thread's dictionary lookups in a perf profile of a 1,000,000-row register.
    mutating func mix(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        mix(4 &+ UInt64(count) << 8)
        guard count >= 8 else {
            var tail: UInt64 = 0
            for byte in bytes { tail = tail << 8 | UInt64(byte) }
            mix(tail)
            return
        }
        var position = 0
        while position + 8 <= count {
            mix(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            position += 8
        }
        if position < count {
            mix(bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
    }
}
