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
///
/// libxml2 hands out names and namespace URIs from its parser's dictionary, so a name interned
/// there (``XMLEventParser/intern(_:)``) is equal to one of them exactly when it is the same
/// pointer: the attribute lookup compares pointers, one of the costs of a SpreadsheetML cell.
struct XMLElementStart {
    /// The element's local name.
    let name: UnsafePointer<xmlChar>
    /// Its namespace URI, nil when it has none.
    let namespace: UnsafePointer<xmlChar>?
    /// 0 for the root element.
    let depth: Int
    fileprivate let context: xmlParserCtxtPtr
    fileprivate let attributeCount: Int
    /// libxml2's attributes: five pointers each (local name, prefix, URI, value, value end).
    fileprivate let attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?

    /// The line on which the start tag ends (asked of libxml2 only when wanted).
    var line: Int { Int(xmlSAX2GetLineNumber(context)) }

    /// The value of the attribute `name` in `namespace` (nil for an unprefixed one; both interned
    /// by ``XMLEventParser/intern(_:)``) as UTF-8 bytes, or nil when the element has none.
    func attribute(_ name: UnsafePointer<xmlChar>, in namespace: UnsafePointer<xmlChar>?) -> UnsafeBufferPointer<UInt8>? {
        guard let attributes else { return nil }
        for index in 0..<attributeCount {
            let base = attributes + 5 * index
            guard base[0] == name, base[2] == namespace, let start = base[3], let end = base[4] else { continue }
            return UnsafeBufferPointer(start: start, count: end - start)
        }
        return nil
    }

    /// The attribute's value as a `String`.
    func attributeText(_ name: UnsafePointer<xmlChar>, in namespace: UnsafePointer<xmlChar>?) -> String? {
        attribute(name, in: namespace).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Thrown by an ``XMLEventHandler`` that has seen all it needs: the parse ends there, without
/// error.
struct XMLParseStop: Error {}

/// A parser over one XML document that reports its elements and text to a handler, with the same
/// refusals as ``XMLStreamReader``: no DOCTYPE (refused before parsing), no network, no external
/// entities, no entity substitution, bounded depth and text.
///
/// libxml2's SAX2 interface builds no node per element, where `xmlTextReader` builds and frees a
/// tree node for each: a perf profile of a 100,000-row SpreadsheetML register spent 59% of the
/// reading thread in libxml2 and most of the rest building strings per node; this parser reads
/// the same file in about a third of the time. It has no schema validation: documents that need an
/// XSD are read with ``XMLStreamReader``.
///
/// libxml2 pulls the bytes through a read callback and parses the document in one call
/// (``parse()``): its push parser, fed 64 KiB at a time, took 20% longer on a million-row
/// SpreadsheetML file (4.0–5.7 s of user time against 3.2–5.2 s, alternated, empty handlers),
/// re-checking at every token how much input it holds and moving the rest of each chunk.
///
/// Not `Sendable`: create it, then parse on one thread at a time.
final class XMLEventParser {
    let file: String
    let limits: XMLReadLimits
    private let context: xmlParserCtxtPtr
    private let source: XMLEventSource
    private let log: LibXML2ErrorLog
    private let handler: XMLEventDispatch
    private var depth = 0
    /// UTF-8 bytes of the text since the last element start or end.
    private var textLength = 0
    private var failure: (any Error)?
    /// The bytes libxml2 had consumed when it raised its first error, when they could be known.
    private var consumedAtError: Int?
    private var hasFailed = false
    private var hasParsed = false

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
        self.handler = handler
        self.limits = limits
        source = XMLEventSource(input)
        log = LibXML2ErrorLog(capacity: limits.maxSchemaErrors)
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
            XMLEventParser.with(context) { $0.record(error.pointee) }
        }
        // The contexts are unretained: the parser owns the libxml2 context and frees it first.
        context = xmlCreateIOParserCtxt(&sax, nil, { source, buffer, length in
            guard let source, let buffer, length > 0 else { return -1 }
            return Unmanaged<XMLEventSource>.fromOpaque(source)._withUnsafeGuaranteedRef { $0.fill(buffer, Int(length)) }
        }, nil, Unmanaged.passUnretained(source).toOpaque(), XML_CHAR_ENCODING_NONE)
        context.pointee.userData = Unmanaged.passUnretained(self).toOpaque()
        xmlCtxtUseOptions(context, XMLStreamReader.options)
    }

