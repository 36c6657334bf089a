import CLibXML2

/// Collects the errors libxml2 raises while it parses one file or compiles one schema.
///
/// libxml2 reports through a C callback that cannot capture, so the owner hands it this object
/// as an opaque pointer (`context`) and keeps it alive for as long as the callback is installed.
/// It is used from one thread at a time, like the reader that owns it.
final class LibXML2ErrorLog {
    /// One error as libxml2 raised it, copied out of libxml2's memory.
    struct Entry: Equatable {
        let domain: Int32
        let code: Int32
        /// nil when libxml2 gave none (it gives 0).
        let line: Int?
        /// nil when libxml2 gave none, as for schema violations.
        let column: Int?
        let message: String

        var isSchemaViolation: Bool { domain == Int32(XML_FROM_SCHEMASV.rawValue) }
    }

    /// Schema violations in the order raised, up to `capacity`.
    private(set) var schemaViolations: [Entry] = []
    /// Every other error in the order raised, up to `capacity`: when reading a file, the first
    /// one is what stopped it.
    private(set) var errors: [Entry] = []
    private var lastRecorded: Entry?
    /// Errors past this many of a kind are dropped, so that a hostile file cannot grow the log.
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var isEmpty: Bool { schemaViolations.isEmpty && errors.isEmpty }

    /// The opaque pointer to pass as the context of libxml2's structured error callback.
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Recovers the log from the context libxml2 passes back to the callback.
    static func from(_ context: UnsafeMutableRawPointer) -> LibXML2ErrorLog {
        Unmanaged<LibXML2ErrorLog>.fromOpaque(context).takeUnretainedValue()
    }

    /// Records an error from libxml2; warnings are not errors and are left out.
    func record(_ error: xmlError) {
        guard error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let message = error.message.map { String(cString: $0) } ?? "libxml2 gave no message"
        let entry = Entry(
            domain: error.domain, code: error.code, line: error.line > 0 ? Int(error.line) : nil,
            column: error.int2 > 0 ? Int(error.int2) : nil, message: Self.plain(message))
        guard entry != lastRecorded else { return }
        lastRecorded = entry
        if entry.isSchemaViolation {
            if schemaViolations.count < capacity { schemaViolations.append(entry) }
        } else if errors.count < capacity {
            errors.append(entry)
        }
    }

    /// Records the error libxml2 left in its per-thread "last error", unless the callback already
    /// did; the caller resets the last error before each read, so what is found belongs to it.
    func recordLastError() {
        if let last = xmlGetLastError() { record(last.pointee) }
    }

    /// libxml2's message without its trailing newline and period, without the `[facet 'x'] `
    /// jargon of schema errors, and with `'{namespace}name'` shortened to `'name'`: the namespace
    /// is the same throughout an ENTHUSE file.
    static func plain(_ message: String) -> String {
        var text = Substring(message)
        while let last = text.last, last.isNewline || last == " " || last == "." { text.removeLast() }
        var result = ""
        while let open = text.firstIndex(where: { $0 == "{" || $0 == "[" }) {
            result += text[..<open]
            let rest = text[open...]
            if rest.hasPrefix("[facet '"), let close = rest.firstIndex(of: "]") {
                text = rest[rest.index(after: close)...].drop { $0 == " " }
            } else if rest.hasPrefix("{"), result.hasSuffix("'"), let close = rest.firstIndex(of: "}"),
                !rest[..<close].contains(where: { $0 == "'" || $0 == " " }) {
                text = rest[rest.index(after: close)...]
            } else {
                result.append(rest[open])
                text = rest.dropFirst()
            }
        }
        return result + text
    }
}
