/// The validate stage for one file: applies each column's declared rule to a record's field and
/// yields typed values, or the problems that make the row a reject.
///
/// Built once per file (rules compiled, header bound), then reused for every row without
/// per-row allocation beyond the text values themselves.
public struct RowValidator {
    private let rules: [CompiledRule]
    private let width: Int
    /// The problems of the last row refused.
    public private(set) var problems: [RowProblem] = []

    public init(pipeline: PipelineDefinition, binding: HeaderBinding, pseudonymiser: Pseudonymiser? = nil,
                references: [String: ReferenceSet] = [:]) throws {
        rules = try zip(pipeline.columns, binding.indexes).map { rule, index in
            try CompiledRule(rule: rule, index: index, pseudonymiser: pseudonymiser, references: rule.existsIn.flatMap { references[$0] })
        }
        width = binding.width
    }

    /// Validates the current record of `source`: when every field passes, its typed values are
    /// appended to `batch` and the result is true; otherwise `problems` says why.
    ///
    /// Plain text columns (no pattern, list, length or placeholders) are copied from the reader's
    /// bytes into the batch, trimmed, with no `String` and no memo in between: in a perf profile of
    /// a 1,000,000-row register the memo's hashing and copying of their results was a quarter of
    /// the reading thread's time.
    mutating func validate<Source: RecordSource>(_ source: Source, into batch: inout ValidatedBatch) -> Bool {
        problems.removeAll(keepingCapacity: true)
        if let problem = source.recordProblem {
            problems.append(RowProblem(field: nil, value: nil, reason: problem))
        }
        if source.fieldCount != width {
            problems.append(RowProblem(field: nil, value: nil, reason: "the record has \(source.fieldCount) fields where the header has \(width); a field is missing, or a comma inside a value is not quoted"))
            return false
        }
        batch.beginRow(line: source.line)
        for position in rules.indices {
            if let problem = rules[position].validateField(of: source, into: &batch) { problems.append(problem) }
        }
        guard problems.isEmpty else {
            batch.abandonRow()
            return false
        }
        return true
    }
}

/// One column's rule, compiled: the regex built, the tokens folded, the parser chosen. A class,
/// so that the per-field loop does not copy (retain and release) its fields for every value.
final class CompiledRule {
    let name: String
    let index: Int?
    let rule: ColumnRule
    private let pattern: WholePattern?
    private let placeholders: Set<String>
    private let values: [String: String]?
    private let pseudonymiser: Pseudonymiser?
    /// A `pseudonym` column: its values go into the batch as bytes, by ``appendPseudonym(_:to:)``.
    let isPseudonym: Bool
    private let references: ReferenceSet?
    /// Text kept as written: nothing to check but presence, so its bytes go straight to the batch.
    let isPlainText: Bool
    /// Results of expensive checks (a pattern, a value list) by field text: registers repeat the
    /// same codes and names on row after row.
    private let memo: FieldMemo?

