import Crypto
import Foundation

/// Replaces personal identifiers (participant e-mail addresses) with a keyed hash at validation,
/// so that no address reaches the warehouse, a reject, a log or a report.
///
/// The pseudonym is HMAC-SHA256 of the normalised address (trimmed, lower-cased) under a secret
/// key from the environment (`ENTHUSE_PSEUDONYM_KEY`, never the repository or the command line):
/// the same person gets the same pseudonym in every file, and nobody without the key can test a
/// guessed address against it.
///
/// `@unchecked Sendable`: the only state is the two prepared hashes, which are never mutated
/// (each use works on a copy); swift-crypto 3.12 does not mark `SHA256` Sendable.
public struct Pseudonymiser: @unchecked Sendable {
    public static let environmentVariable = "ENTHUSE_PSEUDONYM_KEY"
    /// HMAC-SHA256 (RFC 2104) with the key already folded in: SHA-256 states that have absorbed
    /// the key's inner and outer pads, copied for each address. Composed here from swift-crypto's
    /// `SHA256` rather than through its `HMAC<SHA256>`: in a perf profile of a 1,000,000-row
    /// register, `HMAC`'s generic `update(data:)` (regions of a `DataProtocol`, generic metadata
    /// looked up per call) and `finalize()` were 25% of the reading thread, against 3% for the
    /// SHA-256 blocks themselves. Equal to `HMAC<SHA256>` for every key (tested). A memo of
    /// pseudonyms by address (~20 MB for a register's 69,000 participants) is not worth its memory.
    private let innerPadded: SHA256
    private let outerPadded: SHA256

    public init(secret: String) throws(PipelineConfigurationError) {
        guard secret.utf8.count >= 16 else {
            throw PipelineConfigurationError(file: Self.environmentVariable, line: nil, message: "the pseudonymisation key must be at least 16 bytes; generate one with `openssl rand -hex 32`")
        }
        var key = Array(secret.utf8)
        if key.count > SHA256.blockByteCount { key = Array(SHA256.hash(data: key)) }
        key += [UInt8](repeating: 0, count: SHA256.blockByteCount - key.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(data: key.map { $0 ^ 0x36 })
        outer.update(data: key.map { $0 ^ 0x5C })
        innerPadded = inner
        outerPadded = outer
    }

    /// The key from the environment; a configuration error (exit 78) when it is missing.
    public static func fromEnvironment() throws(PipelineConfigurationError) -> Pseudonymiser {
        guard let secret = ProcessInfo.processInfo.environment[environmentVariable], !secret.isEmpty else {
            throw PipelineConfigurationError(file: environmentVariable, line: nil, message: "this pipeline pseudonymises personal data and needs a secret key: set \(environmentVariable) (e.g. `export \(environmentVariable)=$(openssl rand -hex 32)`, kept out of the repository and command lines)")
        }
        return try Pseudonymiser(secret: secret)
    }

    /// The pseudonym of an e-mail address as its 32 bytes (what staging stores; analysts see it as
    /// 64 hex digits), or the reason the text is not one. The reason never repeats the text.
    func digest(ofEmail field: UnsafeBufferPointer<UInt8>) -> Result<SHA256Digest, ValueError> {
        let bytes = field.trimmingBlanks()
        guard Self.isEmailAddress(bytes) else {
            return .failure(ValueError(expected: "an e-mail address such as name@school.sch.uk (the value is withheld: it may be personal data)"))
        }
        var inner = innerPadded
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { normalised in
            for (offset, byte) in bytes.enumerated() {
                normalised[offset] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            inner.update(bufferPointer: UnsafeRawBufferPointer(normalised))
        }
        var outer = outerPadded
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return .success(outer.finalize())
    }

    /// One `@`, a non-empty local part, a domain with a dot, no spaces or control characters.
    static func isEmailAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 5, bytes.count <= 254, let at = bytes.firstIndex(of: 0x40), at > 0,
              bytes.lastIndex(of: 0x40) == at else { return false }
        let domain = bytes[(at + 1)...]
        guard let dot = domain.lastIndex(of: 0x2E), dot > at + 1, dot < bytes.count - 1 else { return false }
        return !bytes.contains { $0 <= 0x20 || $0 == 0x7F || $0 == 0x2C || $0 == 0x3B || $0 == 0x22 }
    }

    /// `text` with anything that looks like an e-mail address replaced by `«masked e-mail»`: the
    /// last guard before a raw record or a value is stored in a reject.
    public static func maskingEmails(in text: String) -> String {
        guard text.contains("@") else { return text }
        return text.replacing(/[^\s,;"'<>()|=]+@[^\s,;"'<>()|=]+/, with: "«masked e-mail»")
    }
}
