/// One step of an `XMLStreamReader`: an element's start or end, or a run of text, with where it
/// is in the file.
///
/// Whitespace-only text between tags, comments and processing instructions are not reported;
/// `XMLStreamReader.readElementText()` does include whitespace inside the element it reads.
public struct XMLStreamNode: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case elementStart
        /// The end of an element that is not empty; `<Memo/>` has a start and no end.
        case elementEnd
        /// Character data, CDATA sections included, with entity and character references
        /// already replaced.
        case text
    }

    public let kind: Kind
    /// The element's name without its prefix; empty for text.
    public let localName: String
    /// The element's namespace URI; empty for text and for elements in no namespace.
    public let namespaceURI: String
    /// How deep the node sits: 0 for the root element, 1 for its children and their text.
    public let depth: Int
    /// The 1-based line of the node: for an element start, where its start tag ends; for an
    /// element end, where its end tag is; for text, where it ends, or for text that spans many
    /// lines in pieces, a line within it.
    public let line: Int
    /// True for an element written in the short form `<Memo/>`, which has no `.elementEnd`;
    /// `<Memo></Memo>` has both.
    public let isEmptyElement: Bool
    /// The characters of a text node; empty for elements.
    public let text: String
}

/// The bounds an `XMLStreamReader` enforces, so that a hostile or broken file is refused quickly
/// and in little memory instead of being read to the end.
public struct XMLReadLimits: Equatable, Sendable {
    /// The deepest element nesting allowed, the root element being level 1. At most 256:
    /// libxml2 refuses deeper nesting itself.
    public let maxDepth: Int
    /// The longest text allowed, in UTF-8 bytes, for one text node and for the whole text that
    /// `readElementText()` gathers. At most 10,000,000: libxml2 (without `XML_PARSE_HUGE`, which
    /// ENTHUSE never sets) refuses a longer text node itself, having held at most that much.
    public let maxTextBytes: Int
    /// How many schema violations to collect before giving up on a file.
    public let maxSchemaErrors: Int

    /// Limits far above anything an ENTHUSE source needs: its exports nest six levels at most
    /// and its longest field is a memo of a few hundred characters.
    public init(maxDepth: Int = 64, maxTextBytes: Int = 8 << 20, maxSchemaErrors: Int = 20) {
        precondition((1...256).contains(maxDepth), "maxDepth must be within 1...256")
        precondition((1...10_000_000).contains(maxTextBytes), "maxTextBytes must be within 1...10_000_000")
        precondition(maxSchemaErrors >= 1, "maxSchemaErrors must be at least 1")
        self.maxDepth = maxDepth
        self.maxTextBytes = maxTextBytes
        self.maxSchemaErrors = maxSchemaErrors
    }
}

extension XMLReadLimits {
    var tooDeepMessage: String {
        "elements are nested more than \(maxDepth) levels deep; ENTHUSE exports nest a few levels — the file "
            + "was not read further"
    }

    var textTooLongMessage: String {
        "text longer than \(maxTextBytes) bytes; no ENTHUSE field comes near that — the file was not read "
            + "further"
    }
}
