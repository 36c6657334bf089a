/// A calendar date with no time or zone, the form in which the warehouse stores every date
/// (`2016-09-01`), so that dates from GIAS, the ledgers and the spreadsheets compare as equals.
///
/// Dates follow the proleptic Gregorian calendar for years 1 to 9999; an `ISODate` always names a
/// day that exists.
///
///     ISODate(year: 2016, month: 9, day: 1)?.text   // "2016-09-01"
///     ISODate(year: 2017, month: 2, day: 29)         // nil: 2017 is not a leap year
public struct ISODate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The years an `ISODate` can hold: those that `text` writes as four digits.
    public static let years: ClosedRange<Int> = 1...9999

    /// Creates the date if it exists in the Gregorian calendar (31 April and 29 February 2017 do not).
    public init?(year: Int, month: Int, day: Int) {
        guard Self.years.contains(year), (1...12).contains(month),
              day >= 1, day <= Self.daysInMonth(month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Whether `year` has a 29 February: every fourth year, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1–12) of `year`.
    public static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The storage form `yyyy-MM-dd`, zero-padded, which sorts in date order as text.
    public var text: String {
        String(unsafeUninitializedCapacity: 10) { bytes in
            var rest = year
            for index in stride(from: 3, through: 0, by: -1) {
                bytes[index] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
            bytes[4] = 0x2D
            bytes[5] = 0x30 + UInt8(month / 10)
            bytes[6] = 0x30 + UInt8(month % 10)
            bytes[7] = 0x2D
            bytes[8] = 0x30 + UInt8(day / 10)
            bytes[9] = 0x30 + UInt8(day % 10)
            return 10
        }
    }

    public var description: String { text }

    /// Days from 1970-01-01 (day 0) to this date, negative before it; spreadsheet serial dates and
    /// date arithmetic go through this count.
    ///
    /// Howard Hinnant's `days_from_civil`: the year is shifted to start on 1 March so that the leap
    /// day falls last, then counted in 400-year eras of 146,097 days.
    public var daysSinceEpoch: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The range of `daysSinceEpoch` that `years` covers: 0001-01-01 to 9999-12-31.
    public static let daysSinceEpochRange: ClosedRange<Int> = -719_162...2_932_896

    /// Creates the date `days` after 1970-01-01 (before it when negative), or nil when that falls
    /// outside `years`, as a corrupt spreadsheet serial would.
    ///
    /// Howard Hinnant's `civil_from_days`, the inverse of `daysSinceEpoch`.
    public init?(daysSinceEpoch days: Int) {
        guard Self.daysSinceEpochRange.contains(days) else { return nil }
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
    }

    /// Reads a date written exactly as `text` writes it (`yyyy-MM-dd`, no spaces), as configuration
    /// files give cut-off dates; nil for anything else, including dates not in the calendar.
    ///
    /// Unlike `DateParser`, any year in `years` is accepted, so `parseISO(date.text) == date`.
    public static func parseISO(_ text: String) -> ISODate? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else {
            return nil
        }
        return ISODate(year: year, month: month, day: day)
    }

    public static func < (lhs: ISODate, rhs: ISODate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}
