/// Reads counts, measures and percentages from the bytes of one field by a strict grammar, because
/// `Double("0x10")`, `Double("nan")` and `Decimal(string: "12abc")` all accept what no source
/// means as a number.
///
/// The grammar (spaces and tabs around the value are ignored, none are allowed inside):
///
///     number  = [sign] digit+ ["." digit+]     ; 47.2, -0.41, +3
///     percent = number ["%"]                   ; 45%, 45, 12.5%
///
/// No exponent, hexadecimal, `nan` or `inf`, thousands separators or leading point (`.5`).
public enum NumberParser {
    /// Reads a whole number such as a pupil count or a URN typed as a number.
    ///
    /// Spreadsheets write some whole numbers with a zero fraction (`12.0`); pass
    /// `allowingZeroFraction: true` to read those as 12. A non-zero fraction is always rejected.
    public static func parseInteger(
        _ field: UnsafeBufferPointer<UInt8>, allowingZeroFraction: Bool = false
    ) -> Result<Int64, ValueError> {
        let form = "a whole number such as 1250"
        let bytes = field.trimmingBlanks()
        let digits: DecimalDigits
        switch DecimalDigits.read(bytes, percent: false) {
        case .success(let read): digits = read
        case .failure(let fault): return .failure(error(fault, form: form, bytes: bytes, percent: false))
        }
        if digits.scale > 0 {
            return .failure(ValueError(form, because: "the number has a fractional part"))
        }
        if digits.point, !allowingZeroFraction {
            return .failure(ValueError(form, because: "a decimal point is not accepted"))
        }
        let limit = digits.negative ? Int64.min.magnitude : UInt64(Int64.max)
        guard !digits.overflow, digits.magnitude <= limit else {
            return .failure(ValueError(form, because: "the number is beyond the largest storable, \(Int64.max)"))
        }
        return .success(digits.negative ? Int64(bitPattern: 0 &- digits.magnitude) : Int64(digits.magnitude))
    }

    /// Reads a measure such as an Attainment 8 score (`47.2`) or a Progress 8 score (`-0.41`).
    ///
    /// The digits are read into an integer and a count of decimal places, then divided once by an
    /// exact power of ten. With at most 15 significant digits, which is all a spreadsheet writes,
    /// that one division gives the nearest `Double` to the decimal, the same value as
    /// `Double(String)`. Up to 19 significant digits the result is within one unit in the last
    /// place; more digits, or more than 22 decimal places, are rejected rather than approximated.
    /// `-0` reads as `0`.
    public static func parseDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Result<Double, ValueError> {
        readDouble(field, percent: false, form: "a number such as 47.2 or -0.41")
    }

    /// Reads a percentage as the number of percent, with or without its sign: `45%` and `45` both
    /// give 45.0, as the performance tables write them. The range is the caller's to check.
    public static func parsePercent(_ field: UnsafeBufferPointer<UInt8>) -> Result<Double, ValueError> {
        readDouble(field, percent: true, form: "a percentage such as 45% or 12.5")
    }

