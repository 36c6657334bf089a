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
    /// The prefix it is written with, nil when none.
    let prefix: UnsafePointer<xmlChar>?
    /// Its namespace URI, nil when it has none.
    let namespace: UnsafePointer<xmlChar>?
    /// 0 for the root element.
    let depth: Int
    /// Unowned: a reference count per element is a cost the parse need not pay (the element
    /// lives only during the parser's callback).
    fileprivate unowned(unsafe) let parser: XMLEventParser
    fileprivate let attributeCount: Int
    /// libxml2's attributes: five pointers each (local name, prefix, URI, value, value end).
    fileprivate let attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    fileprivate let declarationCount: Int
    /// The namespaces the tag declares: two pointers each (prefix, URI).
    fileprivate let declarations: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?

    /// The line on which the start tag ends (asked of libxml2 only when wanted).
    var line: Int { parser.line }

    /// The element's name as written, `ss:Table` or `Table`.
    var qualifiedName: String {
        (prefix.map { String(cString: $0) + ":" } ?? "") + String(cString: name)
    }

    /// The namespaces the start tag declares, in its order.
    var namespaceDeclarations: [XMLNamespaceDeclaration] {
        (0..<declarationCount).map { index in
            XMLNamespaceDeclaration(prefix: declarations![2 * index].map { String(cString: $0) },
                                    uri: declarations![2 * index + 1].map { String(cString: $0) } ?? "")
        }
    }

    /// A start tag that opens the element again with the namespaces it declares and none of its
    /// other attributes: `<ss:Table xmlns:x="urn:x">`.
    var startTagWithDeclarations: String {
        var tag = "<" + qualifiedName
        for declaration in namespaceDeclarations {
            let prefix = declaration.prefix.map { ":" + $0 } ?? ""
            let escaped = declaration.uri.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
            tag += " xmlns\(prefix)=\"\(escaped)\""
        }
        return tag + ">"
    }

    /// Where the start tag ends in the document: the offset of its closing `>`, or of the `/` of
    /// `/>` (libxml2 calls back before it reads them); nil for a document libxml2 converts from
    /// another encoding.
    var tagEndOffset: Int? { parser.consumedBytes }

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

