import Foundation
import Testing
@testable import EnthuseCore

/// Files, schemas and a reading loop for the XML reader tests.
enum XMLTestFiles {
    static let schemas = Project.root.appendingPathComponent("schemas/xsd")

    /// A hostile or broken fixture from `Fixtures/xml`.
    static func fixture(_ name: String) -> String { Project.fixtures.appendingPathComponent("xml/" + name).path }
    /// A sample export from `Fixtures/spec`.
    static func sample(_ name: String) -> String { Project.spec.appendingPathComponent(name).path }
    static func schema(_ name: String) throws -> XMLSchema { try XMLSchema(path: schemas.appendingPathComponent(name).path) }
    static func ledgerSchema() throws -> XMLSchema { try schema("finance-ledger.xsd") }
    static func partnershipsSchema() throws -> XMLSchema { try schema("partnerships.xsd") }

    /// Writes `text` into the scratch inbox and returns its path. Scratch removes its files when
    /// it goes, so keep it alive until reading is done: `defer { withExtendedLifetime(scratch) {} }`.
    static func write(_ text: String, as name: String, in scratch: Scratch) throws -> String {
        try scratch.write(name, text: text)
        return scratch.inbox.appendingPathComponent(name).path
    }

    /// Every node of a file, or the error that refused it together with the nodes read before.
    static func read(_ path: String, schema: XMLSchema?, limits: XMLReadLimits = XMLReadLimits())
        -> (nodes: [XMLStreamNode], error: XMLReadError?)
    {
        var nodes: [XMLStreamNode] = []
        do {
            let reader = try XMLStreamReader(path: path, schema: schema, limits: limits)
            while let node = try reader.next() { nodes.append(node) }
            return (nodes, nil)
        } catch {
            return (nodes, error)
        }
    }

    /// The 1-based numbers of the lines of a file that contain `text`.
    static func lines(of path: String, containing text: String) throws -> [Int] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().filter { $0.element.contains(text) }.map { $0.offset + 1 }
    }
}

@Suite struct XMLStreamReaderTests {
    @Test func partnershipsSampleValidatesAndStreamsEveryPartnershipWithItsLine() throws {
        // Given the CRM sample and the partnerships XSD
        let path = XMLTestFiles.sample("partnerships_20261128.xml")
        let reader = try XMLStreamReader(path: path, schema: try XMLTestFiles.partnershipsSchema())
        // When it is streamed to the end
        var partnerships: [(id: String?, line: Int)] = []
        var members: [String?] = []
        var focuses: [String] = []
        while let node = try reader.next() {
            guard node.kind == .elementStart else { continue }
            #expect(node.namespaceURI == "urn:enthuse:partnerships:1")
            switch node.localName {
            case "Partnership": partnerships.append((reader.attribute("id"), node.line))
            case "Member": members.append(reader.attribute("urn")); #expect(node.isEmptyElement)
            case "Focus": focuses.append(try reader.readElementText())
            default: break
            }
        }
        // Then every partnership and member arrives, each partnership on the line of its start tag
        #expect(partnerships.map(\.id) == ["EP-0002", "EP-0018", "EP-0025", "EP-0049", "EP-0051", "EP-0056"])
        #expect(partnerships.map(\.line) == (try XMLTestFiles.lines(of: path, containing: "<Partnership ")))
        #expect(members.count == 41 && members.allSatisfy { $0?.count == 6 })
        #expect(focuses.filter { $0 == "DesignAndTechnology" }.count == 1)
    }

    @Test func ledgerSampleValidatesAndStreamsEveryEntryWithItsLine() throws {
        // Given the finance sample and the ledger XSD
        let path = XMLTestFiles.sample("contributions_20140405.xml")
        let reader = try XMLStreamReader(path: path, schema: try XMLTestFiles.ledgerSchema())
        // When it is streamed to the end
        var entries: [(ref: String?, line: Int)] = []
        var amounts: [String] = []
        var endLines: [Int] = []
        while let node = try reader.next() {
            switch (node.kind, node.localName) {
            case (.elementStart, "Entry"): entries.append((reader.attribute("ref"), node.line))
            case (.elementStart, "Amount"):
                #expect(reader.attribute("currency") == "GBP")
                amounts.append(try reader.readElementText())
            case (.elementEnd, "Entry"): endLines.append(node.line)
            default: break
            }
        }
        // Then all 47 entries arrive with the lines of their start and end tags
        #expect(entries.count == 47)
        #expect(entries.first?.ref == "FIN-2008-0001" && entries.last?.ref == "FIN-2014-0008")
        #expect(entries.map(\.line) == (try XMLTestFiles.lines(of: path, containing: "<Entry ")))
        #expect(endLines == (try XMLTestFiles.lines(of: path, containing: "</Entry>")))
        #expect(amounts.first == "500000.00" && amounts.count == 47)
    }

