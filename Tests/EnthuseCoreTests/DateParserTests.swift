import Testing
@testable import EnthuseCore

/// Runs `parse` on the UTF-8 bytes of `text`, as a reader hands over one field.
private func parsing<T>(_ text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    var text = text
    return text.withUTF8(parse)
}

@Suite("DateParser")
struct DateParserTests {
    @Test("format names are the strings pipeline files use")
    func formatRawValues() {
        #expect(DateFormat.allCases.map(\.rawValue) == ["dd-MM-yyyy", "dd/MM/yyyy", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss"])
        #expect(DateFormat(rawValue: "dd/MM/yyyy") == .dayMonthYearSlashed)
        #expect(DateFormat(rawValue: "dd/mm/yyyy") == nil)
    }

    @Test("each format's example in messages is 1 September 2016", arguments: DateFormat.allCases)
    func exampleParses(format: DateFormat) {
        #expect(parsing(format.example) { DateParser.parse($0, as: format) }.map(\.text) == .success("2016-09-01"))
    }

    @Test("valid dates read as their calendar day", arguments: [
        ("01-09-2016", DateFormat.dayMonthYearDashed, "2016-09-01"),
        ("31-12-2100", .dayMonthYearDashed, "2100-12-31"),
        ("01-01-1800", .dayMonthYearDashed, "1800-01-01"),
        ("01-01-1900", .dayMonthYearDashed, "1900-01-01"),
        ("29-02-2016", .dayMonthYearDashed, "2016-02-29"),
        ("29-02-2000", .dayMonthYearDashed, "2000-02-29"),
        (" 01-09-2016\t", .dayMonthYearDashed, "2016-09-01"),
        ("01/09/2016", .dayMonthYearSlashed, "2016-09-01"),
        ("1/9/2016", .dayMonthYearSlashed, "2016-09-01"),
        ("5/10/2016", .dayMonthYearSlashed, "2016-10-05"),
        ("05/1/2016", .dayMonthYearSlashed, "2016-01-05"),
        ("15/11/2013", .dayMonthYearSlashed, "2013-11-15"),
        ("31/08/2014", .dayMonthYearSlashed, "2014-08-31"),
        ("2016-09-01", .isoDate, "2016-09-01"),
        ("2008-03-25", .isoDate, "2008-03-25"),
        ("2016-10-05T00:00:00.000", .isoDateTime, "2016-10-05"),
        ("2016-10-05T00:00:00", .isoDateTime, "2016-10-05"),
        ("2016-10-05T23:59:59.999", .isoDateTime, "2016-10-05"),
    ])
    func validDates(text: String, format: DateFormat, expected: String) {
        #expect(parsing(text) { DateParser.parse($0, as: format) }.map(\.text) == .success(expected))
    }

    @Test("invalid dates are rejected with the reason", arguments: [
        ("", DateFormat.dayMonthYearDashed, "a date as dd-MM-yyyy, such as 01-09-2016; the field is blank"),
        ("  ", .dayMonthYearSlashed, "the field is blank"),
        ("30-02-2017", .dayMonthYearDashed, "30 February 2017 is not a calendar date"),
        ("29-02-2017", .dayMonthYearDashed, "29 February 2017 is not a calendar date (2017 is not a leap year)"),
        ("29/02/1900", .dayMonthYearSlashed, "(1900 is not a leap year)"),
        ("2016-04-31", .isoDate, "31 April 2016 is not a calendar date"),
        ("31/04/2016", .dayMonthYearSlashed, "31 April 2016 is not a calendar date"),
        ("01/00/2016", .dayMonthYearSlashed, "there is no month 0"),
        ("00/01/2016", .dayMonthYearSlashed, "there is no day 0"),
        ("09/25/2016", .dayMonthYearSlashed, "there is no month 25 (is the month written first, US style?)"),
        ("2016-13-01", .isoDate, "2016-09-01; there is no month 13"),
        ("01/09/16", .dayMonthYearSlashed, "the year must have four digits"),
        ("01-09-2207", .dayMonthYearDashed, "the year 2207 is outside 1800–2100"),
        ("31-12-1799", .dayMonthYearDashed, "the year 1799 is outside 1800–2100"),
        ("1-9-2016", .dayMonthYearDashed, "a date as dd-MM-yyyy, such as 01-09-2016"),
        ("01/09/2016", .dayMonthYearDashed, "the value is written as dd/MM/yyyy"),
        ("2016-09-01", .dayMonthYearSlashed, "the value is written as yyyy-MM-dd"),
        ("2016-10-05T00:00:00.000", .isoDate, "the value is written as yyyy-MM-ddTHH:mm:ss"),
        ("2016-10-05", .isoDateTime, "a date-time as yyyy-MM-ddTHH:mm:ss, such as 2016-09-01T00:00:00; the value is written as yyyy-MM-dd"),
        ("2016-10-05T00:00:00Z", .isoDateTime, "the time must be local, with no zone or offset"),
        ("2016-10-05T00:00:00+01:00", .isoDateTime, "with no zone or offset"),
        ("2016-10-05T24:00:00", .isoDateTime, "the time of day must be between 00:00:00 and 23:59:59"),
        ("2016-10-05T10:60:00", .isoDateTime, "between 00:00:00 and 23:59:59"),
        ("2016-10-05T00:00:00.", .isoDateTime, "a date-time as yyyy-MM-ddTHH:mm:ss"),
        ("2016-10-05 00:00:00", .isoDateTime, "a date-time as yyyy-MM-ddTHH:mm:ss"),
        ("01 09 2016", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("01/09/2016 10:00", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("1st September 2016", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("001/09/2016", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("01/09/20160", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("01/09/2016/", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
        ("2016-9-1", .isoDate, "a date as yyyy-MM-dd"),
        ("-2016-09-01", .isoDate, "a date as yyyy-MM-dd"),
        ("０１/09/2016", .dayMonthYearSlashed, "a date as dd/MM/yyyy"),
    ])
    func invalidDates(text: String, format: DateFormat, reason: String) {
        let error = #expect(throws: ValueError.self) { try parsing(text) { DateParser.parse($0, as: format) }.get() }
        #expect(error?.expected.contains(reason) == true, "\(error?.expected ?? "accepted")")
    }

    @Test("a month over 31 is not taken for a US-style date")
    func noUSHintWhenImpossible() {
        let error = #expect(throws: ValueError.self) {
            try parsing("01/45/2016") { DateParser.parse($0, as: .dayMonthYearSlashed) }.get()
        }
        #expect(error?.expected == "a date as dd/MM/yyyy, such as 01/09/2016; there is no month 45")
    }

    @Test("a SpreadsheetML date-time keeps its time of day in whole seconds", arguments: [
        ("2016-10-05T00:00:00.000", 0), ("2016-10-05T14:30:15.000", 52215),
        ("2016-10-05T23:59:59.999", 86399), ("2016-10-05T09:00:00", 32400),
    ])
    func dateTimeSeconds(text: String, seconds: Int) throws {
        let dateTime = try parsing(text) { DateParser.parseDateTime($0) }.get()
        #expect(dateTime.date.text == "2016-10-05")
        #expect(dateTime.secondsOfDay == seconds)
    }

    @Test("a date-time with an impossible date names the date")
    func dateTimeCalendar() {
        let error = #expect(throws: ValueError.self) { try parsing("2017-02-29T00:00:00.000") { DateParser.parseDateTime($0) }.get() }
        #expect(error?.expected.contains("29 February 2017 is not a calendar date") == true)
    }
}
