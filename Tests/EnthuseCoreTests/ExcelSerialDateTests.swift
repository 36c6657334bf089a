import Testing
@testable import EnthuseCore

@Suite("Spreadsheet serial dates and date formats")
struct ExcelSerialDateTests {
    @Test(arguments: [
        (1.0, "1900-01-01T00:00:00"), (59, "1900-02-28T00:00:00"), (60, "1900-02-29T00:00:00"),
        (61, "1900-03-01T00:00:00"), (25_569, "1970-01-01T00:00:00"), (42_648, "2016-10-05T00:00:00"),
        (42_648.25, "2016-10-05T06:00:00"), (42_648.999_999_999, "2016-10-06T00:00:00"), (0.5, "1899-12-31T12:00:00"),
    ])
    func serialsCountFrom1900WithItsFictitiousLeapDay(serial: Double, text: String) {
        #expect(ExcelSerialDate.isoText(serial, system: .from1900) == text)
    }

    @Test func serialsCountFrom1904InMacWorkbooks() {
        #expect(ExcelSerialDate.isoText(0, system: .from1904) == "1904-01-01T00:00:00")
        #expect(ExcelSerialDate.isoText(41_186, system: .from1904) == "2016-10-05T00:00:00")
        #expect(ExcelSerialDate.isoText(1_462, system: .from1904) == ExcelSerialDate.isoText(2_924, system: .from1900))
    }

    @Test func serialsNoSpreadsheetShowsAsADateAreNotDates() {
        for serial in [-1, .nan, .infinity, 3_000_000] {
            #expect(ExcelSerialDate.isoText(serial, system: .from1900) == nil)
        }
    }

    @Test(arguments: [
        ("dd/mm/yyyy", true), ("[$-809]d mmm yy;@", true), ("[h]:mm:ss", true), ("yyyy-mm-dd\\ hh:mm", true),
        ("General", false), ("0.00", false), ("0.00 \"days\"", false), ("[Red]#,##0;[Blue]-#,##0", false),
        ("#,##0\\ \\d", false), ("_-* #,##0_-;-* #,##0_-", false), ("0.00E+00", false), ("@", false),
    ])
    func dateFormatsAreToldApartByTheirCodes(code: String, isDate: Bool) {
        #expect(XLSXStyles.isDateFormat(code) == isDate)
    }

    @Test func builtInDateFormatsAre14To22And45To47() {
        #expect(XLSXStyles.builtInDateFormats == Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]))
    }
}
