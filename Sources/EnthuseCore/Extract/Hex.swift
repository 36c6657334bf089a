/// Hexadecimal text of bytes: file fingerprints and pseudonyms.
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

    /// Fills `bytes` from hex text of exactly twice its length (either case); false, with `bytes`
    /// unspecified, when the text is anything else. (For the migrations' `unhex`.)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into bytes: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard text.count == bytes.count * 2 else { return false }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30 ... 0x39: digit - 0x30
            case 0x61 ... 0x66: digit - 0x61 + 10
            case 0x41 ... 0x46: digit - 0x41 + 10
            default: nil
            }
        }
        for index in bytes.indices {
            guard let high = nibble(text[index * 2]), let low = nibble(text[index * 2 + 1]) else { return false }
            bytes[index] = high << 4 | low
        }
        return true
    }
}
