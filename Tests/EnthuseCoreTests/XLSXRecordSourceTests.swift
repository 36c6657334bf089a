import Foundation
import Testing
@testable import EnthuseCore

@Suite("XLSX (Office Open XML workbook) records")
struct XLSXRecordSourceTests {
    let scratch: ScratchDirectory
    init() throws { scratch = try ScratchDirectory() }

    /// Writes a one-sheet workbook and reads it back.
    func records(_ sheetData: String, sharedStrings: [String]? = nil, styles: String? = nil, date1904: Bool = false,
                 dimension: String? = nil) throws -> [SheetRecord] {
        let url = scratch.url.appendingPathComponent("book.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheetData: sheetData, sharedStrings: sharedStrings, styles: styles, date1904: date1904,
                                      dimension: dimension)
        return try XLSXRecordSource(path: url.path).records()
    }

    /// Cell formats: 0 General, 1 built-in date 14, 2 custom dd/mm/yyyy, 3 custom 0.00 "days",
    /// 4 custom time [h]:mm; a conditional format reuses id 164 for a number, which cells do not
    /// see.
    static let styles = """
        <numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="0.00 &quot;days&quot;"/>\
        <numFmt numFmtId="166" formatCode="[h]:mm"/></numFmts>\
        <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>\
        <cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/></cellXfs>\
        <dxfs count="1"><dxf><numFmt numFmtId="164" formatCode="0.00"/></dxf></dxfs>
        """

