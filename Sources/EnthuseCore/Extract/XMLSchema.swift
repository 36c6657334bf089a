import CLibXML2
import Foundation
import Synchronization

/// An XSD compiled once, against which any number of readers validate while they stream.
///
/// Compile each schema once per run and share it: readers on different tasks may validate against
/// the same `XMLSchema` at the same time, each through its own validation context.
///
/// ```swift
/// let ledger = try XMLSchema(path: "schemas/xsd/finance-ledger.xsd")
/// let reader = try XMLStreamReader(path: inboxFile, schema: ledger)
/// ```
public final class XMLSchema: @unchecked Sendable {
    // @unchecked Sendable: the only state is the compiled schema, which libxml2 never writes
    // after xmlSchemaParse returns; validation keeps its state in a per-reader
    // xmlSchemaValidCtxt (created by xmlTextReaderSetSchema), and libxml2 documents compiled
    // schemas as shareable between threads. The pointer is freed only in deinit, when no reader
    // can hold the schema any more (each reader keeps a strong reference to it).

    /// Compiles one schema at a time: libxml2 2.9 sets up its built-in XSD types on the first
    /// compile without a lock, so two first compiles on two threads could race.
    private static let compilation = Mutex(())

    /// The absolute path of the XSD file.
    public let path: String
    let compiled: xmlSchemaPtr

    /// Compiles the XSD at `path`, a file ENTHUSE ships; nothing else may be loaded while
    /// compiling it (no `xs:include` or `xs:import` of other files, no network).
    public init(path: String) throws(XMLReadError) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard FileManager.default.isReadableFile(atPath: absolute) else {
            throw XMLReadError(.cannotOpen, file: absolute, line: nil, "cannot read the schema file")
        }
        ExternalEntityAllowList.install()
        ExternalEntityAllowList.allow(absolute)
        let (schema, log) = Self.compilation.withLock { _ in
            let log = LibXML2ErrorLog(capacity: 20)
            let schema: xmlSchemaPtr? = withExtendedLifetime(log) {
                guard let parser = xmlSchemaNewParserCtxt(absolute) else { return nil }
                defer { xmlSchemaFreeParserCtxt(parser) }
                xmlSchemaSetParserStructuredErrors(parser, { context, error in
                    guard let context, let error else { return }
                    LibXML2ErrorLog.from(context).record(error.pointee)
                }, log.context)
                return xmlSchemaParse(parser)
            }
            return (schema, log)
        }
        guard let schema, log.isEmpty else {
            if let schema { xmlSchemaFree(schema) }
            let issues = log.errors.map { XMLReadError.Issue(line: $0.line, column: $0.column, message: $0.message) }
            throw XMLReadError(
                reason: .invalidSchema, file: absolute,
                issues: issues.isEmpty ? [.init(line: nil, message: "libxml2 could not compile the schema")] : issues)
        }
        self.path = absolute
        self.compiled = schema
    }

    /// The file name, for messages.
    var name: String { URL(fileURLWithPath: path).lastPathComponent }

    deinit {
        xmlSchemaFree(compiled)
    }
}

/// The process-wide libxml2 entity loader: it refuses every external resource except the XSD
/// files that ENTHUSE compiles.
///
/// libxml2 fetches DTDs, external entities, XIncludes and schema documents through one global
/// loader, which by default opens local files and URLs. Installing a deny-by-default loader
/// means that no input file, however crafted, can make the process read `/etc/passwd` or open
/// a connection; libxml2 loads the XSD itself through the same loader, so `XMLSchema` adds its
/// own path to the list before compiling.
enum ExternalEntityAllowList {
    private struct State {
        var isInstalled = false
        /// libxml2's own loader, which does the loading for allowed paths.
        var libxml2Loader: xmlExternalEntityLoader?
        var allowedPaths: Set<String> = []
    }

    private static let state = Mutex(State())

    /// Initialises libxml2 and installs the loader; later calls do nothing.
    static func install() {
        state.withLock { state in
            guard !state.isInstalled else { return }
            xmlInitParser()
            state.libxml2Loader = xmlGetExternalEntityLoader()
            xmlSetExternalEntityLoader { url, id, context in
                guard let url else { return nil }
                let requested = String(cString: url)
                let loader = ExternalEntityAllowList.state.withLock { state in
                    state.allowedPaths.contains(requested) ? state.libxml2Loader : nil
                }
                return loader?(url, id, context)
            }
            state.isInstalled = true
        }
    }

    /// Lets libxml2 load the file at `path`, an absolute path exactly as passed to libxml2.
    static func allow(_ path: String) {
        state.withLock { _ = $0.allowedPaths.insert(path) }
    }
}
