import Foundation
import Testing
@testable import EnthuseCore

/// A hostile or broken fixture and how the reader must refuse it.
struct RefusedFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let schema: String
    let reason: XMLReadError.Reason
    let line: Int
    var testDescription: String { name }
}

@Suite struct XMLStreamReaderSafetyTests {
    /// Every line of this machine's /etc/passwd: none may ever surface in a node or a message.
    static let passwdLines = ((try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "root:x:0:0:")
        .split(separator: "\n").map(String.init)

    static func expectNoPasswd(in nodes: [XMLStreamNode], _ error: XMLReadError?) {
        let seen = nodes.map { $0.text + $0.localName }.joined(separator: "\n") + (error?.description ?? "")
        #expect(!passwdLines.contains { seen.contains($0) })
    }

    @Test(arguments: [
        RefusedFixture(name: "xxe-file.xml", schema: "finance-ledger.xsd", reason: .declaresDoctype, line: 2),
        RefusedFixture(name: "xxe-network.xml", schema: "finance-ledger.xsd", reason: .declaresDoctype, line: 2),
        RefusedFixture(name: "billion-laughs.xml", schema: "finance-ledger.xsd", reason: .declaresDoctype, line: 2),
        RefusedFixture(name: "quadratic-blowup.xml", schema: "finance-ledger.xsd", reason: .declaresDoctype, line: 2),
        RefusedFixture(name: "doctype.xml", schema: "partnerships.xsd", reason: .declaresDoctype, line: 2),
        RefusedFixture(name: "truncated.xml", schema: "partnerships.xsd", reason: .truncated, line: 13),
        RefusedFixture(name: "not-well-formed.xml", schema: "finance-ledger.xsd", reason: .notWellFormed, line: 9),
        RefusedFixture(name: "xsd-violation.xml", schema: "finance-ledger.xsd", reason: .schemaViolation, line: 13),
    ])
    func hostileFixtureIsRefusedFastWithFileLineAndCause(fixture: RefusedFixture) throws {
        // Given a fixture and the schema its namespace calls for
        let schema = try XMLSchema(path: XMLTestFiles.schemas.appendingPathComponent(fixture.schema).path)
        // When it is read
        var outcome: (nodes: [XMLStreamNode], error: XMLReadError?) = ([], nil)
        let elapsed = ContinuousClock().measure { outcome = XMLTestFiles.read(XMLTestFiles.fixture(fixture.name), schema: schema) }
        // Then it is refused within a second, naming the file, the line and the cause
        let error = try #require(outcome.error)
        #expect(error.reason == fixture.reason)
        #expect(error.line == fixture.line)
        #expect(error.description.hasPrefix("\(fixture.name)"))
        #expect(error.description.contains("\(fixture.name):\(fixture.line)"))
        #expect(elapsed < .seconds(1))
        Self.expectNoPasswd(in: outcome.nodes, error)
    }

    @Test func doctypeMessageSaysWhyTheFileWasNotRead() throws {
        let (_, error) = XMLTestFiles.read(XMLTestFiles.fixture("doctype.xml"), schema: nil)
        #expect(error?.description == "doctype.xml:2: the file declares a DOCTYPE; ENTHUSE exports never do, and DTDs can "
            + "carry entity attacks — the file was not read further. Fix the export and deliver the file again.")
    }

    @Test func prologScanFindsTheDoctypeLineAfterCommentsAndInstructions() {
        let prolog = "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- a\ncomment -->\n<?pi x?>\n\n<!DOCTYPE r>\n<r/>\n"
        #expect(XMLProlog.doctypeLine(in: Array(prolog.utf8)[...]) == 6)
        #expect(XMLProlog.doctypeLine(in: Array("<?xml version=\"1.0\"?>\n<r><!DOCTYPE r></r>\n".utf8)[...]) == nil)
    }

