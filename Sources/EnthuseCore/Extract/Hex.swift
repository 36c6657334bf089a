/// Lower-case hexadecimal text of bytes: file fingerprints and pseudonyms.
enum Hex {
    /// `bytes` as lower-case hex, two digits a byte. (`String(format: "%02x")` per byte was 30% of
    /// a million-row load in perf, and it goes through CoreFoundation's formatter; this builds the
    /// string once from a table.)
    static func lowercase(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[index * 2] = digits.utf8Start[Int(byte >> 4)]
                out[index * 2 + 1] = digits.utf8Start[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }
}
