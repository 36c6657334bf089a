/// A validated, typed value on its way to a staging column.
public enum FieldValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// Why one field of one row was refused: the validate stage's diagnostic, which becomes an
/// `etl_reject` row and a line `file:line: field: message` in reports.
public struct RowProblem: Error, Sendable, Equatable {
    /// The pipeline column (nil for a problem with the whole record).
    public var field: String?
    /// The offending text, as found (never personal data).
    public var value: String?
    /// What was expected.
    public var reason: String

    public init(field: String?, value: String?, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }
}
