import CLibXML2
import Foundation

/// A pull reader over one XML file that validates against an XSD while it streams, in constant
/// memory, and refuses anything an ENTHUSE export would never contain. It reads a document that
/// is not a file of its own (a part of an .xlsx archive) the same way, from an `XMLByteStream`.
///
/// It wraps libxml2's `xmlTextReader` and is safe by construction: no network, no external
/// entities (see `ExternalEntityAllowList`), no DTD at all, and bounded nesting and text (see
/// `XMLReadLimits`). A file is good only if `next()` returns nil without throwing: reading ended
/// cleanly, the validator says valid and libxml2 reported no error. Nodes handed out before an
/// error belong to a refused file and must be discarded with it.
///
/// A reader is not `Sendable`: create it, use it and let it go inside one task.
///
/// ```swift
/// let reader = try XMLStreamReader(path: path, schema: ledgerSchema)
/// while let node = try reader.next() {
///     if node.kind == .elementStart, node.localName == "Entry" {
///         let reference = reader.attribute("ref")
///     }
/// }
/// ```
public final class XMLStreamReader {
    /// The path of the file, as given.
    public let file: String
    public let limits: XMLReadLimits
    /// Held so that the compiled schema outlives the validation context libxml2 built on it.
    let schema: XMLSchema?
    let reader: xmlTextReaderPtr
    let log: LibXML2ErrorLog
    /// Where the bytes come from: the file's descriptor, or a stream such as a part of a zip.
    let input: XMLInput
    /// Set once reading has failed; every later call throws it again.
    var failure: XMLReadError?
    var isFinished = false
    /// The line on which the last text (whitespace included) ended. libxml2 keeps an element's
    /// line in 16 bits; past line 65534 the element's line is taken from the text before it,
    /// whose line `XML_PARSE_BIG_LINES` keeps exact.
    var lastTextLine = 0
    /// The namespace URI of the last element, by libxml2's interned pointer: a file rarely
    /// changes namespace, and this spares building the same string for every element.
    private var lastNamespace: (pointer: UnsafePointer<xmlChar>, uri: String)?

