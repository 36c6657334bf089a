import Testing
@testable import EnthuseCore

@Suite("ISODate")
struct ISODateTests {
    @Test("the Gregorian calendar decides which dates exist", arguments: [
        (2016, 2, 29, true), (2000, 2, 29, true), (2017, 2, 29, false), (1900, 2, 29, false),
        (2100, 2, 29, false), (2016, 2, 28, true), (2016, 4, 30, true), (2016, 4, 31, false),
        (2016, 6, 31, false), (2016, 9, 31, false), (2016, 11, 31, false), (2016, 12, 31, true),
        (2016, 0, 10, false), (2016, 13, 1, false), (2016, 1, 0, false), (2016, 1, 32, false),
        (1, 1, 1, true), (9999, 12, 31, true), (0, 12, 31, false), (10000, 1, 1, false),
    ])
    func calendarValidation(year: Int, month: Int, day: Int, exists: Bool) {
        #expect((ISODate(year: year, month: month, day: day) != nil) == exists)
    }

    @Test("text is the zero-padded storage form", arguments: [
        (2016, 9, 1, "2016-09-01"), (1800, 1, 1, "1800-01-01"), (2100, 12, 31, "2100-12-31"),
        (5, 3, 7, "0005-03-07"), (9999, 10, 10, "9999-10-10"),
    ])
    func textIsZeroPadded(year: Int, month: Int, day: Int, text: String) throws {
        let date = try #require(ISODate(year: year, month: month, day: day))
        #expect(date.text == text)
        #expect(date.description == text)
    }

    @Test("days since 1970-01-01 match known anchors, including Excel's 1899-12-30 epoch", arguments: [
        (1970, 1, 1, 0), (1970, 1, 2, 1), (1969, 12, 31, -1), (2000, 2, 29, 11016), (2000, 3, 1, 11017),
        (2016, 9, 1, 17045), (1899, 12, 30, -25569), (1900, 1, 1, -25567), (1800, 1, 1, -62091),
        (2100, 12, 31, 47846), (1, 1, 1, -719_162), (9999, 12, 31, 2_932_896),
    ])
    func daysSinceEpochAnchors(year: Int, month: Int, day: Int, days: Int) throws {
        let date = try #require(ISODate(year: year, month: month, day: day))
        #expect(date.daysSinceEpoch == days)
        #expect(ISODate(daysSinceEpoch: days) == date)
    }

    @Test("every day from 1800 to 2100 round-trips through its day count, text and successor")
    func roundTripAcross1800To2100() throws {
        let first = try #require(ISODate(year: 1800, month: 1, day: 1)).daysSinceEpoch
        let last = try #require(ISODate(year: 2100, month: 12, day: 31)).daysSinceEpoch
        var previous: ISODate?
        var failures: [String] = []
        for days in first...last {
            guard let date = ISODate(daysSinceEpoch: days) else {
                failures.append("no date for day \(days)")
                continue
            }
            if date.daysSinceEpoch != days { failures.append("\(date) counts as \(date.daysSinceEpoch), not \(days)") }
            if ISODate(year: date.year, month: date.month, day: date.day) != date { failures.append("\(date) invalid") }
            if ISODate.parseISO(date.text) != date { failures.append("\(date) does not read back") }
            if let previous {
                let nextInMonth = ISODate(year: previous.year, month: previous.month, day: previous.day + 1)
                let firstOfNextMonth = previous.month == 12
                    ? ISODate(year: previous.year + 1, month: 1, day: 1)
                    : ISODate(year: previous.year, month: previous.month + 1, day: 1)
                if date != (nextInMonth ?? firstOfNextMonth) { failures.append("\(date) does not follow \(previous)") }
                if !(previous < date) { failures.append("\(previous) does not sort before \(date)") }
            }
            previous = date
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        #expect(last - first + 1 == 301 * 365 + 73)
    }

    @Test("day counts outside years 1 to 9999 give no date", arguments: [-719_163, 2_932_897, Int.min, Int.max])
    func dayCountOutsideRangeIsNil(days: Int) {
        #expect(ISODate(daysSinceEpoch: days) == nil)
    }

    @Test("dates order by year, then month, then day")
    func comparable() throws {
        let texts = ["2016-10-01", "2015-12-31", "2016-09-30", "2016-09-01", "1800-01-01"]
        let dates = try texts.map { try #require(ISODate.parseISO($0)) }
        #expect(dates.sorted().map(\.text) == ["1800-01-01", "2015-12-31", "2016-09-01", "2016-09-30", "2016-10-01"])
    }

    @Test("parseISO reads exactly yyyy-MM-dd and only calendar dates", arguments: [
        ("2016-09-01", "2016-09-01"), ("0001-01-01", "0001-01-01"), ("2016-02-29", "2016-02-29"),
        ("2017-02-29", nil), ("2016-02-30", nil), ("2016-9-01", nil), (" 2016-09-01", nil),
        ("2016/09/01", nil), ("01-09-2016", nil), ("2016-09-01T00:00:00", nil), ("", nil),
        ("2016-00-01", nil), ("２０１６-09-01", nil), ("+016-09-01", nil),
    ] as [(String, String?)])
    func parseISO(text: String, expected: String?) {
        #expect(ISODate.parseISO(text)?.text == expected)
    }
}
