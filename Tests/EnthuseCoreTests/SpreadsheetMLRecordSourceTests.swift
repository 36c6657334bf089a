import Foundation
import Testing
@testable import EnthuseCore

@Suite("SpreadsheetML (Excel XML Spreadsheet 2003) records")
struct SpreadsheetMLRecordSourceTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// Reads a workbook written from `text`.
    func records(_ text: String) throws -> [SheetRecord] {
        let path = try SpreadsheetTestFiles.write(text, named: "book.xml", in: scratch.url)
        return try SpreadsheetMLRecordSource(path: path).records()
    }

    @Test func sampleRegisterStreamsEveryRowWithItsWorksheetRowNumber() throws {
        // Given the sample register of EP-0002 (a header and 57 sessions)
        let path = Project.spec.appendingPathComponent("attendance_EP-0002_2014-autumn_20150102.xml").path
        // When it is read
        let source = try SpreadsheetMLRecordSource(path: path)
        let records = try source.records()
        // Then every row is a record, numbered as Excel shows it, with the values as written
        #expect(source.worksheet == "Attendance")
        #expect(records.map(\.line) == Array(1...58))
        #expect(records[0].fields.first == "Date" && records[0].fields.last == "Attended")
        #expect(records[1] == SheetRecord(2, [
            "2014-09-05T00:00:00.000", "109970", "St Luke's CofE Primary School – Exeter Campus",
            "d.wilson@stlukescofeprimaryschool.sch.uk", "Subject leader", "ENR-SCI-104",
            "Practical chemistry for non-specialists", "Enrichment", "Science", "1.5", "Y",
        ]))
        #expect(records[57].fields == [
            "2014-12-18T00:00:00.000", "137188", "Tendring Technology College", "c.lewis@tendringtechnologycolleg.sch.uk",
            "Teacher", "CPD-SCI-106", "Teaching evolution and inheritance", "CPD", "Science", "3.5", "Y",
        ])
    }

    @Test func booleanCellsBecomeTrueOrFalse() throws {
        // Given the sample register of EP-0049, whose Attended column is typed Boolean
        let path = Project.spec.appendingPathComponent("attendance_EP-0049_2015-autumn_20160104.xml").path
        let records = try SpreadsheetMLRecordSource(path: path).records()
        // Then 0 and 1 are handed out as FALSE and TRUE
        #expect(records.count == 66)
        #expect(records[1].fields.last == "FALSE")
        #expect(records[65].line == 66 && records[65].fields.last == "TRUE")
    }

    @Test func rowIndexSkipsRowsAndCellIndexLeavesEmptyCells() throws {
        let table = """
            <Row><Cell><Data ss:Type="String">A</Data></Cell><Cell><Data ss:Type="String">B</Data></Cell><Cell><Data ss:Type="String">C</Data></Cell></Row>
            <Row ss:Index="4"><Cell ss:Index="3"><Data ss:Type="String">c4</Data></Cell></Row>
            <Row><Cell><Data ss:Type="String">a5</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">c5</Data></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [
            SheetRecord(1, ["A", "B", "C"]), SheetRecord(4, ["", "", "c4"]), SheetRecord(5, ["a5", "", "c5"]),
        ])
    }

    @Test func mergedCellsSpanTheirColumns() throws {
        let table = """
            <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">Autumn term</Data></Cell><Cell><Data ss:Type="String">D</Data></Cell></Row>
            <Row><Cell ss:MergeAcross="1"/><Cell><Data ss:Type="Number">3</Data></Cell><Cell ss:Index="4"><Data ss:Type="Number">4</Data></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [
            SheetRecord(1, ["Autumn term", "", "", "D"]), SheetRecord(2, ["", "", "3", "4"]),
        ])
    }

    @Test func selfClosingCellsAreEmptyAndKeepTheirPlace() throws {
        let table = """
            <Row><Cell/><Cell ss:StyleID="s62"/><Cell><Data ss:Type="String">C</Data></Cell><Cell></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [SheetRecord(1, ["", "", "C", ""])])
    }

    @Test func typedValuesAreHandedOutAsWritten() throws {
        let table = """
            <Row><Cell><Data ss:Type="Number">109970</Data></Cell><Cell><Data ss:Type="Number">3.5</Data></Cell>\
            <Cell><Data ss:Type="DateTime">2016-10-05T00:00:00.000</Data></Cell><Cell><Data ss:Type="Boolean">1</Data></Cell>\
            <Cell><Data ss:Type="Boolean">0</Data></Cell><Cell ss:Formula="=1/0"><Data ss:Type="Error">#DIV/0!</Data></Cell>\
            <Cell><Data ss:Type="Error">#N/A</Data></Cell><Cell><Data ss:Type="String">  0042 </Data></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [
            SheetRecord(1, ["109970", "3.5", "2016-10-05T00:00:00.000", "TRUE", "FALSE", "#DIV/0!", "#N/A", "  0042 "]),
        ])
    }

    @Test func richTextCellsGiveAllTheirCharacters() throws {
        let table = """
            <Row><Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Forces</B> – <I>practical</I> approaches</ss:Data></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [SheetRecord(1, ["Forces – practical approaches"])])
    }

    @Test func commentsInsideACellAreNotItsValue() throws {
        let table = """
            <Row><Cell><Data ss:Type="String">Y</Data><Comment ss:Author="Lead"><ss:Data>late arrival</ss:Data></Comment><NamedCell ss:Name="Print_Area"/></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [SheetRecord(1, ["Y"])])
    }

    @Test func hiddenRowsAreKeptAndBlankRowsAreNotRecords() throws {
        let table = """
            <Row><Cell><Data ss:Type="String">A</Data></Cell><Cell><Data ss:Type="String">B</Data></Cell></Row>
            <Row ss:Hidden="1"><Cell><Data ss:Type="String">hidden</Data></Cell></Row>
            <Row><Cell><Data ss:Type="String">  </Data></Cell><Cell ss:StyleID="s62"/></Row>
            <Row><Cell><Data ss:Type="String">shown</Data></Cell></Row>
            <Row ss:AutoFitHeight="0"/>
            <Row><Cell/></Row>
            <Row ss:Index="200"/>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [
            SheetRecord(1, ["A", "B"]), SheetRecord(2, ["hidden", ""]), SheetRecord(4, ["shown", ""]),
        ])
    }

    @Test func rowSpanStandsForTheRowsAfterIt() throws {
        let table = """
            <Row ss:Span="2"/>
            <Row><Cell><Data ss:Type="String">fourth</Data></Cell></Row>
            """
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)) == [SheetRecord(4, ["fourth"])])
    }

    @Test func worksheetNamedAttendanceIsReadWhateverItsPlaceAndCase() throws {
        let text = SpreadsheetTestFiles.spreadsheetML([
            ("Lookups", SpreadsheetTestFiles.row("Teacher", "Technician")),
            ("ATTENDANCE", SpreadsheetTestFiles.row("Date") + SpreadsheetTestFiles.row("2016-10-05")),
            ("Notes", SpreadsheetTestFiles.row("none")),
        ])
        let path = try SpreadsheetTestFiles.write(text, named: "book.xml", in: scratch.url)
        let source = try SpreadsheetMLRecordSource(path: path)
        #expect(source.worksheet == "ATTENDANCE")
        #expect(try source.records() == [SheetRecord(1, ["Date"]), SheetRecord(2, ["2016-10-05"])])
    }

    @Test func firstWorksheetIsReadWhenNoneIsNamedAttendance() throws {
        let text = SpreadsheetTestFiles.spreadsheetML([
            ("Sheet1", SpreadsheetTestFiles.row("first")), ("Sheet2", SpreadsheetTestFiles.row("second")),
        ])
        let path = try SpreadsheetTestFiles.write(text, named: "book.xml", in: scratch.url)
        let source = try SpreadsheetMLRecordSource(path: path)
        #expect(source.worksheet == "Sheet1")
        #expect(try source.records() == [SheetRecord(1, ["first"])])
    }

    @Test func workbookWrittenOnOneLineNumbersRowsAsExcelShowsThem() throws {
        let text = SpreadsheetTestFiles.spreadsheetML(
            (1...3).map { SpreadsheetTestFiles.row("r\($0)") }.joined()
        ).replacingOccurrences(of: "\n", with: "")
        let records = try records(text)
        #expect(records.map(\.line) == [1, 2, 3])
    }

    @Test func rowsAreAsWideAsTheWidestRowWhenTheTableDoesNotSay() throws {
        // Given a table without ss:ExpandedColumnCount (as LibreOffice writes it), whose rows
        // leave out their trailing empty cells
        let table = SpreadsheetTestFiles.row("Date", "URN", "Notes") + SpreadsheetTestFiles.row("2016-10-05", "100000")
            + "<Row><Cell ss:Index=\"5\"><Data ss:Type=\"String\">stray</Data></Cell></Row>"
        // Then every record has the width of the widest row
        #expect(try records(SpreadsheetTestFiles.spreadsheetML(table)).map(\.fields.count) == [5, 5, 5])
    }

    @Test func rowsAreAsWideAsTheDeclaredTable() throws {
        let text = SpreadsheetTestFiles.spreadsheetML(SpreadsheetTestFiles.row("Date"), tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        #expect(try records(text) == [SheetRecord(1, ["Date", "", ""])])
    }

    @Test func cellBeyondTheDeclaredTableIsRefusedAsExcelRefusesIt() throws {
        let text = SpreadsheetTestFiles.spreadsheetML(SpreadsheetTestFiles.row("a", "b", "c"), tableAttributes: " ss:ExpandedColumnCount=\"2\"")
        let error = try #require(throws: SpreadsheetError.self) { try records(text) }
        #expect(error.reason == .malformedSheet && error.row == 1 && error.column == 3)
        #expect(error.description.contains("book.xml, row 1, cell C1: the cell reaches beyond the table's ss:ExpandedColumnCount of 2"))
    }

    @Test func rowsGoingBackUpTheSheetAreRefused() throws {
        let table = "<Row ss:Index=\"5\"><Cell><Data ss:Type=\"String\">x</Data></Cell></Row><Row ss:Index=\"3\"/>"
        let error = try #require(throws: SpreadsheetError.self) { try records(SpreadsheetTestFiles.spreadsheetML(table)) }
        #expect(error.reason == .malformedSheet)
        #expect(error.message.contains("ss:Index=\"3\" after row 5"))
    }

    @Test func rawTextIsTheRowAsCSVWithPersonalColumnsMasked() throws {
        let path = try SpreadsheetTestFiles.write(SpreadsheetTestFiles.spreadsheetML(
            SpreadsheetTestFiles.row("Smith, J", "j.smith@school.sch.uk", "Y")), named: "book.xml", in: scratch.url)
        let source = try SpreadsheetMLRecordSource(path: path)
        #expect(try source.next())
        #expect(source.rawText(masking: [1]) == "\"Smith, J\",«masked»,Y")
    }

    @Test func fileWithTheWrongRootIsRefusedSayingWhatItIs() throws {
        let path = Project.spec.appendingPathComponent("contributions_20140405.xml").path
        let error = try #require(throws: SpreadsheetError.self) { try SpreadsheetMLRecordSource(path: path) }
        #expect(error.reason == .wrongKind)
        #expect(error.description.hasPrefix("contributions_20140405.xml, line "))
        #expect(error.message.contains("so this is not an Excel XML Spreadsheet 2003"))
    }

    @Test func workbookOfAnotherKindNamedXMLIsRefusedSayingWhatItIs() throws {
        // Given an .xlsx workbook and a CSV file, each renamed .xml
        let xlsx = scratch.url.appendingPathComponent("attendance.xml")
        try SpreadsheetTestFiles.xlsx(at: xlsx, sheetData: "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Date</t></is></c></row>")
        let csv = try SpreadsheetTestFiles.write("Date,URN\n05/10/2016,100000\n", named: "register.xml", in: scratch.url)
        // Then each is refused, naming what it is instead
        let zipError = try #require(throws: SpreadsheetError.self) { try SpreadsheetMLRecordSource(path: xlsx.path) }
        #expect(zipError.description.hasPrefix("attendance.xml: the file is a zip archive, such as an .xlsx workbook, not an Excel XML Spreadsheet 2003."))
        let csvError = try #require(throws: SpreadsheetError.self) { try SpreadsheetMLRecordSource(path: csv) }
        #expect(csvError.reason == .wrongKind && csvError.message.contains("plain text such as CSV"))
    }

    @Test func spreadsheetWithADoctypeIsRefusedBeforeItIsParsed() throws {
        let text = SpreadsheetTestFiles.spreadsheetML(SpreadsheetTestFiles.row("&lol;"))
            .replacingOccurrences(of: "<?mso-application progid=\"Excel.Sheet\"?>", with: "<!DOCTYPE Workbook [<!ENTITY lol \"lol\">]>")
        #expect(throws: XMLReadError.self) { try records(text) }
    }

    // Inputs that crashed the reader (Tests/Fuzz/run spreadsheetml), kept in Fixtures/fuzz.

    @Test(arguments: [
        ("spreadsheetml-row-span-overflow.xml", 7, nil, "a row comes after row 1048576, the last a worksheet has"),
        ("spreadsheetml-merge-across-overflow.xml", nil, 2,
         "the cell reaches beyond the table's ss:ExpandedColumnCount of 2; Excel itself refuses such a file"),
        ("spreadsheetml-cell-index-overflow.xml", nil, Int.max, "the cell reaches beyond column XFD, the last a worksheet has"),
    ] as [(String, Int?, Int?, String)])
    func positionsAsLargeAsAnIntGetAreRefusedAsAMalformedSheet(fixture: String, line: Int?, column: Int?, message: String) throws {
        // Given a workbook whose ss:Span, ss:MergeAcross or ss:Index is 9223372036854775807
        let path = Project.fixtures.appendingPathComponent("fuzz/" + fixture).path
        // When it is read
        let error = try #require(throws: SpreadsheetError.self) { try SpreadsheetMLRecordSource(path: path).records() }
        // Then it is refused as a malformed sheet, at the row or cell concerned, and nothing overflows
        #expect(error.reason == .malformedSheet)
        #expect(error.line == line && error.column == column)
        #expect(error.message == message)
    }

    @Test func encodingThatFailsHalfWayThroughATagIsRefusedAsNotWellFormed() throws {
        // Given a UTF-7 workbook with bytes UTF-7 cannot convert inside a start tag (where an
        // error's position, asked of libxml2 mid-conversion, read freed memory)
        let path = Project.fixtures.appendingPathComponent("fuzz/spreadsheetml-utf7-error-mid-conversion.xml").path
        // When it is read
        let error = try #require(throws: XMLReadError.self) { try SpreadsheetMLRecordSource(path: path).records() }
        // Then it is refused as XML that is not well-formed, naming the bytes, not as a file cut short
        #expect(error.reason == .notWellFormed)
        #expect(error.message.contains("input conversion failed due to input error, bytes 0x9F 0x96"), "\(error.message)")
    }

    @Test(arguments: try FileManager.default.contentsOfDirectory(atPath: Project.fixtures.appendingPathComponent("fuzz").path)
        .filter { $0.hasPrefix("spreadsheetml-") }.sorted())
    func fuzzInputsReadTheSameInStretchesAsInOneParse(fixture: String) throws {
        // Given an input the fuzz target kept
        let path = Project.fixtures.appendingPathComponent("fuzz/" + fixture).path
        // When it is read in one parse, and in stretches of 16 bytes
        let outcome = { (stretchBytes: Int) -> String in
            do { return "\(try SpreadsheetMLRecordSource(path: path, stretchBytes: stretchBytes).records())" } catch { return "\(error)" }
        }
        // Then the records, or the error, are the same
        #expect(outcome(16) == outcome(SpreadsheetMLRecordSource.stretchBytes))
    }

    @Test func namespaceErrorInTheTablesStartTagIsReportedAsSuchSplitOrNot() throws {
        // Given a workbook whose Table start tag uses an undeclared prefix (x:FullColumns)
        let path = Project.fixtures.appendingPathComponent("fuzz/spreadsheetml-namespace-error-in-table-tag.xml").path
        // When it is read in one parse, and as a table to split in stretches
        let whole = try #require(throws: XMLReadError.self) { try SpreadsheetMLRecordSource(path: path).records() }
        let split = try #require(throws: XMLReadError.self) { try SpreadsheetMLRecordSource(path: path, stretchBytes: 16).records() }
        // Then both refuse it for that, at that tag, not as a file cut short
        #expect(whole == split)
        #expect(whole.reason == .notWellFormed)
        #expect(whole.message.contains("Namespace prefix x for FullColumns on Table is not defined"), "\(whole.message)")
    }

    @Test func tableInsideAnElementOfAnotherNamespaceIsNotAWorksheets() throws {
        // Given a workbook with a Table inside a foreign element before its only worksheet, whose own table is 2 wide
        let path = Project.fixtures.appendingPathComponent("fuzz/spreadsheetml-table-in-foreign-element.xml").path
        // When it is read
        let source = try SpreadsheetMLRecordSource(path: path)
        // Then the foreign element is skipped and the worksheet's row is read at its own width
        #expect(source.worksheet == "Register")
        #expect(try source.records() == [SheetRecord(1, ["a", "b"])])
    }
}

extension SpreadsheetMLRecordSourceTests {
    @Test func bytesTheDeclaredEncodingCannotConvertAreRefusedSayingSo() throws {
        // Given a workbook that declares EUC-JP and holds bytes EUC-JP has no character for
        var bytes = Array(SpreadsheetTestFiles.spreadsheetML(SpreadsheetTestFiles.row("Date", "X"))
            .replacingOccurrences(of: "<?xml version=\"1.0\"?>", with: "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>").utf8)
        let cell = try #require(bytes.firstRange(of: Array("X".utf8)))
        bytes.replaceSubrange(cell, with: [0x8E, 0xFF, 0xFF, 0xFF])
        let path = scratch.url.appendingPathComponent("book.xml").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // When it is read, then it is refused with libxml2's reason, not a shrug
        let error = try #require(throws: XMLReadError.self) { try SpreadsheetMLRecordSource(path: path).records() }
        #expect(error.reason == .notWellFormed)
        #expect(!error.message.contains("without saying why"), "\(error.message)")
    }
}

/// A large table is parsed a stretch at a time on two threads; whatever is in it, what it yields
/// must be what one parse of the whole file yields.
extension SpreadsheetMLRecordSourceTests {
    /// `count` rows of every kind: rich text, escapes, merged and indexed cells, booleans,
    /// blank and self-closing rows, rows written over several lines.
    static func variedRows(_ count: Int, from first: Int = 1) -> [String] {
        (first..<first + count).map { n in
            switch n % 6 {
            case 0: "<Row><Cell><ss:Data ss:Type=\"String\" xmlns=\"http://www.w3.org/TR/REC-html40\"><B>rich</B> \(n)</ss:Data></Cell>"
                + "<Cell ss:MergeAcross=\"1\"><Data ss:Type=\"Number\">\(n)</Data></Cell></Row>"
            case 1: "<Row>\n    <Cell><Data ss:Type=\"Boolean\">1</Data></Cell>\n    <Cell ss:Index=\"3\"><Data ss:Type=\"String\">a &amp; b &lt; \(n)</Data></Cell>\n   </Row>"
            case 2: "<Row><Cell><Data ss:Type=\"String\">   </Data></Cell></Row>"
            case 3: "<Row/>"
            case 4: "<Row ss:Height=\"15\"><Cell><Data ss:Type=\"String\">row \(n) – é</Data></Cell></Row>"
            default: SpreadsheetTestFiles.row("x\(n)", "y", "z")
            }
        }
    }

    /// The records and the stretch summary of `text` read in stretches of `stretchBytes`, and the
    /// records of one parse of it.
    func readBothWays(_ text: String, stretchBytes: Int = 256) throws -> (inStretches: [SheetRecord], summary: SpreadsheetMLTableStretches.Summary?, whole: [SheetRecord]) {
        let path = try SpreadsheetTestFiles.write(text, named: "book.xml", in: scratch.url)
        let source = try SpreadsheetMLRecordSource(path: path, stretchBytes: stretchBytes)
        let inStretches = try source.records()
        return (inStretches, source.sheet.stretchSummary, try SpreadsheetMLRecordSource(path: path).records())
    }

    @Test func largeTableReadInStretchesGivesTheRecordsOfOneParse() throws {
        // Given a table of 600 varied rows, some 60 KB
        let text = SpreadsheetTestFiles.spreadsheetML(Self.variedRows(600).joined(separator: "\n   "), tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        // When it is read in stretches of 256 bytes, and in one parse
        let (inStretches, summary, whole) = try readBothWays(text)
        // Then every stretch was a plain run of rows, parsed in turns (by the row scanner, or by
        // libxml2 where a row has rich text), and the records are the same
        #expect(summary?.inOrderFrom == nil)
        #expect((summary?.inTurns ?? 0) > 100)
        #expect((summary?.scanned ?? 0) > 20)
        #expect((summary?.scanned ?? 0) < (summary?.inTurns ?? 0) - 20)
        #expect(inStretches.count == 400)
        #expect(inStretches == whole)
    }

    @Test func stretchLongerThanTheScannerTakesIsParsedByLibxml2() throws {
        // Given a table of 600 plain rows with, as its 300th, a row holding 100 KB of text: a
        // stretch longer than the 64 KiB a scanner of 256-byte stretches takes
        var rows = (1...600).map { SpreadsheetTestFiles.row("x\($0)", "y", "z") }
        rows[299] = SpreadsheetTestFiles.row(String(repeating: "long ", count: 20_000), "y", "z")
        let text = SpreadsheetTestFiles.spreadsheetML(rows.joined(separator: "\n   "), tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        // When it is read in stretches of 256 bytes, and in one parse
        let (inStretches, summary, whole) = try readBothWays(text)
        // Then that stretch was libxml2's, every other the scanner's, and the records are the same
        #expect(summary?.inOrderFrom == nil)
        #expect((summary?.inTurns ?? 0) > 100)
        #expect(summary.map { $0.inTurns - $0.scanned } == 2, "the long row's stretch, and the last")
        #expect(inStretches == whole)
        #expect(inStretches.count == 600)
    }

    @Test(arguments: [
        ("a comment full of <Row> tags", "<!-- " + String(repeating: "<Row><Cell><Data ss:Type=\"String\">ghost</Data></Cell></Row> ", count: 40) + "-->"),
        ("a row that jumps with ss:Index", "<Row ss:Index=\"900\"><Cell><Data ss:Type=\"String\">jump</Data></Cell></Row>"),
        ("a row that stands for more with ss:Span", "<Row ss:Span=\"5\"><Cell><Data ss:Type=\"String\">span</Data></Cell></Row>"),
    ])
    func stretchThatIsNotAPlainRunOfRowsIsReadInOrderFromThere(_ what: String, _ odd: String) throws {
        // Given a table with `odd` between rows 300 and 301 of 600
        let rows = Self.variedRows(300) + [odd] + Self.variedRows(300, from: 301)
        let text = SpreadsheetTestFiles.spreadsheetML(rows.joined(separator: "\n   "), tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        // When it is read in stretches, and in one parse
        let (inStretches, summary, whole) = try readBothWays(text)
        // Then the stretches before it were parsed in turns, the rest in order, and the records are the same
        #expect((summary?.inTurns ?? 0) > 10, "\(what)")
        #expect(summary?.inOrderFrom != nil, "\(what)")
        #expect(inStretches == whole, "\(what)")
    }

    @Test func worksheetsAfterTheTableAreNotReadAsItsRows() throws {
        // Given a workbook whose Attendance table of 300 rows is followed by another worksheet of 300
        let text = SpreadsheetTestFiles.spreadsheetML([("Attendance", Self.variedRows(300).joined(separator: "\n")),
                                                       ("Notes", Self.variedRows(300, from: 1_000).joined(separator: "\n"))],
                                                      tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        // When it is read in stretches, and in one parse
        let (inStretches, summary, whole) = try readBothWays(text)
        // Then only the Attendance rows are records, as in one parse
        #expect(summary?.inOrderFrom != nil)
        #expect(inStretches.count == 200)
        #expect(inStretches == whole)
    }

    @Test(arguments: [
        ("cells going left", "<Row><Cell ss:Index=\"2\"><Data ss:Type=\"String\">b</Data></Cell><Cell ss:Index=\"1\"><Data ss:Type=\"String\">a</Data></Cell></Row>"),
        ("a cell beyond the table", "<Row><Cell ss:Index=\"4\"><Data ss:Type=\"String\">far</Data></Cell></Row>"),
        ("a tag left open", "<Row><Cell><Data ss:Type=\"String\">open</Cell></Row>"),
        ("a stray ampersand", "<Row><Cell><Data ss:Type=\"String\">R&D</Data></Cell></Row>"),
    ])
    func errorInALaterStretchIsReportedAsOneParseReportsIt(_ what: String, _ bad: String) throws {
        // Given a table with `bad` as its 451st row of 600
        let rows = Self.variedRows(450) + [bad] + Self.variedRows(149, from: 452)
        let text = SpreadsheetTestFiles.spreadsheetML(rows.joined(separator: "\n   "), tableAttributes: " ss:ExpandedColumnCount=\"3\"")
        let path = try SpreadsheetTestFiles.write(text, named: "book.xml", in: scratch.url)
        // When it is read in stretches, and in one parse
        let inStretches = #expect(throws: (any Error).self) { try SpreadsheetMLRecordSource(path: path, stretchBytes: 256).records() }
        let whole = #expect(throws: (any Error).self) { try SpreadsheetMLRecordSource(path: path).records() }
        // Then the error is the same: the same reason, place and message
        #expect("\(String(describing: inStretches))" == "\(String(describing: whole))", "\(what)")
        #expect(inStretches is SpreadsheetError || inStretches is XMLReadError, "\(what)")
    }
}
