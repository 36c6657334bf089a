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
        var invalid: UInt8 = 0
        nibbles.withUnsafeBufferPointer { nibbles in
            for index in bytes.indices {
                let high = nibbles[Int(text[index * 2])], low = nibbles[Int(text[index * 2 + 1])]
                invalid |= (high | low) & 0x10
                bytes[index] = high << 4 | low & 0x0F
            }
        }
        return invalid == 0
    }

    /// The value of each byte as a hex digit, or 0x10 for a byte that is not one.
    private static let nibbles: [UInt8] = (0 ... 255).map { byte -> UInt8 in
        switch UInt8(byte) {
        case 0x30 ... 0x39: UInt8(byte) - 0x30
        case 0x61 ... 0x66: UInt8(byte) - 0x61 + 10
        case 0x41 ... 0x46: UInt8(byte) - 0x41 + 10
        default: 0x10
        }
    }
}
