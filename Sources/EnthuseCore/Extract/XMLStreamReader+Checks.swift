import CLibXML2
import Foundation

/// The checks that make `XMLStreamReader` refuse a file: libxml2's errors, the DOCTYPE policy and
/// the limits, each turned into an `XMLReadError` that says what to do.
extension XMLStreamReader {
    static let doctypeMessage = "the file declares a DOCTYPE; ENTHUSE exports never do, and DTDs can carry entity "
        + "attacks — the file was not read further"

    var tooDeepMessage: String { limits.tooDeepMessage }
    var textTooLongMessage: String { limits.textTooLongMessage }

    /// Opens the file and refuses it when its prolog declares a DOCTYPE, before libxml2 parses it.
    static func openRefusingDoctype(_ path: String) throws(XMLReadError) -> (descriptor: Int32, size: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw XMLReadError(.cannotOpen, file: path, line: nil, "cannot open the file: \(reason)")
        }
        var status = stat()
        var prolog = [UInt8](repeating: 0, count: XMLProlog.scanLength)
        let count = pread(descriptor, &prolog, prolog.count, 0)
        guard count >= 0, fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw XMLReadError(.cannotOpen, file: path, line: nil, "cannot read the file: \(reason)")
        }
        if let line = XMLProlog.doctypeLine(in: prolog[..<count]) {
            close(descriptor)
            throw XMLReadError(.declaresDoctype, file: path, line: line, doctypeMessage)
        }
        return (descriptor, Int(status.st_size))
    }

    /// Reads the next node of any type and checks it, or returns nil at the end of a good file.
    func advance() throws(XMLReadError) -> xmlReaderTypes? {
        if let failure { throw failure }
        if isFinished { return nil }
        // libxml2 keeps its last error per thread; clear it, read, and look at it again within
        // this call (so on this thread). With a schema attached, fatal and namespace errors reach
        // only this last error, never the handler.
        xmlResetLastError()
        let status = xmlTextReaderRead(reader)
        log.recordLastError()
        guard status == 1 else {
            isFinished = true
            if !log.isEmpty { throw failed() }
            if status < 0 { throw stop(.notWellFormed, line: nil, "libxml2 stopped reading without saying why") }
            if schema != nil, xmlTextReaderIsValid(reader) != 1 {
                throw stop(.schemaViolation, line: nil, "the validator found the file invalid without saying why")
            }
            return nil
        }
        if !log.errors.isEmpty || log.schemaViolations.count >= limits.maxSchemaErrors { throw failed() }
        let type = xmlReaderTypes(UInt32(xmlTextReaderNodeType(reader)))
        switch type {
        case XML_READER_TYPE_DOCUMENT_TYPE:
            // Only reached when the prolog scan could not read the encoding (UTF-16, say).
            throw stop(.declaresDoctype, line: nil, Self.doctypeMessage)
        case XML_READER_TYPE_ELEMENT where Int(xmlTextReaderDepth(reader)) >= limits.maxDepth:
            throw stop(.tooDeep, line: elementLine(), tooDeepMessage)
        case XML_READER_TYPE_TEXT, XML_READER_TYPE_WHITESPACE, XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
            lastTextLine = xmlGetLineNo(xmlTextReaderCurrentNode(reader))
            if Int(xmlStrlen(xmlTextReaderConstValue(reader))) > limits.maxTextBytes {
                throw stop(.textTooLong, line: lastTextLine, textTooLongMessage)
            }
        default:
            break
        }
        return type
    }

    /// Stops reading because of a problem the reader found itself, after any schema violations
    /// already collected.
    func stop(_ reason: XMLReadError.Reason, line: Int?, _ message: String) -> XMLReadError {
        let issues = schemaIssues + [XMLReadError.Issue(line: line, message: message)]
        return remember(XMLReadError(reason: reason, file: file, issues: issues))
    }

    /// Stops reading because of what libxml2 reported: the first schema violations (up to the
    /// limit) and the first other error, in file order.
    private func failed() -> XMLReadError {
        var issues = schemaIssues
        var reason = XMLReadError.Reason.schemaViolation
        if let stopping = log.errors.first {
            let message: String
            (reason, message) = explain(stopping)
            issues.append(XMLReadError.Issue(line: stopping.line, column: stopping.column, message: message))
            issues.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        } else if issues.count >= limits.maxSchemaErrors {
            let note = "reading stopped after \(limits.maxSchemaErrors) schema violations; the rest of the file was "
                + "not checked"
            issues.append(XMLReadError.Issue(line: nil, message: note))
        }
        return remember(XMLReadError(reason: reason, file: file, issues: issues))
    }

    /// The schema violations collected so far (the log keeps no more than the limit).
    private var schemaIssues: [XMLReadError.Issue] {
        log.schemaViolations.map { entry in
            XMLReadError.Issue(line: entry.line, message: "\(entry.message) (\(self.schema?.name ?? "XSD"))")
        }
    }

    private func remember(_ error: XMLReadError) -> XMLReadError {
        failure = error
        return error
    }

    /// Why libxml2 stopped, in ENTHUSE's words.
    private func explain(_ entry: LibXML2ErrorLog.Entry) -> (XMLReadError.Reason, String) {
        log.explain(entry, unreadBytes: input.size - Int(xmlTextReaderByteConsumed(reader)), inputSize: input.size, limits: limits)
    }
}