    init(rule: ColumnRule, index: Int?, pseudonymiser: Pseudonymiser?, references: ReferenceSet? = nil) throws {
        self.rule = rule
        self.pseudonymiser = pseudonymiser
        isPseudonym = rule.type == .pseudonym
        self.references = references
        // Not pseudonyms: a memo of them by address would hold ~20 MB for a register's 69,000
        // participants, against two SHA-256 blocks an address (Pseudonymiser).
        let expensive = rule.pattern != nil || rule.values != nil || (rule.type == .text && !rule.placeholders.isEmpty)
        memo = expensive ? FieldMemo(capacity: 4_096) : nil
        self.name = rule.name
        self.index = index
        isPlainText = rule.type == .text && rule.pattern == nil && rule.values == nil && rule.maxLength == nil && rule.placeholders.isEmpty
            && references == nil
        pattern = try rule.pattern.map { try WholePattern($0) }
        placeholders = Set(rule.placeholders)
        values = rule.values.map { Dictionary($0.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first }) }
    }

    /// Validates this rule's field of the current record of `source`, appending its value to
    /// `batch`; the problem when it is refused. A method of the rule, so that the closures the
    /// source calls borrow it: written inline in ``RowValidator/validate(_:into:)``'s loop, they
    /// retained and released the rule for every field (`swift_release_n` alone was 11% of the
    /// reading thread in a perf profile of a 1,000,000-row register; 3% since).
    func validateField<Source: RecordSource>(of source: Source, into batch: inout ValidatedBatch) -> RowProblem? {
        guard let index else {
            batch.appendNull()
            return nil
        }
        let outcome: Result<RowProblem?, FieldDecodingError>
        if isPseudonym {
            outcome = source.withUTF8Field(index) { raw in appendPseudonym(raw, to: &batch) }
        } else if isPlainText {
            outcome = source.withUTF8Field(index) { raw in appendPlainText(raw, to: &batch) }
        } else {
            outcome = source.withUTF8Field(index) { raw -> RowProblem? in
                switch checkRemembering(raw) {
                case let .success(value):
                    batch.append(value)
                    return nil
                case let .failure(problem):
                    return problem
                }
            }
        }
        switch outcome {
        case let .success(problem): return problem
        case let .failure(decoding): return RowProblem(field: name, value: nil, reason: decoding.reason)
        }
    }

    /// A plain text field's bytes, trimmed, straight into `batch`.
    private func appendPlainText(_ raw: UnsafeBufferPointer<UInt8>, to batch: inout ValidatedBatch) -> RowProblem? {
        let bytes = raw.trimmingBlanks()
        if !bytes.isEmpty {
            batch.appendText(bytes)
        } else if rule.required {
            return problem(nil, "a value is required")
        } else {
            batch.appendNull()
        }
        return nil
    }

    /// ``check(_:)``, answered from the memo when the same text was checked before.
    func checkRemembering(_ raw: UnsafeBufferPointer<UInt8>) -> Result<FieldValue, RowProblem> {
        guard let memo else { return checkReference(check(raw)) }
        return memo.result(for: raw) { checkReference(check(raw)) }
    }

    /// Applies `exists_in` to a value that passed its own rule.
    private func checkReference(_ result: Result<FieldValue, RowProblem>) -> Result<FieldValue, RowProblem> {
        guard let references, case let .success(value) = result, value != .null, !references.contains(value) else { return result }
        let shown: String
        switch value {
        case let .integer(number): shown = String(number)
        case let .text(text): shown = text
        default: shown = "\(value)"
        }
        let what = rule.existsIn!
        let label = what == "dim_school.urn" ? "URN \(shown) is not in the school register (dim_school)" : "'\(shown)' is not in \(what)"
        return .failure(RowProblem(field: name, value: shown, reason: "\(label); check the value or load its source first"))
    }

    /// The field's typed value or the reason it is refused.
    func check(_ raw: UnsafeBufferPointer<UInt8>) -> Result<FieldValue, RowProblem> {
        let bytes = raw.trimmingBlanks()
        if let absent = absence(bytes) { return absent }
        switch rule.type {
        case .text:
            let text = String(decoding: bytes, as: UTF8.self)
            return checkText(text).map { .text($0) }
        case .integer:
            if let pattern, pattern.match(String(decoding: bytes, as: UTF8.self)) == nil {
                return .failure(problem(bytes, "expected text matching \(rule.pattern!)"))
            }
            switch NumberParser.parseInteger(bytes, allowingZeroFraction: true) {
            case let .success(number): return checkRange(Double(number), bytes).map { .integer(number) }
            case let .failure(error): return .failure(problem(bytes, "expected \(error.expected)"))
            }
        case .decimal:
            switch NumberParser.parseDecimal(bytes) {
            case let .success(number): return checkRange(number, bytes).map { .real(number) }
            case let .failure(error): return .failure(problem(bytes, "expected \(error.expected)"))
            }
        case .boolean:
            switch BooleanParser.parse(bytes) {
            case let .success(flag): return .success(.integer(flag ? 1 : 0))
            case let .failure(error): return .failure(problem(bytes, "expected \(error.expected)"))
            }
        case .pseudonym:
            preconditionFailure("a pseudonym goes into the batch as bytes, by appendPseudonym(_:to:)")
        case .pence:
            switch AmountParser.parsePence(bytes) {
            case let .success(pence): return .success(.integer(pence))
            case let .failure(error): return .failure(problem(bytes, "expected \(error.expected)"))
            }
        case .date:
            switch DateParser.parse(bytes, as: rule.dateFormat!) {
            case let .success(date): return .success(.text(date.text))
            case let .failure(error): return .failure(problem(bytes, "expected \(error.expected)"))
            }
        }
    }

    /// NULL for an empty field or a placeholder, or the problem when a value is required; nil
    /// when there is a value to check.
    private func absence(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<FieldValue, RowProblem>? {
        if bytes.isEmpty {
            return rule.required ? .failure(problem(nil, "a value is required")) : .success(.null)
        }
        if !placeholders.isEmpty, placeholders.contains(String(decoding: bytes, as: UTF8.self)) {
            return .success(.null)
        }
        return nil
    }

    /// ``check(_:)`` for a `pseudonym` column, appending the pseudonym's 32 bytes to `batch`
    /// rather than its hex text, which staging would only turn back into bytes (in a perf profile
    /// of a 1,000,000-row register the hex, its `String` and the decoding were ~0.3 s of the two
    /// threads' time).
    func appendPseudonym(_ raw: UnsafeBufferPointer<UInt8>, to batch: inout ValidatedBatch) -> RowProblem? {
        let bytes = raw.trimmingBlanks()
        switch absence(bytes) {
        case let .failure(problem)?:
            return problem
        case .success?:
            batch.appendNull()
            return nil
        case nil:
            break
        }
        guard let pseudonymiser else { preconditionFailure("a pseudonym column needs a Pseudonymiser") }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Pseudonymiser.byteCount) { pseudonym in
            if let error = pseudonymiser.digest(ofEmail: bytes, into: pseudonym.baseAddress!) {
                return RowProblem(field: name, value: "«masked»", reason: "expected \(error.expected)")
            }
            batch.appendBytes(UnsafeRawBufferPointer(pseudonym))
            return nil
        }
    }

    private func checkText(_ text: String) -> Result<String, RowProblem> {
        if let values {
            guard let canonical = values[text.lowercased()] else {
                return .failure(RowProblem(field: name, value: text, reason: "expected one of \(rule.values!.map { "'\($0)'" }.joined(separator: ", "))"))
            }
            return .success(canonical)
        }
        if let pattern, pattern.match(text) == nil {
            return .failure(RowProblem(field: name, value: text, reason: "expected text matching \(rule.pattern!)"))
        }
        if let maxLength = rule.maxLength, text.count > maxLength {
            return .failure(RowProblem(field: name, value: String(text.prefix(maxLength)) + "…", reason: "expected at most \(maxLength) characters, found \(text.count)"))
        }
        return .success(text)
    }

    private func checkRange(_ number: Double, _ bytes: UnsafeBufferPointer<UInt8>) -> Result<Void, RowProblem> {
        guard let range = rule.range, !range.contains(number) else { return .success(()) }
        return .failure(problem(bytes, "expected a number from \(range.lowerBound.formattedBound) to \(range.upperBound.formattedBound)"))
    }

    private func problem(_ bytes: UnsafeBufferPointer<UInt8>?, _ reason: String) -> RowProblem {
        RowProblem(field: name, value: bytes.map { String(decoding: $0, as: UTF8.self) }, reason: reason)
    }
}

extension Double {
    /// A range bound as a person writes it: `100`, not `100.0`.
    var formattedBound: String {
        rounded() == self && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
