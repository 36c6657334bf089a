import Foundation
import Testing
@testable import EnthuseCore

/// The row scanner reads the plainest stretches of a SpreadsheetML table without libxml2. Whatever
/// it reads, libxml2 must read as the same rows; whatever it cannot read exactly, it must leave to
/// libxml2.
@Suite("SpreadsheetML row scanner")
struct SpreadsheetMLRowScannerTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// The namespaces the workbooks of ``SpreadsheetTestFiles`` declare around their tables.
    static let namespaces = [
        XMLNamespaceDeclaration(prefix: nil, uri: SpreadsheetMLRecordSource.namespace),
        XMLNamespaceDeclaration(prefix: "o", uri: "urn:schemas-microsoft-com:office:office"),
        XMLNamespaceDeclaration(prefix: "x", uri: "urn:schemas-microsoft-com:office:excel"),
        XMLNamespaceDeclaration(prefix: "ss", uri: SpreadsheetMLRecordSource.namespace),
        XMLNamespaceDeclaration(prefix: "html", uri: "http://www.w3.org/TR/REC-html40"),
    ]

    /// The records the scanner reads from `rows` in a table 3 cells wide, or nil when it leaves
    /// them to libxml2.
    func scanned(_ rows: [UInt8]) throws -> [SheetRecord]? {
        let scanner = SpreadsheetMLRowScanner(namespaces: Self.namespaces, width: 3, maxBytes: 1 << 16)
        let block = SheetRowBlock()
        var buffer = SheetRowBuffer(collectingInto: block)
        guard try rows.withUnsafeBufferPointer({ try scanner.scan($0, into: &buffer) }) != nil else { return nil }
        return (0..<block.rows.count).map { index in
            let row = block.rows.base[index]
            return SheetRecord(row.number, (0..<row.width).map { field in
                let cell = block.cells.base[row.firstCell + field]
                return String(decoding: UnsafeBufferPointer(start: block.bytes.base + cell.start, count: cell.count), as: UTF8.self)
            })
        }
    }

    /// The records libxml2 reads, in one parse, from a workbook whose table, 3 cells wide, holds
    /// `rows`.
    func parsed(_ rows: [UInt8]) throws -> [SheetRecord] {
        let parts = SpreadsheetTestFiles.spreadsheetML("@ROWS@", tableAttributes: " ss:ExpandedColumnCount=\"3\"").components(separatedBy: "@ROWS@")
        let path = scratch.url.appendingPathComponent("book.xml").path
        try Data(Array(parts[0].utf8) + rows + Array(parts[1].utf8)).write(to: URL(fileURLWithPath: path))
        return try SpreadsheetMLRecordSource(path: path).records()
    }

    @Test(arguments: [
        ("plain rows", "<Row><Cell><Data ss:Type=\"String\">a</Data></Cell><Cell><Data ss:Type=\"Number\">2</Data></Cell></Row>\n   <Row/>"),
        ("the five entities and character references", "<Row><Cell><Data ss:Type=\"String\">&lt;a &amp; b&gt; &quot;&apos; &#233;&#x20AC;&#128512;</Data></Cell></Row>"),
        ("line ends inside text", "<Row><Cell><Data ss:Type=\"String\">one\r\ntwo\rthree\nfour\tfive&#13;</Data></Cell></Row>"),
        ("characters beyond ASCII", "<Row><Cell><Data ss:Type=\"String\">St Paul’s – é 😀 \u{7F}\u{85}</Data></Cell></Row>"),
        ("brackets and > in text", "<Row><Cell><Data ss:Type=\"String\">a]] b] > ]]</Data></Cell></Row>"),
        ("booleans", "<Row><Cell><Data ss:Type=\"Boolean\">1</Data></Cell><Cell><Data ss:Type='Boolean'>0</Data></Cell><Cell><Data ss:Type=\"Boolean\">2</Data></Cell></Row>"),
        ("cells placed and merged", "<Row><Cell ss:Index=\"2\"><Data ss:Type=\"String\">b</Data></Cell></Row><Row><Cell ss:MergeAcross=\"1\"><Data ss:Type=\"String\">a</Data></Cell><Cell ss:Index=\"003\"><Data ss:Type=\"String\">c</Data></Cell></Row>"),
        ("empty and blank cells", "<Row><Cell/><Cell><Data ss:Type=\"String\"/></Cell><Cell><Data ss:Type=\"String\">x</Data></Cell></Row><Row><Cell><Data ss:Type=\"String\">  </Data></Cell></Row><Row></Row>"),
        ("prefixed names and spaced tags", "<ss:Row ss:Height = '15' >\n <ss:Cell\tss:StyleID=\"s1\" ><ss:Data ss:Type=\"String\" x:Ticked=\"1\">p</ss:Data ></ss:Cell\n></ss:Row>"),
        ("attributes the rows do not use", "<Row ss:AutoFitHeight=\"0\" Index=\"9\" x:Index=\"9\"><Cell ss:Formula=\"=SUM(A1:B1)\" html:Index='x'><Data ss:Type=\"Number\">3</Data></Cell></Row>"),
    ])
    func readsWhatItReadsAsLibxml2Does(_ what: String, _ rows: String) throws {
        // Given rows the scanner reads
        let bytes = Array(rows.utf8)
        // When it reads them, and libxml2 reads them in a workbook
        let scanned = try #require(try scanned(bytes), "\(what)")
        // Then the records are the same
        #expect(scanned == (try parsed(bytes)), "\(what)")
    }

    @Test(arguments: [
        ("a comment", "<Row><Cell><Data ss:Type=\"String\">a</Data></Cell><!-- c --></Row>"),
        ("a CDATA section", "<Row><Cell><Data ss:Type=\"String\"><![CDATA[a]]></Data></Cell></Row>"),
        ("a processing instruction", "<?pi x?><Row/>"),
        ("rich text", "<Row><Cell><ss:Data ss:Type=\"String\" xmlns=\"http://www.w3.org/TR/REC-html40\"><B>b</B></ss:Data></Cell></Row>"),
        ("a namespace declared", "<Row xmlns:y=\"urn:y\"><Cell/></Row>"),
        ("an unbound prefix", "<Row y:a=\"1\"><Cell/></Row>"),
        ("xml:space", "<Row><Cell><Data ss:Type=\"String\" xml:space=\"preserve\"> a</Data></Cell></Row>"),
        ("an attribute twice", "<Row ss:Height=\"1\" ss:Height=\"2\"/>"),
        ("an attribute twice by two prefixes", "<Row ss:Height=\"1\" Height=\"3\" x:Height=\"4\"><Cell ss:StyleID=\"a\" ss:StyleID=\"b\"/></Row>"),
        ("attributes without space between", "<Row ss:Height=\"1\"ss:StyleID=\"a\"/>"),
        ("a reference in an attribute", "<Row ss:StyleID=\"a&amp;b\"/>"),
        ("an unknown entity", "<Row><Cell><Data ss:Type=\"String\">&nbsp;</Data></Cell></Row>"),
        ("a reference to a character XML forbids", "<Row><Cell><Data ss:Type=\"String\">&#0;</Data></Cell></Row>"),
        ("]]> in text", "<Row><Cell><Data ss:Type=\"String\">a]]>b</Data></Cell></Row>"),
        ("a control character", "<Row><Cell><Data ss:Type=\"String\">a\u{1}b</Data></Cell></Row>"),
        ("an end tag that does not match", "<Row><Cell><Data ss:Type=\"String\">a</Datum></Cell></Row>"),
        ("a row placed by ss:Index", "<Row ss:Index=\"4\"><Cell/></Row>"),
        ("a row spanning others", "<Row ss:Span=\"2\"/>"),
        ("cells going left", "<Row><Cell ss:Index=\"2\"/><Cell ss:Index=\"1\"/></Row>"),
        ("a cell beyond the table", "<Row><Cell ss:Index=\"4\"/></Row>"),
        ("a merge beyond the table", "<Row><Cell ss:Index=\"2\" ss:MergeAcross=\"2\"/></Row>"),
        ("a signed index", "<Row><Cell ss:Index=\"+2\"/></Row>"),
        ("a row in another namespace", "<html:Row/>"),
        ("two data in a cell", "<Row><Cell><Data ss:Type=\"String\">a</Data><Data ss:Type=\"String\">b</Data></Cell></Row>"),
        ("text between cells", "<Row>x<Cell/></Row>"),
        ("the table's end", "<Row/></Table>"),
        ("a row cut short", "<Row><Cell><Data ss:Type=\"String\">a</Data></Cell>"),
        ("a name beyond ASCII", "<Row><Cellé/></Row>"),
    ])
    func leavesToLibxml2WhatItDoesNotRead(_ what: String, _ rows: String) throws {
        #expect(try scanned(Array(rows.utf8)) == nil, "\(what)")
    }

    @Test(arguments: [
        ("an overlong encoding", [0xC0, 0xAF]), ("a surrogate", [0xED, 0xA0, 0x80]), ("U+FFFE", [0xEF, 0xBF, 0xBE]),
        ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("a sequence cut short", [0xE2, 0x80]), ("a stray continuation byte", [0x80]),
    ] as [(String, [UInt8])])
    func leavesToLibxml2TextThatIsNotUTF8OfCharactersXMLAllows(_ what: String, _ bad: [UInt8]) throws {
        let rows = Array("<Row><Cell><Data ss:Type=\"String\">a".utf8) + bad + Array("b</Data></Cell></Row>".utf8)
        #expect(try scanned(rows) == nil, "\(what)")
        #expect(throws: XMLReadError.self, "\(what)") { try parsed(rows) }
    }

    @Test func rowsItReadsAfterAnyMutationAreRowsLibxml2ReadsTheSame() throws {
        // Given plain rows of every kind the scanner reads, mutated 1,500 times (seeded): bytes
        // inserted, deleted or replaced with what matters to XML
        let plain = Array(("<Row ss:Height=\"15\"><Cell><Data ss:Type=\"String\">a &amp; b&#233;</Data></Cell><Cell ss:Index=\"3\">"
            + "<Data ss:Type=\"Boolean\">1</Data></Cell></Row>\n <ss:Row><Cell ss:MergeAcross=\"1\"><Data ss:Type=\"Number\">1\r\n2</Data></Cell></ss:Row>").utf8)
        let pieces = ["<", ">", "/", "&", ";", "#", "x", "\"", "'", "=", ":", " ", "\r", "\n", "\u{1}", "]", "]]>", "é", "ss:", "xmlns",
                      "&lt;", "&#0;", "&#x41;", "<!--", "-->", "<Cell/>", "</Data>", " ss:Index=\"2\"", "Boolean", "0"].map { Array($0.utf8) }
            + [[0xFF], [0xC3], [0xED, 0xA0, 0x80]]
        var random = SeededRandom(seed: 7)
        var accepted = 0
        for _ in 0..<1_500 {
            var rows = plain
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<rows.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: rows.insert(contentsOf: random.pick(pieces), at: at)
                case 1: rows.removeSubrange(at..<min(rows.count, at + Int.random(in: 1...4, using: &random)))
                default: rows.replaceSubrange(at...at, with: random.pick(pieces))
                }
            }
            // When the scanner reads them
            guard let scanned = try scanned(rows) else { continue }
            accepted += 1
            // Then libxml2 reads them too, as the same records
            let text = String(decoding: rows, as: UTF8.self)
            #expect(scanned == (try? parsed(rows)), "\(text)")
        }
        #expect(accepted > 100)
    }
}
