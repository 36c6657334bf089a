/// What the reader needs from an .xlsx package before the rows: which worksheet to read and
/// where its parts are, found through the package's relationships, and the workbook's date
/// system.
struct XLSXWorkbook {
    /// A worksheet as the workbook lists it.
    struct Sheet: Equatable {
        var name: String
        var part: String
    }

    /// More sheets than this and the file is refused: Excel itself stops far sooner.
    static let maxSheets = 10_000
    private static let relationshipNamespaces = [
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    ]

    let part: String
    /// The workbook's worksheets in tab order (chart sheets are not listed).
    let sheets: [Sheet]
    let sharedStringsPart: String?
    let stylesPart: String?
    /// Whether serial dates count from 1904 (`<workbookPr date1904="1"/>`) rather than 1900.
    let uses1904: Bool

    init(archive: XLSXArchive) throws {
        let root = try Self.relationships(of: "", in: archive)
        part = root.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
        let related = try Self.relationships(of: part, in: archive)
        let path = archive.path
        let workbookPart = part
        var listed: [(name: String, id: String)] = []
        var uses1904 = false
        try archive.read(part) { reader in
            guard let root = try reader.next(), root.kind == .elementStart, root.localName == "workbook" else {
                throw SpreadsheetError(.notAWorkbook, file: path, part: workbookPart, "the part is not a workbook: its root is not <workbook>")
            }
            while let node = try reader.next() {
                guard node.kind == .elementStart else { continue }
                switch node.localName {
                case "workbookPr":
                    uses1904 = ["1", "true"].contains(reader.attribute("date1904") ?? "")
                case "sheet":
                    guard listed.count < Self.maxSheets else {
                        throw SpreadsheetError(.malformedSheet, file: path, part: workbookPart, "the workbook lists more than \(Self.maxSheets) sheets")
                    }
                    let id = Self.relationshipNamespaces.lazy.compactMap { reader.attribute("id", namespace: $0) }.first
                    listed.append((reader.attribute("name") ?? "", id ?? ""))
                default:
                    break
                }
            }
        }
        let worksheets = related.filter { $0.type.hasSuffix("/worksheet") }
        sheets = listed.compactMap { sheet in
            worksheets.first { $0.id == sheet.id }.map { Sheet(name: sheet.name, part: $0.target) }
        }
        sharedStringsPart = related.first { $0.type.hasSuffix("/sharedStrings") }?.target
        stylesPart = related.first { $0.type.hasSuffix("/styles") }?.target
        self.uses1904 = uses1904
    }

    /// The sheet named `preferred` (ignoring case), else the first.
    func sheet(preferring preferred: String, file: String) throws(SpreadsheetError) -> Sheet {
        guard let first = sheets.first else {
            throw SpreadsheetError(.notAWorkbook, file: file, part: part, "the workbook has no worksheet")
        }
        return sheets.first { $0.name.lowercased() == preferred.lowercased() } ?? first
    }

    /// A relationship of a part, with its target resolved to an entry name of the archive.
    struct Relationship {
        var id: String
        var type: String
        var target: String
    }

    /// The relationships of `source` ("" for the package), from its `_rels/*.rels` part; none
    /// when it has no such part. Targets outside the package (`TargetMode="External"`) are left
    /// out: a workbook's own parts are inside it.
    static func relationships(of source: String, in archive: XLSXArchive) throws -> [Relationship] {
        let slash = source.lastIndex(of: "/")
        let folder = slash.map { String(source[...$0]) } ?? ""
        let name = slash.map { String(source[source.index(after: $0)...]) } ?? source
        let relsPart = folder + "_rels/" + name + ".rels"
        guard archive.contains(relsPart) else { return [] }
        return try archive.read(relsPart) { reader in
            var found: [Relationship] = []
            while let node = try reader.next() {
                guard node.kind == .elementStart, node.localName == "Relationship", reader.attribute("TargetMode") != "External",
                      let id = reader.attribute("Id"), let type = reader.attribute("Type"), let target = reader.attribute("Target")
                else { continue }
                guard found.count < maxSheets * 2 else {
                    throw SpreadsheetError(.malformedSheet, file: archive.path, part: relsPart, "the part lists more than \(maxSheets * 2) relationships")
                }
                if let resolved = resolve(target, from: folder) {
                    found.append(Relationship(id: id, type: type, target: resolved))
                }
            }
            return found
        }
    }

    /// `target` as an entry name: from the package root when it starts with `/`, else from
    /// `folder`, with `.` and `..` resolved; nil when it climbs out of the package.
    static func resolve(_ target: String, from folder: String) -> String? {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : folder + target
        var segments: [Substring] = []
        for segment in joined.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": if segments.popLast() == nil { return nil }
            default: segments.append(segment)
            }
        }
        return segments.joined(separator: "/")
    }
}