    /// The most decimal places `parseDecimal` reads: 10^22 is the largest power of ten a `Double`
    /// holds exactly.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private static func readDouble(
        _ field: UnsafeBufferPointer<UInt8>, percent: Bool, form: String
    ) -> Result<Double, ValueError> {
        let bytes = field.trimmingBlanks()
        let digits: DecimalDigits
        switch DecimalDigits.read(bytes, percent: percent) {
        case .success(let read): digits = read
        case .failure(let fault): return .failure(error(fault, form: form, bytes: bytes, percent: percent))
        }
        if digits.overflow {
            return .failure(ValueError(form, because: "more than 19 significant digits cannot be read exactly"))
        }
        guard digits.scale < powersOfTen.count else {
            return .failure(ValueError(form, because: "more than 22 decimal places cannot be read exactly"))
        }
        if digits.magnitude == 0 { return .success(0) }
        let value = Double(digits.magnitude) / powersOfTen[digits.scale]
        return .success(digits.negative ? -value : value)
    }

    /// What kept a field from the grammar; turned into a sentence only when a field fails.
    private enum Fault: Error {
        case blank
        case noDigits
        case pointWithoutWholePart
        case pointWithoutFraction
        case unexpected
    }

    /// A number's digits as an unsigned integer and the count of decimal places it is scaled by,
    /// with trailing zeros after the point dropped: `-12.50` is negative, 125, scale 1.
    private struct DecimalDigits {
        var negative = false
        var magnitude: UInt64 = 0
        var scale = 0
        /// Whether the digits overflowed `UInt64`; `magnitude` is then meaningless.
        var overflow = false
        /// Whether a decimal point was written, even with only zeros after it.
        var point = false

        /// Reads the trimmed field by the grammar, with a trailing `%` when `percent` is set.
        static func read(_ bytes: UnsafeBufferPointer<UInt8>, percent: Bool) -> Result<DecimalDigits, Fault> {
            if bytes.isEmpty { return .failure(.blank) }
            var digits = DecimalDigits()
            var index = 0
            if bytes[0] == 0x2D || bytes[0] == 0x2B {
                digits.negative = bytes[0] == 0x2D
                index = 1
            }
            var wholeDigits = 0
            while index < bytes.count, bytes[index] &- 0x30 < 10 {
                digits.append(bytes[index] &- 0x30, zerosBefore: 0)
                wholeDigits += 1
                index += 1
            }
            var fractionDigits = 0
            if index < bytes.count, bytes[index] == 0x2E {
                digits.point = true
                index += 1
                var pendingZeros = 0
                while index < bytes.count, bytes[index] &- 0x30 < 10 {
                    let digit = bytes[index] &- 0x30
                    if digit == 0 {
                        pendingZeros += 1
                    } else {
                        digits.append(digit, zerosBefore: pendingZeros)
                        digits.scale += pendingZeros + 1
                        pendingZeros = 0
                    }
                    fractionDigits += 1
                    index += 1
                }
            }
            if percent, index < bytes.count, bytes[index] == 0x25 { index += 1 }
            if index != bytes.count { return .failure(.unexpected) }
            if wholeDigits == 0 { return .failure(digits.point ? .pointWithoutWholePart : .noDigits) }
            if digits.point, fractionDigits == 0 { return .failure(.pointWithoutFraction) }
            return .success(digits)
        }

        /// Shifts in `zerosBefore` zeros and then `digit`, noting overflow.
        mutating func append(_ digit: UInt8, zerosBefore: Int) {
            for _ in 0...zerosBefore {
                let (tens, carried) = magnitude.multipliedReportingOverflow(by: 10)
                magnitude = tens
                overflow = overflow || carried
            }
            let (sum, added) = magnitude.addingReportingOverflow(UInt64(digit))
            magnitude = sum
            overflow = overflow || added
        }
    }

    /// The sentence for a field outside the grammar: `form` and why the field missed it.
    private static func error(
        _ fault: Fault, form: String, bytes: UnsafeBufferPointer<UInt8>, percent: Bool
    ) -> ValueError {
        let reason = switch fault {
        case .blank: "the field is blank"
        case .noDigits: "there are no digits"
        case .pointWithoutWholePart: "a digit must come before the decimal point, such as 0.5"
        case .pointWithoutFraction: "the decimal point must be followed by digits"
        case .unexpected: unexpectedReason(String(decoding: bytes, as: UTF8.self), percent: percent)
        }
        return ValueError(form, because: reason)
    }

    /// Names what a character outside the grammar most likely is; `percent` says whether a
    /// trailing `%` was allowed.
    private static func unexpectedReason(_ text: String, percent: Bool) -> String {
        let utf8 = Array(text.utf8)
        func isDigit(_ index: Int) -> Bool { utf8.indices.contains(index) && utf8[index] &- 0x30 < 10 }
        if let comma = utf8.firstIndex(of: 0x2C), isDigit(comma - 1), isDigit(comma + 1) {
            return "commas are not accepted, as thousands separators or as decimal commas"
        }
        if let exponent = utf8.firstIndex(where: { $0 == 0x45 || $0 == 0x65 }), isDigit(exponent - 1),
           isDigit(exponent + 1) || (utf8.indices.contains(exponent + 1) && "+-".utf8.contains(utf8[exponent + 1])) {
            return "exponent notation such as 1E5 is not accepted"
        }
        if let reason = ValueError.strayCharacterReason(in: text) { return reason }
        if text.contains("%") {
            return percent ? "the percent sign must come once, after the number" : "a percent sign is not accepted here"
        }
        if text.contains(where: { "£$€".contains($0) }) { return "a currency sign is not part of a number" }
        if text.filter({ $0 == "-" || $0 == "+" }).count > 1 { return "the number has more than one sign" }
        return "the number contains a character that is not a digit, a sign or a decimal point"
    }
}