    deinit {
        xmlFreeParserCtxt(context)
        source.close()
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

    /// Parses the document, reporting what it holds to the handler, until its end or until the
    /// handler throws ``XMLParseStop``. Throws the handler's error, or an `XMLReadError` for a
    /// document that cannot be read, is not well-formed or breaks a limit. A parser parses once.
    func parse() throws {
        precondition(!hasParsed, "a parser parses its document once")
        hasParsed = true
        // Errors libxml2 raises without the parser's context (a failed encoding conversion) go to
        // the thread's handlers: collect them in the log, not on stderr, and read the thread's
        // last error afterwards, as the text reader does.
        xmlResetLastError()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(self).toOpaque()) { context, error in
            guard let context, let error else { return }
            XMLEventParser.with(context) { $0.record(error.pointee) }
        }
        _ = xmlParseDocument(context)
        xmlSetStructuredErrorFunc(nil, nil)
        if let failure {
            if failure is XMLParseStop { return }
            throw failure
        }
        if let reason = source.failure {
            throw XMLReadError(.cannotOpen, file: file, line: nil, reason)
        }
        log.recordLastError()
        if let stopping = log.errors.first {
            let consumed = consumedAtError ?? Int(xmlByteConsumed(context))
            let (reason, message) = log.explain(stopping, unreadBytes: source.input.size - consumed, inputSize: source.input.size, limits: limits)
            throw XMLReadError(reason: reason, file: file, issues: [XMLReadError.Issue(line: stopping.line, column: stopping.column, message: message)])
        }
        if context.pointee.wellFormed == 0 {
            throw XMLReadError(.notWellFormed, file: file, line: line, "libxml2 stopped reading without saying why")
        }
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
        let element = XMLElementStart(name: name, namespace: namespace, depth: depth, context: context,
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

    /// Records an error libxml2 raised. From the first one on, the source reports the end of the
    /// input, so that libxml2 (which carries on after most errors, without calling the handler)
    /// stops soon instead of scanning the rest of a large file.
    private func record(_ error: xmlError) {
        log.record(error)
        if !hasFailed, !log.errors.isEmpty {
            hasFailed = true
            consumedAtError = consumedUTF8
            source.endEarly()
        }
    }

    /// The bytes of the document libxml2 has consumed, read from its input without calling into
    /// libxml2: `xmlByteConsumed` converts the rest of a document's text back through its
    /// encoding, and from inside an error callback read freed memory (AddressSanitizer, fuzz
    /// target `spreadsheetml`). Nil for a document libxml2 converts, whose consumed count is
    /// of converted text.
    private var consumedUTF8: Int? {
        guard let input = context.pointee.input, let buffer = input.pointee.buf, buffer.pointee.encoder == nil,
              let cursor = input.pointee.cur, let base = input.pointee.base else { return nil }
        return Int(input.pointee.consumed) + (cursor - base)
    }

    private func stop(_ error: any Error) {
        failure = error
        xmlStopParser(context)
    }
}

/// Feeds libxml2's read callback from a file or a stream. libxml2 asks for 4,000 bytes at a
/// time; a file is read 256 KiB at a time into a buffer of its own and served from there.
private final class XMLEventSource {
    let input: XMLInput
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 1)
    private var start = 0
    private var end = 0
    private var ended = false
    /// Why reading the file failed, when it did.
    private(set) var failure: String?

    init(_ input: XMLInput) {
        self.input = input
    }

    /// From now on, the input ends.
    func endEarly() {
        ended = true
    }

    func close() {
        buffer.deallocate()
        input.close()
    }

    /// libxml2's read callback: up to `length` bytes into `target`, 0 at the end, -1 on failure.
    func fill(_ target: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32 {
        if ended { return 0 }
        switch input {
        case let .stream(stream):
            return stream.fill(target, length)
        case let .descriptor(descriptor, _):
            if start == end {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                guard count >= 0 else {
                    failure = "cannot read the file: \(String(cString: strerror(errno)))"
                    return -1
                }
                (start, end) = (0, count)
                if count == 0 { return 0 }
            }
            let count = min(length, end - start)
            UnsafeMutableRawPointer(target).copyMemory(from: buffer.baseAddress! + start, byteCount: count)
            start += count
            return Int32(count)
        }
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