    /// No network; no entity substitution, DTD loading, DTD attributes or DTD validation; no
    /// lifting of libxml2's size limits (`XML_PARSE_HUGE`). CDATA comes as plain text.
    static let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_BIG_LINES.rawValue)

    /// Opens `path` for reading, validating against `schema` when one is given.
    ///
    /// Throws when the file cannot be opened, or when its prolog declares a DOCTYPE.
    public convenience init(path: String, schema: XMLSchema?, limits: XMLReadLimits = XMLReadLimits()) throws(XMLReadError) {
        ExternalEntityAllowList.install()
        let (descriptor, fileSize) = try Self.openRefusingDoctype(path)
        guard let reader = xmlReaderForFd(descriptor, path, nil, Self.options) else {
            close(descriptor)
            throw XMLReadError(.cannotOpen, file: path, line: nil, "libxml2 could not start reading the file")
        }
        try self.init(file: path, reader: reader, input: .descriptor(descriptor, size: fileSize), schema: schema, limits: limits)
    }

    /// Takes over `reader`, freshly made over `input`, and attaches the error handler and schema.
    init(file: String, reader: xmlTextReaderPtr, input: XMLInput, schema: XMLSchema?, limits: XMLReadLimits) throws(XMLReadError) {
        let log = LibXML2ErrorLog(capacity: limits.maxSchemaErrors)
        // The handler must be in place before the schema is attached: libxml2 wires the
        // validator's errors to it then, and crashed when the order was reversed.
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            LibXML2ErrorLog.from(context).record(error.pointee)
        }, log.context)
        if let schema, xmlTextReaderSetSchema(reader, schema.compiled) != 0 {
            xmlFreeTextReader(reader)
            input.close()
            let message = "libxml2 could not validate with this schema"
            throw XMLReadError(.invalidSchema, file: schema.path, line: nil, message)
        }
        self.file = file
        self.limits = limits
        self.schema = schema
        self.reader = reader
        self.log = log
        self.input = input
    }

    deinit {
        xmlFreeTextReader(reader)
        input.close()
    }

    /// Moves to the next element start, element end or text, or returns nil at the end of a good
    /// file.
    public func next() throws(XMLReadError) -> XMLStreamNode? {
        while let type = try advance() {
            switch type {
            case XML_READER_TYPE_ELEMENT: return currentNode(.elementStart)
            case XML_READER_TYPE_END_ELEMENT: return currentNode(.elementEnd)
            case XML_READER_TYPE_TEXT: return currentNode(.text)
            default: continue
            }
        }
        return nil
    }

    /// The value of an attribute of the element start the reader is on, or nil when the element
    /// has no such attribute (or the reader is not on an element start).
    ///
    /// `name` is the local name; give `namespace` for an attribute in a namespace, such as
    /// SpreadsheetML's `ss:Index`, and leave it nil for an unprefixed one.
    public func attribute(_ name: String, namespace: String? = nil) -> String? {
        guard xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue) else { return nil }
        let found = Self.withXMLChars(name) { name in
            guard let namespace else { return xmlTextReaderMoveToAttribute(reader, name) }
            return Self.withXMLChars(namespace) { xmlTextReaderMoveToAttributeNs(reader, name, $0) }
        }
        guard found == 1 else { return nil }
        defer { xmlTextReaderMoveToElement(reader) }
        return xmlTextReaderConstValue(reader).map { String(cString: $0) }
    }

    /// Reads all the text inside the element start the reader is on, whitespace included, and
    /// moves past the element's end; "" for an empty element. Text inside child elements is
    /// included, as in SpreadsheetML's rich-text cells.
    public func readElementText() throws(XMLReadError) -> String {
        precondition(
            xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_ELEMENT.rawValue),
            "readElementText() reads from an element start")
        guard xmlTextReaderIsEmptyElement(reader) != 1 else { return "" }
        let depth = xmlTextReaderDepth(reader)
        var text = ""
        while let type = try advance() {
            switch type {
            case XML_READER_TYPE_END_ELEMENT where xmlTextReaderDepth(reader) == depth:
                return text
            case XML_READER_TYPE_TEXT, XML_READER_TYPE_WHITESPACE, XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                text += xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? ""
                if text.utf8.count > limits.maxTextBytes {
                    throw stop(.textTooLong, line: lastTextLine, textTooLongMessage)
                }
            default:
                continue
            }
        }
        return text
    }

    /// The line of the element start or end the reader is on: libxml2's own line for the element
    /// (where its start tag ends), or where the text before it ended when that is later, as it is
    /// for an end tag and for any element past line 65534, where libxml2's count stops.
    func elementLine() -> Int {
        max(Int(xmlTextReaderCurrentNode(reader)?.pointee.line ?? 0), lastTextLine)
    }

    private func currentNode(_ kind: XMLStreamNode.Kind) -> XMLStreamNode {
        let isText = kind == .text
        return XMLStreamNode(
            kind: kind,
            localName: isText ? "" : xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "",
            namespaceURI: isText ? "" : namespaceURI(),
            depth: Int(xmlTextReaderDepth(reader)),
            line: isText ? lastTextLine : elementLine(),
            isEmptyElement: kind == .elementStart && xmlTextReaderIsEmptyElement(reader) == 1,
            text: isText ? xmlTextReaderConstValue(reader).map { String(cString: $0) } ?? "" : "")
    }

    private func namespaceURI() -> String {
        guard let pointer = xmlTextReaderConstNamespaceUri(reader) else { return "" }
        if let lastNamespace, lastNamespace.pointer == pointer { return lastNamespace.uri }
        let uri = String(cString: pointer)
        lastNamespace = (pointer, uri)
        return uri
    }

    private static func withXMLChars<Result>(_ string: String, _ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
        string.withCString { $0.withMemoryRebound(to: xmlChar.self, capacity: string.utf8.count + 1, body) }
    }
}

@available(*, unavailable, message: "a libxml2 reader belongs to the task that created it")
extension XMLStreamReader: Sendable {}
