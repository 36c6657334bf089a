// swift-crypto's own BoringSSL, through its C module rather than `Crypto`'s Swift API: see
// `Pseudonymiser`. The module is internal to swift-crypto, which Package.swift pins exactly
// (3.12.3); were it renamed, this would stop compiling, not start hashing differently, and the
// tests compare every pseudonym with swift-crypto's public `HMAC<SHA256>`.
import CCryptoBoringSSL
import Foundation

/// Replaces personal identifiers (participant e-mail addresses) with a keyed hash at validation,
/// so that no address reaches the warehouse, a reject, a log or a report.
///
/// The pseudonym is HMAC-SHA256 of the normalised address (trimmed, lower-cased) under a secret
/// key from the environment (`ENTHUSE_PSEUDONYM_KEY`, never the repository or the command line):
/// the same person gets the same pseudonym in every file, and nobody without the key can test a
/// guessed address against it.
public struct Pseudonymiser: Sendable {
    public static let environmentVariable = "ENTHUSE_PSEUDONYM_KEY"
    /// HMAC-SHA256 (RFC 2104) with the key already folded in: SHA-256 states that have absorbed
    /// the key's inner and outer pads, copied (112 bytes, on the stack) for each address.
    ///
    /// BoringSSL's `SHA256_CTX` directly, not swift-crypto's `SHA256`: in a perf profile of a
    /// 1,000,000-row register (`perf record -g`, `enthuse run`), `digest(ofEmail:)` through
    /// `SHA256` was 0.8 s of the reading thread's 3.6 s, the critical path, against ~0.1 s for the
    /// SHA-256 blocks themselves: `SHA256` keeps its state in a class, so each copy allocates it
    /// again, and `finalize()` copies and wipes it twice more through generic code. Equal to
    /// `HMAC<SHA256>` for every key and address length (tested).
    private let innerPadded: SHA256_CTX
    private let outerPadded: SHA256_CTX

    public init(secret: String) throws(PipelineConfigurationError) {
        guard secret.utf8.count >= 16 else {
            throw PipelineConfigurationError(file: Self.environmentVariable, line: nil, message: "the pseudonymisation key must be at least 16 bytes; generate one with `openssl rand -hex 32`")
        }
        var key = Array(secret.utf8)
        if key.count > Self.blockByteCount {
            var hashed = [UInt8](repeating: 0, count: Self.byteCount)
            _ = CCryptoBoringSSL_SHA256(key, key.count, &hashed)
            key = hashed
        }
        key += [UInt8](repeating: 0, count: Self.blockByteCount - key.count)
        innerPadded = Self.state(absorbing: key.map { $0 ^ 0x36 })
        outerPadded = Self.state(absorbing: key.map { $0 ^ 0x5C })
    }

    /// The bytes of a pseudonym (what staging stores; analysts see them as 64 hex digits).
    public static let byteCount = 32
    private static let blockByteCount = 64

    private static func state(absorbing block: [UInt8]) -> SHA256_CTX {
        var state = SHA256_CTX()
        CCryptoBoringSSL_SHA256_Init(&state)
        CCryptoBoringSSL_SHA256_Update(&state, block, block.count)
        return state
    }

    /// The key from the environment; a configuration error (exit 78) when it is missing.
    public static func fromEnvironment() throws(PipelineConfigurationError) -> Pseudonymiser {
        guard let secret = ProcessInfo.processInfo.environment[environmentVariable], !secret.isEmpty else {
            throw PipelineConfigurationError(file: environmentVariable, line: nil, message: "this pipeline pseudonymises personal data and needs a secret key: set \(environmentVariable) (e.g. `export \(environmentVariable)=$(openssl rand -hex 32)`, kept out of the repository and command lines)")
        }
        return try Pseudonymiser(secret: secret)
    }

    /// The pseudonym of an e-mail address, its ``byteCount`` bytes written to `pseudonym`, or the
    /// reason the text is not one. The reason never repeats the text.
    func digest(ofEmail field: UnsafeBufferPointer<UInt8>, into pseudonym: UnsafeMutablePointer<UInt8>) -> ValueError? {
        let bytes = field.trimmingBlanks()
        guard Self.isEmailAddress(bytes) else {
            return ValueError(expected: "an e-mail address such as name@school.sch.uk (the value is withheld: it may be personal data)")
        }
        var inner = innerPadded
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { normalised in
            for (offset, byte) in bytes.enumerated() {
                normalised[offset] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            CCryptoBoringSSL_SHA256_Update(&inner, normalised.baseAddress, normalised.count)
        }
        CCryptoBoringSSL_SHA256_Final(pseudonym, &inner)
        var outer = outerPadded
        CCryptoBoringSSL_SHA256_Update(&outer, pseudonym, Self.byteCount)
        CCryptoBoringSSL_SHA256_Final(pseudonym, &outer)
        return nil
    }

    /// One `@`, a non-empty local part, a domain with a dot, no spaces or control characters.
    ///
    /// One pass over the bytes: the four of `firstIndex`, `lastIndex` (twice) and `contains` were
    /// 0.13 s of the validating thread in a perf profile of a 1,000,000-row register.
    static func isEmailAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 5, bytes.count <= 254 else { return false }
        var at = -1, lastDot = -1
        for (index, byte) in bytes.enumerated() {
            let kind = addressByteKinds[Int(byte)]
            if kind == 0 { continue }
            switch kind {
            case 1:
                guard at < 0 else { return false }
                at = index
            case 2:
                lastDot = index
            default:
                return false
            }
        }
        // A dot in the domain, not its first or last byte.
        return at > 0 && lastDot > at + 1 && lastDot < bytes.count - 1
    }

    /// For each byte: 0 an ordinary one, 1 `@`, 2 `.`, 3 one an address never holds (controls,
    /// space, DEL, `,`, `;`, `"`). A table, because the comparisons of a `switch` per byte were
    /// most of the check's time.
    private static let addressByteKinds: [UInt8] = (0 ... 255).map { byte -> UInt8 in
        switch byte {
        case 0x40: 1
        case 0x2E: 2
        case 0 ... 0x20, 0x7F, 0x2C, 0x3B, 0x22: 3
        default: 0
        }
    }

    /// `text` with anything that looks like an e-mail address replaced by `«masked e-mail»`: the
    /// last guard before a raw record or a value is stored in a reject.
    public static func maskingEmails(in text: String) -> String {
        guard text.contains("@") else { return text }
        return text.replacing(/[^\s,;"'<>()|=]+@[^\s,;"'<>()|=]+/, with: "«masked e-mail»")
    }
}
