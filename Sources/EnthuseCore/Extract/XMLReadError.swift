/// Why an XML file was refused, where, and what to do about it.
///
/// An XML file is loaded whole or not at all: once `XMLStreamReader` throws, the caller discards
/// whatever it read from that file. The error lists every problem found before reading stopped,
/// in file order: up to `XMLReadLimits.maxSchemaErrors` schema violations, then at most one
/// problem that stopped the reader (a file that is not well-formed, a DOCTYPE, a limit).
///
/// ```
/// contributions_20140405.xml:12: element Amount: the value '12.345' has more fractional digits
/// than are allowed ('2') (finance-ledger.xsd). Fix the export and deliver the file again.
/// ```
public struct XMLReadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem stopped the file; when several were found, the one that stopped it.
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened or read.
        case cannotOpen
        /// The XSD itself did not compile: a defect in ENTHUSE, not in the data.
        case invalidSchema
        /// The file declares a DOCTYPE, which ENTHUSE sources never do.
        case declaresDoctype
        /// The file is not well-formed XML with namespaces.
        case notWellFormed
        /// The file ends before its root element is closed: it was cut short.
        case truncated
        /// Elements are nested deeper than `XMLReadLimits.maxDepth`.
        case tooDeep
        /// A text node, or an element's text, is longer than `XMLReadLimits.maxTextBytes`.
        case textTooLong
        /// The file is well-formed but breaks its XSD.
        case schemaViolation
    }

    /// One problem at one place in the file.
    public struct Issue: Equatable, Sendable {
        /// The 1-based line, or nil when the problem concerns the whole file.
        public let line: Int?
        /// The 1-based column, when libxml2 knows it (it does not for schema violations).
        public let column: Int?
        /// What is wrong, in words that name the element or value concerned.
        public let message: String

        public init(line: Int?, column: Int? = nil, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }
    }

    public let reason: Reason
    /// The path of the file as given to the reader (messages show only its last component).
    public let file: String
    /// Every problem found, in file order; never empty.
    public let issues: [Issue]

    public init(reason: Reason, file: String, issues: [Issue]) {
        precondition(!issues.isEmpty, "an XMLReadError names at least one problem")
        self.reason = reason
        self.file = file
        self.issues = issues
    }

    init(_ reason: Reason, file: String, line: Int?, column: Int? = nil, _ message: String) {
        self.init(reason: reason, file: file, issues: [Issue(line: line, column: column, message: message)])
    }

    /// The line of the first problem.
    public var line: Int? { issues[0].line }
    /// The column of the first problem, when known.
    public var column: Int? { issues[0].column }
    /// The message of the first problem.
    public var message: String { issues[0].message }

    /// What the person who reads the error should do next.
    public var advice: String {
        switch reason {
        case .cannotOpen: "Check that the file exists and that the loader may read it."
        case .invalidSchema: "The schema ships with ENTHUSE: fix it and run again."
        case .truncated: "Deliver the complete file again."
        default: "Fix the export and deliver the file again."
        }
    }

    public var description: String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        func located(_ issue: Issue) -> String {
            let place = [issue.line, issue.column].compactMap { $0 }.map { ":\($0)" }.joined()
            return "\(name)\(place): \(issue.message)"
        }
        if issues.count == 1 {
            return "\(located(issues[0])). \(advice)"
        }
        let lines = issues.map { "  \(located($0))" }
        return "\(name): \(issues.count) problems; the file was not loaded. \(advice)\n"
            + lines.joined(separator: "\n")
    }
}
