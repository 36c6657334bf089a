/// Decodes Windows-1252 text through a 256-entry table, reporting the first undefined byte and its
/// offset so a row can be rejected with the exact cause (Foundation's decoder returns nil for the
/// whole input instead, and is slower).
///
/// ```swift
/// switch Windows1252.decode(bytes) {
/// case .success(let text): use(text)
/// case .failure(let undefined): reject(undefined.description)  // "byte 0x81 at offset 12 has no character…"
/// }
/// ```
public enum Windows1252 {
    /// A byte with no character in Windows-1252 (0x81, 0x8D, 0x8F, 0x90 or 0x9D) and where it was.
    public struct UndefinedByte: Error, Equatable, CustomStringConvertible {
        /// The byte's value.
        public let value: UInt8
        /// The byte's 0-based position in the decoded bytes.
        public let offset: Int

        public var description: String {
            let hex = String(value, radix: 16, uppercase: true)
            return "byte 0x\(hex) at offset \(offset) has no character in Windows-1252. The file is probably in another encoding: check the export's character set."
        }
    }

    /// Decodes `bytes` as Windows-1252, or reports the first byte that has no character.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<String, UndefinedByte> {
        guard let firstNonASCII = firstNonASCIIOffset(bytes) else {
            return .success(String(decoding: bytes, as: UTF8.self))
        }
        var undefined: UndefinedByte?
        // Each byte becomes at most three UTF-8 bytes (the euro sign, U+20AC, is the widest).
        let text = codePoints.withUnsafeBufferPointer { codePoints in
            String(unsafeUninitializedCapacity: bytes.count * 3) { utf8 in
                var count = firstNonASCII
                _ = utf8.initialize(fromContentsOf: bytes[..<firstNonASCII])
                for offset in firstNonASCII..<bytes.count {
                    let byte = bytes[offset]
                    let scalar = codePoints[Int(byte)]
                    if scalar < 0x80 {
                        utf8[count] = UInt8(scalar)
                        count += 1
                    } else if scalar < 0x800 {
                        utf8[count] = UInt8(0xC0 | scalar >> 6)
                        utf8[count + 1] = UInt8(0x80 | scalar & 0x3F)
                        count += 2
                    } else if scalar != undefinedMark {
                        utf8[count] = UInt8(0xE0 | scalar >> 12)
                        utf8[count + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
                        utf8[count + 2] = UInt8(0x80 | scalar & 0x3F)
                        count += 3
                    } else {
                        undefined = UndefinedByte(value: byte, offset: offset)
                        return 0
                    }
                }
                return count
            }
        }
        if let undefined { return .failure(undefined) }
        return .success(text)
    }

    /// Marks the five bytes Windows-1252 leaves undefined; U+FFFF is a noncharacter no byte maps to.
    private static let undefinedMark: UInt16 = 0xFFFF

    /// The Unicode scalar of every byte: ASCII and 0xA0–0xFF map to themselves (as in Latin-1), and
    /// 0x80–0x9F hold the typographic characters that make Windows-1252 differ from Latin-1.
    private static let codePoints: [UInt16] = {
        let block80to9F: [UInt16] = [
            0x20AC, undefinedMark, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, undefinedMark, 0x017D, undefinedMark,
            undefinedMark, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, undefinedMark, 0x017E, 0x0178,
        ]
        return (0..<256).map { byte in
            (0x80..<0xA0).contains(byte) ? block80to9F[byte - 0x80] : UInt16(byte)
        }
    }()
}

/// Decodes text in encodings the standard library already knows, refusing invalid input instead of
/// repairing it, so a validator can reject the row rather than store U+FFFD.
public enum TextDecoding {
    /// The UTF-8 bytes as a `String`, or nil when they are not valid UTF-8.
    ///
    /// ASCII, the common case, bypasses `String(validating:as:)`, whose generic-metadata lookups
    /// cost about 200 ns per call however short the input (five times `String(decoding:as:)`).
    public static func utf8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if firstNonASCIIOffset(bytes) == nil {
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The offset of the first byte at or above 0x80, or nil when every byte is ASCII.
private func firstNonASCIIOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    for offset in bytes.indices where bytes[offset] >= 0x80 {
        return offset
    }
    return nil
}
