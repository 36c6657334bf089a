import Crypto
import Foundation
import Testing
@testable import EnthuseCore

/// The pseudonym of `email` under `secret`, as the validator asks for it.
private func pseudonym(_ email: String, secret: String) throws -> Result<String, ValueError> {
    try Pseudonymiser(secret: secret).digest(ofEmail: email).map { $0.withUnsafeBytes(Hex.lowercase) }
}

/// HMAC-SHA256 of `text` under `secret` in lower-case hex, from swift-crypto's own `HMAC`.
private func referenceHMAC(_ text: String, secret: String) -> String {
    let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(secret.utf8)))
    return code.map { String(format: "%02x", $0) }.joined()
}

@Suite("Pseudonymiser")
struct PseudonymiserTests {
    @Test("a pseudonym is HMAC-SHA256 of the address under the key, whatever the key's length", arguments: [
        "sixteen-bytes-ok",
        String(repeating: "k", count: 63),
        String(repeating: "k", count: 64),   // exactly one SHA-256 block: used as it is
        String(repeating: "k", count: 65),   // longer than a block: hashed first
        "a-longer-secret-of-the-kind-openssl-rand-hex-32-gives-0123456789abcdef0123456789abcdef",
    ])
    func equalsHMAC(secret: String) throws {
        for email in ["ada@school.sch.uk", "a@b.co", String(repeating: "x", count: 120) + "@example.org"] {
            #expect(try pseudonym(email, secret: secret) == .success(referenceHMAC(email, secret: secret)))
        }
    }

    @Test("equal to HMAC<SHA256> for every address length up to the longest address accepted, across block boundaries")
    func everyLength() throws {
        let secret = "a-longer-secret-of-the-kind-openssl-rand-hex-32-gives"
        for length in 5 ... 254 {
            let email = String(repeating: "p", count: length - 4) + "@a.b"
            #expect(try pseudonym(email, secret: secret) == .success(referenceHMAC(email, secret: secret)), "address of \(length) bytes")
        }
    }

    @Test("one pseudonymiser gives the same pseudonym for an address however often it is asked, between others")
    func repeatable() throws {
        let pseudonymiser = try Pseudonymiser(secret: "sixteen-bytes-ok")
        let first = pseudonymiser.digest(ofEmail: "ada@school.sch.uk")
        _ = pseudonymiser.digest(ofEmail: String(repeating: "x", count: 200) + "@example.org")
        #expect(pseudonymiser.digest(ofEmail: "ada@school.sch.uk") == first)
    }

    @Test("the address is trimmed and lower-cased first, so one person has one pseudonym")
    func normalised() throws {
        let secret = "sixteen-bytes-ok"
        #expect(try pseudonym("  Ada.Lovelace@School.SCH.uk\t", secret: secret) == .success(referenceHMAC("ada.lovelace@school.sch.uk", secret: secret)))
    }

    @Test("different keys give different pseudonyms for the same address")
    func keyed() throws {
        #expect(try pseudonym("ada@school.sch.uk", secret: "sixteen-bytes-ok") != pseudonym("ada@school.sch.uk", secret: "sixteen-bytes-OK"))
    }

    @Test("text that is not an address is refused without repeating it", arguments: ["ada", "ada@lea", "@lea.gov.uk", "a@b@lea.gov.uk", "ada lovelace@lea.gov.uk"])
    func refused(text: String) throws {
        guard case let .failure(error) = try pseudonym(text, secret: "sixteen-bytes-ok") else {
            Issue.record("\(text) was accepted as an e-mail address")
            return
        }
        #expect(!error.expected.contains(text))
    }

    @Test("an address needs one @ after a local part, and a dot inside the domain", arguments: [
        ("a@b.co", true), ("ada.lovelace@school.sch.uk", true), ("a.b@cd", false), ("ab@.cd", false),
        ("ab@cd.", false), ("@ab.cd", false), ("ab@c@d.e", false), ("ab@cd,e.f", false), ("ab@cd;e.f", false),
        ("a\"b@cd.ef", false), ("ab@cd\u{7F}.ef", false), ("ab@c\td.ef", false), ("a@b.", false),
    ])
    func addressShape(text: String, accepted: Bool) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBufferPointer(Pseudonymiser.isEmailAddress) == accepted, "\(text)")
    }

    @Test("a key shorter than 16 bytes is a configuration error")
    func shortKey() {
        #expect(throws: PipelineConfigurationError.self) { try Pseudonymiser(secret: "short") }
    }
}
