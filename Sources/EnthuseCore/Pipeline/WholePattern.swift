/// A regular expression matched against a whole string, with named captures: a pipeline's
/// file-name pattern, or a column's `pattern` rule.
///
/// `^edubasealldata(?<snapshot_date>[0-9]{8})\.csv$` claims `edubasealldata20261128.csv` and
/// captures `snapshot_date = 20261128`.
public struct WholePattern: @unchecked Sendable {
    // Regex<AnyRegexOutput> is not Sendable; a compiled regex is immutable and only matched.
    private let regex: Regex<AnyRegexOutput>
    public let captureNames: [String]

    public init(_ pattern: String) throws {
        regex = try Regex(pattern)
        captureNames = Self.names(in: pattern)
    }

    /// The named captures when the whole name matches, or nil.
    public func match(_ fileName: String) -> [String: String]? {
        guard let match = try? regex.wholeMatch(in: fileName) else { return nil }
        var captures: [String: String] = [:]
        for name in captureNames {
            if let value = match.output[name]?.substring { captures[name] = String(value) }
        }
        return captures
    }

    /// Capture names in `(?<name>…)` groups, read from the pattern's text.
    private static func names(in pattern: String) -> [String] {
        var names: [String] = []
        var rest = pattern[...]
        while let open = rest.firstRange(of: "(?<") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ">") else { break }
            let name = after[..<close]
            if !name.isEmpty, !name.hasPrefix("="), !name.hasPrefix("!") { names.append(String(name)) }
            rest = after[close...]
        }
        return names
    }
}