extension LibXML2ErrorLog {
    /// libxml2's codes for a construct left open when the input ran out.
    private static let unfinishedCodes: Set<Int32> = Set([
        XML_ERR_DOCUMENT_END, XML_ERR_ATTRIBUTE_NOT_FINISHED, XML_ERR_COMMENT_NOT_FINISHED, XML_ERR_PI_NOT_FINISHED,
        XML_ERR_CDATA_NOT_FINISHED, XML_ERR_GT_REQUIRED, XML_ERR_TAG_NOT_FINISHED,
    ].map { Int32($0.rawValue) })

    /// Why libxml2 stopped at `entry`, in ENTHUSE's words, given how much of the input the parser
    /// had not consumed.
    func explain(_ entry: Entry, unreadBytes: Int, inputSize: Int, limits: XMLReadLimits) -> (XMLReadError.Reason, String) {
        if entry.code == Int32(XML_ERR_NO_MEMORY.rawValue), entry.message.contains("huge text node") {
            return (.textTooLong, limits.textTooLongMessage)
        }
        if entry.message.hasPrefix("Excessive depth") { return (.tooDeep, limits.tooDeepMessage) }
        // libxml2 says "Extra content at the end of the document" both after the root element
        // and when the file ends inside it. A file that was cut short stops the parse at
        // something unfinished with the input used up (but for a short run of text the parser
        // holds back, waiting for the next '<'); content after the root leaves input unread. Only
        // the first error counts: what libxml2 finds after it (the parse goes on to the end of
        // the input, or to where the input was ended for it) says nothing more about the file.
        let unfinished = Self.unfinishedCodes.contains(entry.code)
        if unfinished, unreadBytes < 300 {
            if inputSize == 0 { return (.truncated, "the file is empty") }
            return (.truncated, "the file ends before its root element is closed: it looks cut short")
        }
        return (.notWellFormed, "not well-formed XML: \(entry.message)")
    }
}

/// Finds a DOCTYPE in the raw bytes of a file's prolog, so that a file carrying one is refused
/// before libxml2 parses a single declaration from it.
///
/// The prolog is what may precede the root element: a byte order mark, the XML declaration,
/// comments, processing instructions, whitespace and the DOCTYPE. The scan understands files in
/// UTF-8 or another ASCII-compatible encoding; for anything else (UTF-16, a prolog longer than
/// the bytes given) it gives up, and the reader's check of each node's type still refuses the
/// DOCTYPE when libxml2 reaches it.
enum XMLProlog {
    /// How many bytes from the start of a file to scan.
    static let scanLength = 64 * 1024

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let doctype = Array("<!DOCTYPE".utf8)
    /// The constructs that may precede a DOCTYPE, with the bytes that end each.
    private static let skippable = [(Array("<?".utf8), Array("?>".utf8)), (Array("<!--".utf8), Array("-->".utf8))]

    /// The 1-based line on which `<!DOCTYPE` starts, or nil when the prolog has none, or when
    /// the scan cannot tell.
    static func doctypeLine(in bytes: ArraySlice<UInt8>) -> Int? {
        var rest = bytes.starts(with: byteOrderMark) ? bytes.dropFirst(byteOrderMark.count) : bytes
        var line = 1
        while true {
            while let byte = rest.first, byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A {
                if byte == 0x0A { line += 1 }
                rest = rest.dropFirst()
            }
            if rest.starts(with: doctype) { return line }
            guard let (_, terminator) = skippable.first(where: { rest.starts(with: $0.0) }),
                let end = indexAfter(terminator, in: rest)
            else { return nil }
            line += rest[..<end].lazy.filter { $0 == 0x0A }.count
            rest = rest[end...]
        }
    }

    /// The index just past the first occurrence of `needle` in `haystack`.
    private static func indexAfter(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return start + needle.count }
            start += 1
        }
        return nil
    }
}