    @Test func xsdViolationsNameEachLineElementAndValue() throws {
        let (_, error) = XMLTestFiles.read(XMLTestFiles.fixture("xsd-violation.xml"), schema: try XMLTestFiles.ledgerSchema())
        let issues = try #require(error?.issues)
        #expect(issues.map(\.line) == [13, 15])
        #expect(issues[0].message.contains("Element 'Kind'") && issues[0].message.contains("'gift'"))
        #expect(issues[1].message == "Element 'Amount': The value '12.345' has more fractional digits than are allowed ('2') "
            + "(finance-ledger.xsd)")
    }

    @Test func doctypeInAnEncodingThePrologScanCannotReadIsStillRefused() throws {
        // Given a UTF-16 file whose DOCTYPE points an entity at /etc/passwd
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>\n"
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        try scratch.write("utf16.xml", bytes: Array(xml.data(using: .utf16)!))
        let path = scratch.inbox.appendingPathComponent("utf16.xml").path
        // When it is read, Then libxml2's DOCTYPE node stops it and nothing of the file leaks
        let (nodes, error) = XMLTestFiles.read(path, schema: nil)
        #expect(error?.reason == .declaresDoctype)
        #expect(nodes.isEmpty)
        Self.expectNoPasswd(in: nodes, error)
    }

    @Test(arguments: [64, 256])
    func deepNestingIsRefused(maxDepth: Int) throws {
        // Given 10,000 nested elements, one per line
        let xml = "<?xml version=\"1.0\"?>\n" + String(repeating: "<a>\n", count: 10_000) + String(repeating: "</a>", count: 10_000)
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(xml, as: "deep.xml", in: scratch)
        // When it is read, Then the first element too deep stops it (libxml2's own bound is 256)
        let (_, error) = XMLTestFiles.read(path, schema: nil, limits: XMLReadLimits(maxDepth: maxDepth))
        #expect(error?.reason == .tooDeep)
        #expect(error?.message.contains("more than \(maxDepth) levels") == true)
        #expect((error?.line ?? 0) >= maxDepth + 2)
    }

    @Test func hundredMegabyteTextNodeIsRefusedQuicklyInFlatMemory() throws {
        // Given a memo of 100 MiB
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write("", as: "contributions_20140407.xml", in: scratch)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        file.write(Data("<?xml version=\"1.0\"?>\n<Ledger xmlns=\"urn:enthuse:finance:1\">\n<Memo>".utf8))
        let mebibyte = Data(String(repeating: String(repeating: "x", count: 1023) + "\n", count: 1024).utf8)
        for _ in 0..<100 { file.write(mebibyte) }
        file.write(Data("</Memo>\n</Ledger>\n".utf8))
        try file.close()
        // When it is read
        let before = Self.peakResidentBytes()
        var outcome: (nodes: [XMLStreamNode], error: XMLReadError?) = ([], nil)
        let elapsed = ContinuousClock().measure { outcome = XMLTestFiles.read(path, schema: nil) }
        // Then it is refused within two seconds, having held no more than libxml2's 10 MB bound
        #expect(outcome.error?.reason == .textTooLong)
        #expect(outcome.error?.description.hasPrefix("contributions_20140407.xml:") == true)
        #expect(elapsed < .seconds(2))
        #expect(Self.peakResidentBytes() - before < 64 << 20)
    }

    @Test func textOverTheConfiguredLimitIsRefused() throws {
        // Given a limit of 1 KiB, one long text node, and an element whose pieces add up past it
        let limits = XMLReadLimits(maxTextBytes: 1024)
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let long = try XMLTestFiles.write("<a>\n<b>\(String(repeating: "y", count: 2000))</b>\n</a>", as: "long.xml", in: scratch)
        let piece = "<i>\(String(repeating: "z", count: 600))</i>"
        let pieces = try XMLTestFiles.write("<a>\n<b>\(piece)\n\(piece)\n\(piece)</b>\n</a>", as: "pieces.xml", in: scratch)
        // When they are read, Then both are refused
        #expect(XMLTestFiles.read(long, schema: nil, limits: limits).error?.reason == .textTooLong)
        let reader = try XMLStreamReader(path: pieces, schema: nil, limits: limits)
        _ = try reader.next()
        _ = try reader.next()
        #expect(throws: XMLReadError.self) { try reader.readElementText() }
        #expect(throws: XMLReadError.self) { try reader.next() }
    }

    @Test func schemaViolationsAreCollectedUpToTheLimitThenReported() throws {
        // Given a ledger whose 30 entries all have three decimals
        let entry = "<Entry ref=\"FIN-2008-0001\"><Funder id=\"BP\">BP</Funder><Round>2008</Round><Kind>pledge</Kind>"
            + "<Date>2008-04-01</Date><Amount currency=\"GBP\">1.234</Amount></Entry>\n"
        let xml = "<Ledger xmlns=\"urn:enthuse:finance:1\" generated=\"2014-04-05T06:30:00\">\n"
            + String(repeating: entry, count: 30) + "</Ledger>\n"
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(xml, as: "contributions_20140408.xml", in: scratch)
        // When it is read with a limit of five
        let (_, error) = XMLTestFiles.read(path, schema: try XMLTestFiles.ledgerSchema(), limits: XMLReadLimits(maxSchemaErrors: 5))
        // Then the first five are reported, with a note that reading stopped
        #expect(error?.reason == .schemaViolation)
        #expect(error?.issues.map(\.line) == [2, 3, 4, 5, 6, nil])
        #expect(error?.issues.last?.message.contains("stopped after 5 schema violations") == true)
    }

    @Test func namespaceErrorRefusesTheFileEvenWhenTheSchemaSaysValid() throws {
        // libxml2 routes this error past the handler once a schema is attached
        let xml = "<Ledger xmlns=\"urn:enthuse:finance:1\" xmlns:y=\"not a uri\" generated=\"2014-04-05T06:30:00\">\n</Ledger>\n"
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(xml, as: "contributions_20140409.xml", in: scratch)
        let (_, error) = XMLTestFiles.read(path, schema: try XMLTestFiles.ledgerSchema())
        #expect(error?.reason == .notWellFormed)
        #expect(error?.line == 1)
    }

    @Test func schemaCannotPullInAnotherFile() throws {
        // Given an XSD that includes a second, valid XSD beside it
        let other = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t"><xs:element name="b"/></xs:schema>
            """
        let main = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">\
            <xs:include schemaLocation="other.xsd"/><xs:element name="a"/></xs:schema>
            """
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let otherPath = try XMLTestFiles.write(other, as: "other.xsd", in: scratch)
        let mainPath = try XMLTestFiles.write(main, as: "main.xsd", in: scratch)
        // When it is compiled, Then the include is refused and so is the schema
        let error = #expect(throws: XMLReadError.self) { try XMLSchema(path: mainPath) }
        #expect(error?.reason == .invalidSchema)
        #expect(error?.description.contains("other.xsd") == true)
        #expect(throws: Never.self) { try XMLSchema(path: otherPath) }
    }

    /// The most memory this process has held resident so far.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}