    @Test func sharedInlineAndFormulaStringsAreText() throws {
        let sheet = """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Inline</t></is></c>\
            <c r="C1" t="str"><f>A1&amp;"!"</f><v>Shared!</v></c><c r="D1" t="s"><v>1</v></c></row>
            """
        #expect(try records(sheet, sharedStrings: ["Shared", "St Peter’s Merstham"]) == [
            SheetRecord(1, ["Shared", "Inline", "Shared!", "St Peter’s Merstham"]),
        ])
    }

    @Test func richTextKeepsEveryRunButNotPhoneticGuidesAndDecodesEscapes() throws {
        let strings = [
            "<r><rPr><b/></rPr><t>Forces</t></r><r><t xml:space=\"preserve\"> – practical</t></r><rPh sb=\"0\" eb=\"1\"><t>ふ</t></rPh>",
            "line_x000D_end and snake_x005F_x0041_case",
        ]
        let sheet = "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
            + "<c r=\"C1\" t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>"
        #expect(try records(sheet, sharedStrings: strings) == [
            SheetRecord(1, ["Forces – practical", "line\rend and snake_x0041_case", "inline"]),
        ])
    }

    @Test func booleansBecomeTrueOrFalseAndErrorsKeepTheirText() throws {
        let sheet = """
            <row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c><c r="C1" t="e"><v>#N/A</v></c>\
            <c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>
            """
        #expect(try records(sheet) == [SheetRecord(1, ["TRUE", "FALSE", "#N/A", "#DIV/0!"])])
    }

    @Test func numbersAreHandedOutAsWritten() throws {
        let sheet = """
            <row r="1"><c r="A1"><v>109970</v></c><c r="B1" t="n"><v>3.5</v></c><c r="C1"><v>1.0999999999999999E-2</v></c>\
            <c r="D1" s="3"><v>2</v></c></row>
            """
        #expect(try records(sheet, styles: Self.styles) == [SheetRecord(1, ["109970", "3.5", "1.0999999999999999E-2", "2"])])
    }

    @Test func cellsAndRowsWithoutReferencesFollowTheOneBefore() throws {
        let sheet = """
            <row><c t="inlineStr"><is><t>a1</t></is></c><c t="inlineStr"><is><t>b1</t></is></c></row>\
            <row r="3"><c r="B3"><v>2</v></c><c><v>3</v></c></row><row><c><v>4</v></c></row>
            """
        #expect(try records(sheet) == [
            SheetRecord(1, ["a1", "b1", ""]), SheetRecord(3, ["", "2", "3"]), SheetRecord(4, ["4", "", ""]),
        ])
    }

    @Test func recordsAreAsWideAsTheDeclaredDimension() throws {
        // Given a sheet whose <dimension> says it runs to column D, and whose rows stop earlier
        let sheet = "<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"B1\"><v>2</v></c></row><row r=\"2\"><c r=\"A2\"><v>3</v></c></row>"
        // Then every record has four fields
        #expect(try records(sheet, dimension: "A1:D2") == [SheetRecord(1, ["1", "2", "", ""]), SheetRecord(2, ["3", "", "", ""])])
    }

    @Test("a dimension of one cell is what some writers put whatever the sheet holds: the widest row decides",
          arguments: ["A1", "A1:A1", "not a range"])
    func singleCellDimensionIsNotTrusted(dimension: String) throws {
        let sheet = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"C2\"><v>2</v></c></row>"
        #expect(try records(sheet, dimension: dimension) == [SheetRecord(1, ["1", "", ""]), SheetRecord(2, ["", "", "2"])])
    }

    @Test func cellBeyondTheDeclaredDimensionIsRefusedWithItsPlace() throws {
        let sheet = "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</v></c><c r=\"C2\"><v>3</v></c></row>"
        let error = try #require(throws: SpreadsheetError.self) { try records(sheet, dimension: "A1:B2") }
        #expect(error.reason == .malformedSheet && error.row == 2 && error.column == 3)
        #expect(error.description.hasPrefix(
            "book.xlsx, xl/worksheets/sheet1.xml, row 2, cell C2: the cell is beyond column B, the last of the sheet's declared extent <dimension ref=\"A1:B2\">"))
    }

    @Test func blankRowsAreNotRecordsAndHiddenRowsAre() throws {
        let sheet = """
            <row r="1" hidden="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" s="1"/></row>\
            <row r="3"><c r="A3" t="inlineStr"><is><t>  </t></is></c></row><row r="4" spans="1:1"/>
            """
        #expect(try records(sheet) == [SheetRecord(1, ["1"])])
    }

    @Test func dateStyledNumbersBecomeISODateTimes() throws {
        let sheet = """
            <row r="1"><c r="A1" s="1"><v>42648</v></c><c r="B1" s="2"><v>42648.5</v></c><c r="C1" s="4"><v>0.75</v></c>\
            <c r="D1" s="3"><v>42648</v></c><c r="E1" s="2" t="s"><v>0</v></c><c r="F1" s="2"><v>-1</v></c></row>
            """
        #expect(try records(sheet, sharedStrings: ["05/10/2016"], styles: Self.styles) == [
            SheetRecord(1, ["2016-10-05T00:00:00", "2016-10-05T12:00:00", "1899-12-31T18:00:00", "42648", "05/10/2016", "-1"]),
        ])
    }

    @Test func workbooksCountingFrom1904GiveTheSameDates() throws {
        // 42648 in 1900 and 41186 in 1904 are both 5 October 2016
        let sheet = "<row r=\"1\"><c r=\"A1\" s=\"1\"><v>41186</v></c></row>"
        #expect(try records(sheet, styles: Self.styles, date1904: true) == [SheetRecord(1, ["2016-10-05T00:00:00"])])
    }

    @Test func worksheetNamedAttendanceIsReadWhateverItsPlaceAndCase() throws {
        let url = scratch.url.appendingPathComponent("book.xlsx")
        let row = { (text: String) in "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\(text)</t></is></c></row>" }
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Lookups", row("lookups")), ("attendance", row("register"))])
        let source = try XLSXRecordSource(path: url.path)
        #expect(source.worksheet == "attendance")
        #expect(try source.records() == [SheetRecord(1, ["register"])])
        try SpreadsheetTestFiles.xlsx(at: url, sheets: [("Sheet1", row("first")), ("Sheet2", row("second"))])
        #expect(try XLSXRecordSource(path: url.path).records() == [SheetRecord(1, ["first"])])
    }

    @Test func cellsOutOfOrderAreRefusedWithTheirPlace() throws {
        let sheet = "<row r=\"2\"><c r=\"C2\"><v>1</v></c><c r=\"A2\"><v>2</v></c></row>"
        let error = try #require(throws: SpreadsheetError.self) { try records(sheet) }
        #expect(error.reason == .malformedSheet)
        #expect(error.description.hasPrefix("book.xlsx, xl/worksheets/sheet1.xml, row 2, cell A2: the cell comes after column C"))
    }

    @Test func missingSharedStringIsRefused() throws {
        let error = try #require(throws: SpreadsheetError.self) {
            try records("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>", sharedStrings: ["only one"])
        }
        #expect(error.message == "the cell refers to shared string 7, but the workbook has 1")
    }

    @Test func sharedStringsBeyondTheirBoundAreRefused() throws {
        let url = scratch.url.appendingPathComponent("book.xlsx")
        try SpreadsheetTestFiles.xlsx(at: url, sheetData: "", sharedStrings: [String(repeating: "x", count: 600), "more"])
        let error = try #require(throws: SpreadsheetError.self) {
            try XLSXRecordSource(path: url.path, limits: XLSXLimits(maxSharedStringBytes: 512))
        }
        #expect(error.reason == .tooLarge && error.part == "xl/sharedStrings.xml")
    }

    @Test func sheetPartThatIsNotWellFormedIsRefusedWithItsPart() throws {
        let error = try #require(throws: SpreadsheetError.self) { try records("<row r=\"1\"><c r=\"A1\"><v>1</c></row>") }
        #expect(error.reason == .damaged && error.part == "xl/worksheets/sheet1.xml")
    }
}