/// A namespace a start tag declares: `xmlns:ss="urn:…"` (prefix `ss`), or `xmlns="urn:…"`, the
/// default namespace (prefix nil).
struct XMLNamespaceDeclaration: Equatable, Sendable {
    let prefix: String?
    let uri: String
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
    fileprivate private(set) var depth = 0
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
        self.init(file: path, source: XMLEventSource(.descriptor(descriptor, size: size)), handler: XMLEventDispatchTo(handler), limits: limits)
    }

    /// Parses a stretch of the file at `path`, open at `descriptor` (which stays open): `prefix`,
    /// then the file's bytes from `start` up to `end` (its end when nil), then `suffix`. The
    /// prefix opens the elements around the stretch. Lines are counted from the prefix's.
    convenience init(path: String, descriptor: Int32, from start: Int, to end: Int?, prefix: [UInt8], suffix: [UInt8],
                     handler: some XMLEventHandler, limits: XMLReadLimits = XMLReadLimits()) {
        let source = XMLEventSource(stretchOf: descriptor, from: start, to: end, prefix: prefix, suffix: suffix)
        self.init(file: path, source: source, handler: XMLEventDispatchTo(handler), limits: limits)
    }

    /// Parses the document `stream` delivers (a part of a zip archive, say), refusing a DOCTYPE
    /// before any parsing. `name` is how errors name it.
    convenience init(name: String, stream: any XMLByteStream, handler: some XMLEventHandler, limits: XMLReadLimits = XMLReadLimits()) throws(XMLReadError) {
        let input = try XMLStreamInput.refusingDoctype(stream, name: name)
        self.init(file: name, source: XMLEventSource(.stream(input)), handler: XMLEventDispatchTo(handler), limits: limits)
    }

    private init(file: String, source: XMLEventSource, handler: XMLEventDispatch, limits: XMLReadLimits) {
        ExternalEntityAllowList.install()
        self.file = file
        self.handler = handler
        self.limits = limits
        self.source = source
        log = LibXML2ErrorLog(capacity: limits.maxSchemaErrors)
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { context, name, prefix, namespace, declarationCount, declarations, attributeCount, _, attributes in
            guard let context, let name else { return }
            XMLEventParser.with(context) {
                $0.started(XMLElementStart(name: name, prefix: prefix, namespace: namespace, depth: $0.depth, parser: $0,
                                           attributeCount: Int(attributeCount), attributes: attributes,
                                           declarationCount: Int(declarationCount), declarations: declarations))
            }
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
        // What went wrong first: libxml2 carries on after some errors (a namespace error, say),
        // calling the handler, but stops as soon as the handler throws. A handler that stopped
        // the parse early still has the errors raised before (in the very start tag it stopped at).
        if let reason = source.failure {
            throw XMLReadError(.cannotOpen, file: file, line: nil, reason)
        }
        log.recordLastError()
        if log.errors.isEmpty, let failure, !(failure is XMLParseStop) { throw failure }
        if let stopping = log.errors.first {
            let consumed = consumedAtError ?? Int(xmlByteConsumed(context))
            let (reason, message) = log.explain(stopping, unreadBytes: source.size - consumed, inputSize: source.size, limits: limits)
            throw XMLReadError(reason: reason, file: file,
                               issues: [XMLReadError.Issue(line: stopping.line, column: stopping.column, message: message)])
        }
        if failure == nil, context.pointee.wellFormed == 0 {
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

    private func started(_ element: XMLElementStart) {
        guard failure == nil else { return }
        textLength = 0
        guard depth < limits.maxDepth else {
            return stop(XMLReadError(.tooDeep, file: file, line: line, limits.tooDeepMessage))
        }
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
            consumedAtError = consumedBytes
            source.endEarly()
        }
    }

    /// The bytes of the document libxml2 has consumed (the prefix of a stretch included), read
    /// from its input without calling into libxml2: `xmlByteConsumed` converts the rest of a
    /// document's text back through its encoding, and from inside an error callback read freed
    /// memory (AddressSanitizer, fuzz target `spreadsheetml`). Nil for a document libxml2
    /// converts, whose consumed count is of converted text.
    var consumedBytes: Int? {
        guard let input = context.pointee.input, let buffer = input.pointee.buf, buffer.pointee.encoder == nil,
              let cursor = input.pointee.cur, let base = input.pointee.base else { return nil }
        return Int(input.pointee.consumed) + (cursor - base)
    }

    private func stop(_ error: any Error) {
        failure = error
        xmlStopParser(context)
    }
}

/// Feeds libxml2's read callback from a file, a stream, or a stretch of a file between bytes of
/// its own. libxml2 asks for 4,000 bytes at a time; a file is read 256 KiB at a time (a stretch,
/// parsed by one of many short-lived parsers, 64 KiB) into a buffer of its own and served from
/// there.
private final class XMLEventSource {
    private let input: XMLInput?
    /// A stretch: the bytes before and after it, and where reading the file stands.
    private let prefix: [UInt8]
    private let suffix: [UInt8]
    private var prefixServed = 0
    private var suffixServed = 0
    private var position: Int?
    private let stretchStart: Int
    private let end: Int?
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var filled = 0
    private var ended = false
    private var fileEnded = false
    /// Why reading the file failed, when it did.
    private(set) var failure: String?

    init(_ input: XMLInput) {
        self.input = input
        if case let .descriptor(descriptor, _) = input { self.descriptor = descriptor } else { descriptor = -1 }
        (prefix, suffix, end, stretchStart) = ([], [], nil, 0)
        buffer = .allocate(byteCount: 256 * 1024, alignment: 1)
    }

    init(stretchOf descriptor: Int32, from start: Int, to end: Int?, prefix: [UInt8], suffix: [UInt8]) {
        input = nil
        self.descriptor = descriptor
        self.prefix = prefix
        self.suffix = suffix
        position = start
        stretchStart = start
        self.end = end
        buffer = .allocate(byteCount: 64 * 1024, alignment: 1)
    }

    /// The bytes there are to read: for a stretch, the prefix and suffix included.
    var size: Int {
        guard let input else {
            var status = stat()
            let fileEnd = end ?? (fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0)
            return prefix.count + max(0, fileEnd - stretchStart) + suffix.count
        }
        return input.size
    }

    /// From now on, the input ends.
    func endEarly() {
        ended = true
    }


    func close() {
        buffer.deallocate()
        input?.close()
    }

    /// libxml2's read callback: up to `length` bytes into `target`, 0 at the end, -1 on failure.
    func fill(_ target: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32 {
        if ended { return 0 }
        if prefixServed < prefix.count {
            return serve(prefix, from: &prefixServed, into: target, length)
        }
        if case let .stream(stream) = input {
            return stream.fill(target, length)
        }
        if start == filled, !fileEnded {
            let wanted = min(buffer.count, end.map { $0 - (position ?? 0) } ?? buffer.count)
            let count = wanted <= 0 ? 0 : position.map { pread(descriptor, buffer.baseAddress, wanted, off_t($0)) } ?? read(descriptor, buffer.baseAddress, wanted)
            guard count >= 0 else {
                failure = "cannot read the file: \(String(cString: strerror(errno)))"
                return -1
            }
            (start, filled) = (0, count)
            position? += count
            fileEnded = count == 0
        }
        if start < filled {
            let count = min(length, filled - start)
            UnsafeMutableRawPointer(target).copyMemory(from: buffer.baseAddress! + start, byteCount: count)
            start += count
            return Int32(count)
        }
        return serve(suffix, from: &suffixServed, into: target, length)
    }

    private func serve(_ bytes: [UInt8], from served: inout Int, into target: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32 {
        let count = min(length, bytes.count - served)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { UnsafeMutableRawPointer(target).copyMemory(from: $0.baseAddress! + served, byteCount: count) }
        served += count
        return Int32(count)
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
