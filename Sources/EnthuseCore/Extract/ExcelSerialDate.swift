/// A spreadsheet serial date (a count of days, the fraction being the time of day) as ISO text
/// `yyyy-MM-ddTHH:mm:ss`, the form a SpreadsheetML `DateTime` cell has, in local time.
///
/// In the 1900 system serial 1 is 1 January 1900 and, as in Lotus 1-2-3, serial 60 is 29 February
/// 1900, a day that never was: serials from 61 on are one day later than a plain count from 30
/// December 1899 would say, serials below 60 are counted from 31 December 1899. Serial 60 is
/// written `1900-02-29T…` as Excel shows it, for validation to refuse. In the 1904 system (old
/// Mac workbooks) serial 0 is 1 January 1904.
///
///     ExcelSerialDate.isoText(42648, system: .from1900)     // "2016-10-05T00:00:00"
///     ExcelSerialDate.isoText(42648.5, system: .from1900)   // "2016-10-05T12:00:00"
///     ExcelSerialDate.isoText(0, system: .from1904)         // "1904-01-01T00:00:00"
enum ExcelSerialDate {
    enum System: Equatable, Sendable {
        case from1900
        case from1904
    }

    /// Days from 1970-01-01 back to the day before serial 1 (1900 system, serials below 60) and
    /// to serial 0 (1904 system).
    private static let epoch1900 = -25_568
    private static let epoch1904 = -24_107

    /// The ISO text of `serial`, rounded to the second; nil for a negative or non-finite serial,
    /// or one past the year 9999, which no spreadsheet program shows as a date.
    static func isoText(_ serial: Double, system: System) -> String? {
        guard serial.isFinite, serial >= 0, serial < 3_000_000 else { return nil }
        let seconds = Int((serial * 86_400).rounded())
        var day = seconds / 86_400
        let time = seconds % 86_400
        let date: String
        switch system {
        case .from1900 where day == 60:
            date = "1900-02-29"
        case .from1900:
            if day > 60 { day -= 1 }
            guard let text = ISODate(daysSinceEpoch: epoch1900 + day)?.text else { return nil }
            date = text
        case .from1904:
            guard let text = ISODate(daysSinceEpoch: epoch1904 + day)?.text else { return nil }
            date = text
        }
        return date + "T" + LocalDateTime.timeText(secondsOfDay: time)
    }
}
