import CLibXML2
import Foundation

/// What an ``XMLEventParser`` tells its handler as it parses: element starts and ends, and text.
/// Names and values point into libxml2's memory and are valid only during the call.
///
/// A handler that throws stops the parse: the parser keeps the error and throws it from
/// ``XMLEventParser/parseChunk()``.
protocol XMLEventHandler: AnyObject {
    func startElement(_ element: XMLElementStart) throws
    /// The end of the element that started at `depth`.
    func endElement(depth: Int) throws
    /// Text (whitespace included), in as many pieces as libxml2 delivers it.
    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws
}

/// An element start as libxml2's SAX2 parser reports it.
struct XMLElementStart {
    /// The element's local name.
    let name: UnsafePointer<xmlChar>
    /// Its namespace URI, nil when it has none.
    let namespace: UnsafePointer<xmlChar>?
    /// 0 for the root element.
    let depth: Int
    /// The line on which the start tag ends.
    let line: Int
    fileprivate let attributeCount: Int
    /// libxml2's attributes: five pointers each (local name, prefix, URI, value, value end).
    fileprivate let attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?

    /// Whether the element is `name` in `namespace` (both interned by ``XMLEventParser/intern(_:)``).
    func isNamed(_ name: UnsafePointer<xmlChar>, in namespace: UnsafePointer<xmlChar>) -> Bool {
        xmlStrEqual(self.name, name) == 1 && xmlStrEqual(self.namespace, namespace) == 1
    }

