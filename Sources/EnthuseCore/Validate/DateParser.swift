/// The date layouts the sources write, spelled as a pipeline YAML file names them
/// (`date_format: dd-MM-yyyy`), so a pipeline says which one a column uses instead of guessing.
public enum DateFormat: String, CaseIterable, Sendable {
    /// `01-09-2016`: the GIAS register and links files. Day and month always have two digits.
    case dayMonthYearDashed = "dd-MM-yyyy"
    /// `01/09/2016`, also `1/9/2016`: UK spreadsheets and CSV ledgers, day first.
    case dayMonthYearSlashed = "dd/MM/yyyy"
    /// `2016-09-01`: the XML exports.
    case isoDate = "yyyy-MM-dd"
    /// `2016-10-05T00:00:00.000`: SpreadsheetML `DateTime` cells, local time with no zone; the
    /// fraction of a second is optional.
    case isoDateTime = "yyyy-MM-ddTHH:mm:ss"

    /// The first day of the 2016 autumn term written in this layout, shown in messages.
    var example: String {
        switch self {
        case .dayMonthYearDashed: "01-09-2016"
        case .dayMonthYearSlashed: "01/09/2016"
        case .isoDate: "2016-09-01"
        case .isoDateTime: "2016-09-01T00:00:00"
        }
    }
}

/// A date and a time of day with no zone, as a SpreadsheetML `DateTime` cell holds them.
public struct LocalDateTime: Hashable, Sendable {
    public let date: ISODate
    /// Whole seconds since midnight, 0 to 86,399; a fraction of a second is dropped.
    public let secondsOfDay: Int

    /// `HH:mm:ss` of a time of day given as seconds since midnight (0 to 86,399).
    static func timeText(secondsOfDay: Int) -> String {
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return twoDigits(secondsOfDay / 3600) + ":" + twoDigits(secondsOfDay / 60 % 60) + ":" + twoDigits(secondsOfDay % 60)
    }
}

/// Reads dates from the bytes of one field in a layout the pipeline names, rejecting anything that
/// is not a real calendar date rather than rolling it over (30 February is not 2 March).
///
/// Years 1800 to 2100 are accepted so that GIAS placeholders (`01-01-1800`) still parse; whether a
/// date is a placeholder or plausible for its column is the caller's decision. Spaces and tabs
/// around the value are ignored.
///
///     DateParser.parse(bytes, as: .dayMonthYearSlashed)   // "5/10/2016" → .success(2016-10-05)
public enum DateParser {
    /// The years the parser accepts.
    public static let years: ClosedRange<Int> = 1800...2100

    /// Reads a date in `format`; for `.isoDateTime` it returns the date part and ignores the time.
    public static func parse(
        _ field: UnsafeBufferPointer<UInt8>, as format: DateFormat
    ) -> Result<ISODate, ValueError> {
        let trimmed = field.trimmingBlanks()
        switch read(trimmed, as: format) {
        case .success(let dateTime): return .success(dateTime.date)
        case .failure(let fault): return .failure(error(fault, trimmed: trimmed, format: format))
        }
    }

    /// Reads a SpreadsheetML date-time (`2016-10-05T14:30:00.000`), keeping the time of day.
    public static func parseDateTime(
        _ field: UnsafeBufferPointer<UInt8>
    ) -> Result<LocalDateTime, ValueError> {
        let trimmed = field.trimmingBlanks()
        return read(trimmed, as: .isoDateTime).mapError { error($0, trimmed: trimmed, format: .isoDateTime) }
    }

    /// What kept a field from being a date; turned into a sentence only when a field fails.
    private enum Fault: Error {
        case blank
        case layout
        case twoDigitYear
        case zone
        case time
        case year(Int)
        case month(Int, day: Int)
        case day(Int, month: Int, year: Int)
    }

