import Crypto
import Foundation
import Testing
@testable import EnthuseCore

@Suite("File fingerprints")
struct FileFingerprintTests {
    @Test func theHashAndSizeAreTheFilesWhetherOrNotItsEncodingIsDetected() throws {
        let scratch = try Scratch()
        // Past the 1 MiB chunk, with a Windows-1252 byte (£) on line 3
        let bytes = Array("a,b\nc,d\n".utf8) + [0xA3] + Array(repeating: UInt8(ascii: "x"), count: 1 << 20) + Array("\n".utf8)
        try scratch.write("f.csv", bytes: bytes)
        let path = scratch.inbox.appendingPathComponent("f.csv").path

        let detected = try FileFingerprint.compute(path: path)
        let hashedOnly = try FileFingerprint.compute(path: path, detectingEncoding: false)

        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(detected.sha256 == expected && hashedOnly.sha256 == expected)
        #expect(detected.size == bytes.count && hashedOnly.size == bytes.count)
        #expect(detected.firstInvalidUTF8?.line == 3 && detected.firstInvalidUTF8?.byte == 0xA3)
        #expect(!detected.isValidUTF8)
    }
}
