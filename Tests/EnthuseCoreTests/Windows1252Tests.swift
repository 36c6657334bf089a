import Foundation
import Testing
@testable import EnthuseCore

@Suite("Windows1252 and TextDecoding")
struct Windows1252Tests {
    @Test func decodesAccentedLettersAndTypographicPunctuation() {
        // Given "Émile’s – €5" as Windows-1252: É 0xC9, ’ 0x92, – 0x96, € 0x80
        let bytes: [UInt8] = [0xC9, 0x6D, 0x69, 0x6C, 0x65, 0x92, 0x73, 0x20, 0x96, 0x20, 0x80, 0x35]
        // Then each byte becomes its character
        #expect(decode(bytes) == .success("Émile’s – €5"))
        #expect(decode([0xC9]) == .success("É"))
        #expect(decode([0x92]) == .success("’"))
        #expect(decode([0x96]) == .success("–"))
    }

    @Test func asciiAndEmptyInputAreUnchanged() {
        #expect(decode(Array("Grant ref 42, \"A\"\n".utf8)) == .success("Grant ref 42, \"A\"\n"))
        #expect(decode([]) == .success(""))
    }

    @Test func undefinedByteIsReportedWithItsOffset() {
        // Given 0x81, which Windows-1252 leaves undefined, at offset 3 after a non-ASCII byte
        let result = decode([0x61, 0xE9, 0x62, 0x81, 0x63, 0x8D])
        // Then the first undefined byte and its offset are reported
        #expect(result == .failure(Windows1252.UndefinedByte(value: 0x81, offset: 3)))
        #expect(Windows1252.UndefinedByte(value: 0x81, offset: 3).description.hasPrefix(
            "byte 0x81 at offset 3 has no character in Windows-1252."))
    }

    @Test(arguments: [0x81, 0x8D, 0x8F, 0x90, 0x9D] as [UInt8])
    func everyUndefinedByteIsReported(byte: UInt8) {
        #expect(decode([0x41, byte]) == .failure(Windows1252.UndefinedByte(value: byte, offset: 1)))
    }

    @Test func everyDefinedByteDecodesAsFoundationDecodesIt() throws {
        let undefined: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]
        for byte in UInt8.min...UInt8.max where !undefined.contains(byte) {
            let expected = try #require(String(data: Data([byte]), encoding: .windowsCP1252), "byte \(byte)")
            #expect(decode([byte]) == .success(expected), "byte \(byte)")
        }
    }

    @Test func utf8DecodesValidText() {
        #expect(utf8(Array("Zoë – 5’".utf8)) == "Zoë – 5’")
        #expect(utf8([0x61, 0x00, 0x62]) == "a\u{0}b")
        #expect(utf8([]) == "")
    }

    @Test(arguments: [
        [0xC9, 0x6D, 0x69, 0x6C, 0x65],  // Windows-1252 "Émile"
        [0x61, 0xC3],                    // sequence cut short
        [0xC0, 0xAF],                    // overlong "/"
        [0xED, 0xA0, 0x80],              // UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],        // beyond U+10FFFF
        [0xFF],
    ] as [[UInt8]])
    func utf8RejectsInvalidBytes(bytes: [UInt8]) {
        #expect(utf8(bytes) == nil)
    }
}

private func decode(_ bytes: [UInt8]) -> Result<String, Windows1252.UndefinedByte> {
    bytes.withUnsafeBufferPointer { Windows1252.decode($0) }
}

private func utf8(_ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBufferPointer { TextDecoding.utf8($0) }
}