    /// Reads the trimmed field's digits in the layout of `format`, then checks them against the
    /// calendar; a date-only layout reads as midnight.
    private static func read(
        _ bytes: UnsafeBufferPointer<UInt8>, as format: DateFormat
    ) -> Result<LocalDateTime, Fault> {
        if bytes.isEmpty { return .failure(.blank) }
        var cursor = Cursor(bytes: bytes)
        let year: Number, month: Number, day: Number
        var secondsOfDay = 0
        switch format {
        case .dayMonthYearDashed, .dayMonthYearSlashed:
            let separator: UInt8 = format == .dayMonthYearDashed ? 0x2D : 0x2F
            let fieldDigits = format == .dayMonthYearDashed ? 2...2 : 1...2
            day = cursor.number()
            guard fieldDigits.contains(day.digits), cursor.skip(separator) else { return .failure(.layout) }
            month = cursor.number()
            guard fieldDigits.contains(month.digits), cursor.skip(separator) else { return .failure(.layout) }
            year = cursor.number()
            guard cursor.atEnd else { return .failure(.layout) }
            if year.digits == 2 { return .failure(.twoDigitYear) }
            guard year.digits == 4 else { return .failure(.layout) }
        case .isoDate, .isoDateTime:
            year = cursor.number()
            guard year.digits == 4, cursor.skip(0x2D) else { return .failure(.layout) }
            month = cursor.number()
            guard month.digits == 2, cursor.skip(0x2D) else { return .failure(.layout) }
            day = cursor.number()
            guard day.digits == 2 else { return .failure(.layout) }
            if format == .isoDateTime {
                switch readTime(&cursor) {
                case .success(let seconds): secondsOfDay = seconds
                case .failure(let fault): return .failure(fault)
                }
            }
            guard cursor.atEnd else { return .failure(.layout) }
        }
        guard years.contains(year.value) else { return .failure(.year(year.value)) }
        guard (1...12).contains(month.value) else { return .failure(.month(month.value, day: day.value)) }
        guard let date = ISODate(year: year.value, month: month.value, day: day.value) else {
            return .failure(.day(day.value, month: month.value, year: year.value))
        }
        return .success(LocalDateTime(date: date, secondsOfDay: secondsOfDay))
    }

    /// Reads `THH:mm:ss` and an optional fraction of a second after a date, leaving the cursor at
    /// the end of the time.
    private static func readTime(_ cursor: inout Cursor) -> Result<Int, Fault> {
        guard cursor.skip(0x54) else { return .failure(.layout) }
        let hour = cursor.number()
        guard hour.digits == 2, cursor.skip(0x3A) else { return .failure(.layout) }
        let minute = cursor.number()
        guard minute.digits == 2, cursor.skip(0x3A) else { return .failure(.layout) }
        let second = cursor.number()
        guard second.digits == 2 else { return .failure(.layout) }
        if cursor.skip(0x2E), cursor.number().digits == 0 { return .failure(.layout) }
        if cursor.skip(0x5A) || cursor.skip(0x2B) || cursor.skip(0x2D) { return .failure(.zone) }
        guard hour.value <= 23, minute.value <= 59, second.value <= 59 else { return .failure(.time) }
        return .success(hour.value * 3600 + minute.value * 60 + second.value)
    }

    /// A run of decimal digits: its value and how many digits were written.
    private struct Number {
        var value = 0
        var digits = 0
    }

    /// A read position in the trimmed field.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var atEnd: Bool { index == bytes.count }

        /// Consumes `byte` if it is next.
        mutating func skip(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// Consumes the digits that follow; the value stops growing after nine digits, which no
        /// layout allows anyway, so it cannot overflow.
        mutating func number() -> Number {
            var number = Number()
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                if number.digits < 9 { number.value = number.value * 10 + Int(bytes[index] &- 0x30) }
                number.digits += 1
                index += 1
            }
            return number
        }
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    /// The sentence for a failed field: the layout with an example, and why the field missed it.
    private static func error(
        _ fault: Fault, trimmed: UnsafeBufferPointer<UInt8>, format: DateFormat
    ) -> ValueError {
        let form = format == .isoDateTime
            ? "a date-time as \(format.rawValue), such as \(format.example)"
            : "a date as \(format.rawValue), such as \(format.example)"
        switch fault {
        case .blank:
            return ValueError(form, because: "the field is blank")
        case .layout:
            let other = DateFormat.allCases.first { other in
                guard other != format, case .success = read(trimmed, as: other) else { return false }
                return true
            }
            guard let other else { return ValueError(expected: form) }
            return ValueError(form, because: "the value is written as \(other.rawValue)")
        case .twoDigitYear:
            return ValueError(form, because: "the year must have four digits")
        case .zone:
            return ValueError(form, because: "the time must be local, with no zone or offset")
        case .time:
            return ValueError(form, because: "the time of day must be between 00:00:00 and 23:59:59")
        case .year(let year):
            return ValueError(form, because: "the year \(year) is outside \(years.lowerBound)–\(years.upperBound)")
        case .month(let month, let day):
            let dayFirst = format == .dayMonthYearDashed || format == .dayMonthYearSlashed
            let usStyle = dayFirst && month <= 31 && (1...12).contains(day)
            return ValueError(
                form,
                because: "there is no month \(month)" + (usStyle ? " (is the month written first, US style?)" : "")
            )
        case .day(let day, let month, let year):
            if day == 0 { return ValueError(form, because: "there is no day 0") }
            let leap = month == 2 && day == 29 ? " (\(year) is not a leap year)" : ""
            return ValueError(form, because: "\(day) \(monthNames[month - 1]) \(year) is not a calendar date\(leap)")
        }
    }
}
