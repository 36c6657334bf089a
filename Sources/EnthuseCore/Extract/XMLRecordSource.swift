import Foundation
import Synchronization

/// Records from an XML export: each occurrence of the record element is one record, its fields
/// picked by paths relative to it, streamed and XSD-validated by ``XMLStreamReader``.
///
/// Field paths, as a pipeline's column `header`:
/// - `@ref` — an attribute of the record element;
/// - `Funder` — the text of a child element (`Grant/Amount` for a grandchild);
/// - `Funder/@id` — an attribute of a child element;
/// - a path ending in `[]` (`Members/Member/@urn[]`) — every occurrence, as a JSON array of
///   strings (null where an occurrence lacks the attribute), so repeated children stay aligned.
///
/// The record's line is the line of its start tag.
public final class XMLRecordSource: RecordSource {
    private struct FieldPath {
        var elements: [String]
        var attribute: String?
        var isList: Bool
    }

    private let reader: XMLStreamReader
    private let recordElement: String
    private let paths: [FieldPath]
    private let declared: [String]
    private var values: [[String?]]
    public private(set) var line = 0
    public var fieldCount: Int { paths.count }
    public var recordProblem: String? { nil }
    public var bytesRead: Int { 0 }

    public init(path: String, schema: XMLSchema?, recordElement: String, fieldPaths: [String]) throws {
        reader = try XMLStreamReader(path: path, schema: schema)
        self.recordElement = recordElement
        declared = fieldPaths
        paths = fieldPaths.map { text in
            var text = Substring(text)
            let isList = text.hasSuffix("[]")
            if isList { text = text.dropLast(2) }
            var parts = text.split(separator: "/").map(String.init)
            var attribute: String?
            if let last = parts.last, last.hasPrefix("@") {
                attribute = String(last.dropFirst())
                parts.removeLast()
            }
            return FieldPath(elements: parts, attribute: attribute, isList: isList)
        }
        values = Array(repeating: [], count: fieldPaths.count)
    }

    /// The header an XML file "has": its declared field paths, so columns bind by path.
    public var fixedHeader: [String]? { declared }

    public func next() throws -> Bool {
        for index in values.indices { values[index].removeAll(keepingCapacity: true) }
        while let node = try reader.next() {
            guard node.kind == .elementStart, node.localName == recordElement else { continue }
            line = node.line
            collect(at: [])
            if node.isEmptyElement { return true }
            try readRecord(depth: node.depth)
            return true
        }
        return false
    }

    /// Reads the record element's content up to its end, collecting field values.
    private func readRecord(depth recordDepth: Int) throws {
        var stack: [String] = []
        while let node = try reader.next() {
            switch node.kind {
            case .elementStart:
                let path = stack + [node.localName]
                let wantsText = collect(at: path)
                if wantsText {
                    let text = try reader.readElementText()
                    for (index, field) in paths.enumerated() where field.attribute == nil && field.elements == path {
                        values[index].append(text)
                    }
                } else if !node.isEmptyElement {
                    stack.append(node.localName)
                }
            case .elementEnd:
                if node.depth == recordDepth { return }
                stack.removeLast()
            case .text:
                continue
            }
        }
    }

    /// Takes the attributes fields want from the element the reader is on (at `path` relative to
    /// the record); returns whether a field wants this element's text.
    @discardableResult
    private func collect(at path: [String]) -> Bool {
        var wantsText = false
        for (index, field) in paths.enumerated() where field.elements == path {
            if let attribute = field.attribute {
                values[index].append(reader.attribute(attribute))
            } else if !path.isEmpty {
                wantsText = true
            }
        }
        return wantsText
    }

    private func value(_ index: Int) -> String? {
        let occurrences = values[index]
        if paths[index].isList {
            let items = occurrences.map { $0.map(JSONText.string) ?? "null" }
            return "[" + items.joined(separator: ",") + "]"
        }
        return occurrences.first ?? nil
    }

    public func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError> {
        if values[index].count > 1 && !paths[index].isList {
            return .failure(FieldDecodingError(reason: "\(declared[index]) occurs \(values[index].count) times in one \(recordElement); expected once"))
        }
        var text = value(index) ?? ""
        return .success(text.withUTF8 { body($0) })
    }

    public func rawText(masking masked: Set<Int>) -> String {
        "<\(recordElement)> " + declared.indices.map { index in
            "\(declared[index])=\(masked.contains(index) ? "«masked»" : value(index) ?? "")"
        }.joined(separator: " | ")
    }
}

/// Compiled XSDs, one per file for the life of the process: libxml2's compiled schemas are
/// read-only once built and are shared by every reader.
enum SchemaCache {
    private static let schemas = Mutex<[String: XMLSchema]>([:])

    static func schema(path: String) throws -> XMLSchema {
        if let schema = schemas.withLock({ $0[path] }) { return schema }
        let schema = try XMLSchema(path: path)
        schemas.withLock { $0[path] = schema }
        return schema
    }
}