    /// The value of the attribute `name` in `namespace` (nil for an unprefixed one) as UTF-8
    /// bytes, or nil when the element has none.
    func attribute(_ name: UnsafePointer<xmlChar>, in namespace: UnsafePointer<xmlChar>?) -> UnsafeBufferPointer<UInt8>? {
        guard let attributes else { return nil }
        for index in 0..<attributeCount {
            let base = attributes + 5 * index
            guard xmlStrEqual(base[0], name) == 1, xmlStrEqual(base[2], namespace) == 1,
                  let start = base[3], let end = base[4] else { continue }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// The attribute's value as a `String`.
    func attributeText(_ name: UnsafePointer<xmlChar>, in namespace: UnsafePointer<xmlChar>?) -> String? {
        attribute(name, in: namespace).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A push parser over one XML document that reports its elements and text to a handler, with
/// the same refusals as ``XMLStreamReader``: no DOCTYPE (refused before parsing), no network, no
/// external entities, no entity substitution, bounded depth and text.
///
/// libxml2's SAX2 interface builds no node per element, where `xmlTextReader` builds and frees a
/// tree node for each: a perf profile of a 100,000-row SpreadsheetML register spent 59% of the
/// reading thread in libxml2 and most of the rest building strings per node; this parser reads
/// the same file in about a third of the time. It has no schema validation: documents that need an
/// XSD are read with ``XMLStreamReader``.
///
/// Not `Sendable`: create, use and free it on one thread.
final class XMLEventParser {
    let file: String
    let limits: XMLReadLimits
    private let context: xmlParserCtxtPtr
    private let input: XMLInput
    private let log: LibXML2ErrorLog
    private let handler: XMLEventDispatch
    private var buffer: UnsafeMutableRawBufferPointer
    private var depth = 0
    /// UTF-8 bytes of the text since the last element start or end.
    private var textLength = 0
    private var failure: (any Error)?
    private(set) var isFinished = false

    static let chunkSize = 64 * 1024

    /// Opens `path` to be parsed for `handler`, refusing a DOCTYPE before any parsing.
    convenience init(path: String, handler: some XMLEventHandler, limits: XMLReadLimits = XMLReadLimits()) throws(XMLReadError) {
        let (descriptor, size) = try XMLStreamReader.openRefusingDoctype(path)
        self.init(file: path, input: .descriptor(descriptor, size: size), handler: XMLEventDispatchTo(handler), limits: limits)
    }

    /// Parses the document `stream` delivers (a part of a zip archive, say), refusing a DOCTYPE
    /// before any parsing. `name` is how errors name it.
    convenience init(name: String, stream: any XMLByteStream, handler: some XMLEventHandler, limits: XMLReadLimits = XMLReadLimits()) throws(XMLReadError) {
        let input = try XMLStreamInput.refusingDoctype(stream, name: name)
        self.init(file: name, input: .stream(input), handler: XMLEventDispatchTo(handler), limits: limits)
    }

    private init(file: String, input: XMLInput, handler: XMLEventDispatch, limits: XMLReadLimits) {
        ExternalEntityAllowList.install()
        self.file = file
        self.input = input
        self.handler = handler
        self.limits = limits
        log = LibXML2ErrorLog(capacity: limits.maxSchemaErrors)
        buffer = .allocate(byteCount: Self.chunkSize, alignment: 1)
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { context, name, _, namespace, _, _, attributeCount, _, attributes in
            guard let context, let name else { return }
            XMLEventParser.with(context) { $0.started(name: name, namespace: namespace, attributeCount: Int(attributeCount), attributes: attributes) }
        }
        sax.endElementNs = { context, _, _, _ in
            guard let context else { return }
            XMLEventParser.with(context) { $0.ended() }
        }
        sax.characters = { context, bytes, count in
            guard let context, let bytes else { return }
            XMLEventParser.with(context) { $0.received(UnsafeBufferPointer(start: bytes, count: Int(count))) }
        }
        sax.ignorableWhitespace = sax.characters
        // Reached only when the prolog scan could not read the encoding (UTF-16, say).
        sax.internalSubset = { context, _, _, _ in
            guard let context else { return }
            XMLEventParser.with(context) { $0.stop(XMLReadError(.declaresDoctype, file: $0.file, line: $0.line, XMLStreamReader.doctypeMessage)) }
        }
        sax.serror = { context, error in
            guard let context, let error else { return }
            XMLEventParser.with(context) { $0.log.record(error.pointee) }
        }
        // The context pointer is unretained: the parser owns the libxml2 context and frees it first.
        context = xmlCreatePushParserCtxt(&sax, nil, nil, 0, file)
        context.pointee.userData = Unmanaged.passUnretained(self).toOpaque()
        xmlCtxtUseOptions(context, XMLStreamReader.options)
    }

    deinit {
        xmlFreeParserCtxt(context)
        buffer.deallocate()
        input.close()
    }

    /// Interns `name` in the parser's dictionary: comparing an element's name with an interned
    /// one is a pointer comparison.
    func intern(_ name: String) -> UnsafePointer<xmlChar> {
        name.withCString { text in
            text.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { xmlDictLookup(context.pointee.dict, $0, -1)! }
        }
    }

    /// The line the parser has reached.
    var line: Int { Int(xmlSAX2GetLineNumber(context)) }

    /// Parses the next chunk of the document, reporting what it holds to the handler; false once
    /// the whole document has been parsed and found good. Throws the handler's error, or an
    /// `XMLReadError` for a document that is not well-formed or breaks a limit.
    func parseChunk() throws -> Bool {
        if let failure { throw failure }
        if isFinished { return false }
        let count: Int
        switch input {
        case let .descriptor(descriptor, _):
            count = read(descriptor, buffer.baseAddress, buffer.count)
            guard count >= 0 else {
                let reason = String(cString: strerror(errno))
                throw remember(XMLReadError(.cannotOpen, file: file, line: nil, "cannot read the file: \(reason)"))
            }
        case let .stream(stream):
            count = Int(stream.fill(buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count))
            guard count >= 0 else {
                throw remember(XMLReadError(.cannotOpen, file: file, line: nil, "cannot read the document"))
            }
        }
        isFinished = count == 0
        // Errors libxml2 raises without the parser's context (a failed encoding conversion) go to
        // the thread's handlers: collect them in the log, not on stderr, and read the thread's
        // last error afterwards, as the text reader does.
        xmlResetLastError()
        xmlSetStructuredErrorFunc(log.context) { context, error in
            guard let context, let error else { return }
            LibXML2ErrorLog.from(context).record(error.pointee)
        }
        let status = xmlParseChunk(context, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(count), isFinished ? 1 : 0)
        xmlSetStructuredErrorFunc(nil, nil)
        log.recordLastError()
        if let failure { throw failure }
        if let stopping = log.errors.first {
            let (reason, message) = log.explain(stopping, unreadBytes: input.size - Int(xmlByteConsumed(context)), inputSize: input.size, limits: limits)
            throw remember(XMLReadError(reason: reason, file: file, issues: [XMLReadError.Issue(line: stopping.line, column: stopping.column, message: message)]))
        }
        if status != 0 || (isFinished && context.pointee.wellFormed == 0) {
            throw remember(XMLReadError(.notWellFormed, file: file, line: line, "libxml2 stopped reading without saying why"))
        }
        return !isFinished
    }

    /// Parses the rest of the document.
    func parseToEnd() throws {
        while try parseChunk() {}
    }

    /// An error for text longer than the limit, ending at the line the parser has reached.
    func textTooLong() -> XMLReadError {
        XMLReadError(.textTooLong, file: file, line: line, limits.textTooLongMessage)
    }

    // MARK: - libxml2's callbacks

    /// Calls `body` with the parser behind `context` without retaining it: the parser outlives
    /// its libxml2 context. (A retain and release per element and text were 11% of a
    /// SpreadsheetML register's reading thread in a perf profile.)
    private static func with(_ context: UnsafeMutableRawPointer, _ body: (XMLEventParser) -> Void) {
        Unmanaged<XMLEventParser>.fromOpaque(context)._withUnsafeGuaranteedRef(body)
    }

    private func started(name: UnsafePointer<xmlChar>, namespace: UnsafePointer<xmlChar>?, attributeCount: Int,
                         attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard failure == nil else { return }
        textLength = 0
        guard depth < limits.maxDepth else {
            return stop(XMLReadError(.tooDeep, file: file, line: line, limits.tooDeepMessage))
        }
        let element = XMLElementStart(name: name, namespace: namespace, depth: depth, line: line,
                                      attributeCount: attributeCount, attributes: attributes)
        depth += 1
        do { try handler.startElement(element) } catch { stop(error) }
    }

    private func ended() {
        guard failure == nil else { return }
        textLength = 0
        depth -= 1
        do { try handler.endElement(depth: depth) } catch { stop(error) }
    }

    private func received(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard failure == nil else { return }
        textLength += bytes.count
        guard textLength <= limits.maxTextBytes else { return stop(textTooLong()) }
        do { try handler.text(bytes) } catch { stop(error) }
    }

    private func stop(_ error: any Error) {
        failure = error
        xmlStopParser(context)
    }

    private func remember(_ error: XMLReadError) -> XMLReadError {
        failure = error
        return error
    }
}

/// How the parser reaches its handler without retaining it for every event: the handler owns the
/// parser, so the parser holds it unretained, and calling a protocol method on an unretained
/// existential (`unowned(unsafe) let handler: any XMLEventHandler`) retained and released it
/// around every element and text (perf: 8% of a SpreadsheetML register's parsing thread).
/// `Unmanaged` needs a class type, hence one subclass per handler type.
class XMLEventDispatch {
    func startElement(_ element: XMLElementStart) throws { preconditionFailure("overridden") }
    func endElement(depth: Int) throws { preconditionFailure("overridden") }
    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws { preconditionFailure("overridden") }
}

private final class XMLEventDispatchTo<Handler: XMLEventHandler>: XMLEventDispatch {
    private let handler: Unmanaged<Handler>

    init(_ handler: Handler) {
        self.handler = .passUnretained(handler)
    }

    override func startElement(_ element: XMLElementStart) throws {
        try handler._withUnsafeGuaranteedRef { try $0.startElement(element) }
    }

    override func endElement(depth: Int) throws {
        try handler._withUnsafeGuaranteedRef { try $0.endElement(depth: depth) }
    }

    override func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try handler._withUnsafeGuaranteedRef { try $0.text(bytes) }
    }
}

@available(*, unavailable, message: "a libxml2 parser belongs to the thread that created it")
extension XMLEventParser: Sendable {}