    @Test(arguments: ["attendance_EP-0002_2015-summer_20150813.xml", "attendance_EP-0049_2016-summer_20160807.xml"])
    func spreadsheetMLSampleStreamsWithoutSchema(name: String) throws {
        // Given an Excel "XML Spreadsheet 2003" register
        let spreadsheet = "urn:schemas-microsoft-com:office:spreadsheet"
        let reader = try XMLStreamReader(path: XMLTestFiles.sample(name), schema: nil)
        // When it is streamed without a schema
        var worksheets: [String?] = []
        var rows = 0
        var cells: [String] = []
        while let node = try reader.next() {
            guard node.kind == .elementStart, node.namespaceURI == spreadsheet else { continue }
            switch node.localName {
            case "Worksheet": worksheets.append(reader.attribute("Name", namespace: spreadsheet))
            case "Row": rows += 1
            case "Data": cells.append(try reader.readElementText())
            default: break
            }
        }
        // Then the worksheet, its rows and the header cells come through
        #expect(worksheets == ["Attendance"])
        #expect(rows > 10)
        #expect(cells.prefix(2) == ["Date", "School URN"])
    }

    @Test func lineNumbersStayExactPastLine65535() throws {
        // Given a valid ledger of 10,000 entries on 80,000 lines, beyond libxml2's 16-bit node lines
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Ledger xmlns=\"urn:enthuse:finance:1\" generated=\"2014-04-05T06:30:00\">\n"
        for number in 1...10_000 {
            xml += "  <Entry ref=\"FIN-2008-\(String(format: "%05d", number))\">\n    <Funder id=\"VOD\">Vodafone</Funder>\n"
            xml += "    <Round>2008</Round>\n    <Kind>pledge</Kind>\n    <Date>2008-03-25</Date>\n"
            xml += "    <Amount currency=\"GBP\">500000.00</Amount>\n  </Entry>\n"
        }
        xml += "</Ledger>\n"
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(xml, as: "contributions_20140406.xml", in: scratch)
        // When it is streamed with the schema
        let (nodes, error) = XMLTestFiles.read(path, schema: try XMLTestFiles.ledgerSchema())
        // Then each entry starts 7 lines after the one before, to the last
        #expect(error == nil)
        let starts = nodes.filter { $0.kind == .elementStart && $0.localName == "Entry" }.map(\.line)
        #expect(starts.count == 10_000)
        #expect(starts.indices.first { starts[$0] != 3 + 7 * $0 } == nil)
        let amounts = nodes.filter { $0.kind == .text && $0.text == "500000.00" }.map(\.line)
        #expect(amounts.last == 3 + 7 * 9_999 + 5)
    }

    @Test func readElementTextGathersNestedTextAndMovesPastTheEnd() throws {
        // Given an element with text, a child element, a character reference and a CDATA section
        let xml = "<a>\n  <b>one <i>two</i> &#x33;<![CDATA[ <four> ]]></b>\n  <c/>\n</a>\n"
        let scratch = try Scratch()
        defer { withExtendedLifetime(scratch) {} }
        let path = try XMLTestFiles.write(xml, as: "rich.xml", in: scratch)
        let reader = try XMLStreamReader(path: path, schema: nil)
        // When the text of b is read
        #expect(try reader.next()?.localName == "a")
        #expect(try reader.next()?.localName == "b")
        let text = try reader.readElementText()
        // Then it holds all of it, and the reader goes on after b's end
        #expect(text == "one two 3 <four> ")
        let next = try reader.next()
        #expect(next?.localName == "c" && next?.isEmptyElement == true && next?.line == 3)
        #expect(try reader.readElementText() == "")
        #expect(try reader.next()?.kind == .elementEnd)
        #expect(try reader.next() == nil)
    }

    @Test func oneCompiledSchemaServesConcurrentReaders() async throws {
        // Given one compiled ledger schema
        let schema = try XMLTestFiles.ledgerSchema()
        let path = XMLTestFiles.sample("contributions_20140405.xml")
        // When eight tasks validate the sample with it at the same time
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let (nodes, error) = XMLTestFiles.read(path, schema: schema)
                    return error == nil ? nodes.filter { $0.localName == "Entry" && $0.kind == .elementStart }.count : -1
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // Then every reader sees every entry
        #expect(counts == Array(repeating: 47, count: 8))
    }

    @Test func missingFileIsReportedWithWhatToDo() {
        let (_, error) = XMLTestFiles.read("/nonexistent/partnerships_20261128.xml", schema: nil)
        #expect(error?.reason == .cannotOpen)
        #expect(error?.description == "partnerships_20261128.xml: cannot open the file: No such file or directory. "
            + "Check that the file exists and that the loader may read it.")
    }
}
