import Testing
@testable import EnthuseCore

/// Runs `parse` on the UTF-8 bytes of `text`, as a reader hands over one field.
private func parsing<T>(_ text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    var text = text
    return text.withUTF8(parse)
}

/// The reason a parser gave for rejecting `text`, or nil when it accepted it.
private func rejection<T>(_ text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> Result<T, ValueError>) -> String? {
    guard case .failure(let error) = parsing(text, parse) else { return nil }
    return error.expected
}

@Suite("NumberParser")
struct NumberParserTests {
    @Test("whole numbers read with an optional sign", arguments: [
        ("1250", 1250), ("-5", -5), ("+7", 7), ("007", 7), (" 42\t", 42), ("0", 0), ("-0", 0),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
    ] as [(String, Int64)])
    func validIntegers(text: String, value: Int64) {
        #expect(parsing(text) { NumberParser.parseInteger($0) } == .success(value))
    }

    @Test("whole numbers typed with a zero fraction read when the column allows it", arguments: [
        ("12.0", 12), ("12.00", 12), ("-3.000", -3), ("147519.0", 147_519), ("12", 12),
        ("1.000000000000000000000000", 1),
    ] as [(String, Int64)])
    func zeroFractionAllowed(text: String, value: Int64) {
        #expect(parsing(text) { NumberParser.parseInteger($0, allowingZeroFraction: true) } == .success(value))
    }

    @Test("what is not a whole number is rejected with the reason", arguments: [
        ("12.0", false, "a whole number such as 1250; a decimal point is not accepted"),
        ("12.5", true, "the number has a fractional part"),
        ("12.5", false, "the number has a fractional part"),
        ("12.", true, "the decimal point must be followed by digits"),
        ("9223372036854775808", false, "the number is beyond the largest storable, 9223372036854775807"),
        ("-9223372036854775809", false, "beyond the largest storable"),
        ("123456789012345678901234567890", false, "beyond the largest storable"),
        ("1,250", false, "commas are not accepted"),
        ("1e5", false, "exponent notation such as 1E5 is not accepted"),
        ("1E+05", false, "exponent notation"),
        ("0x10", false, "letters are not accepted"),
        ("nan", false, "letters are not accepted"),
        ("", false, "the field is blank"),
        ("-", false, "there are no digits"),
        ("12 345", false, "spaces inside the value are not accepted"),
        ("--5", false, "the number has more than one sign"),
        ("5%", false, "a percent sign is not accepted here"),
        ("£5", false, "a currency sign is not part of a number"),
        ("\u{2212}5", false, "the minus sign is a typographic dash"),
        ("5-", false, "a character that is not a digit, a sign or a decimal point"),
    ])
    func invalidIntegers(text: String, allowingZeroFraction: Bool, reason: String) {
        let expected = rejection(text) { NumberParser.parseInteger($0, allowingZeroFraction: allowingZeroFraction) }
        #expect(expected?.contains(reason) == true, "\(expected ?? "accepted")")
    }

    @Test("decimals read as the nearest Double", arguments: [
        ("47.2", 47.2), ("-0.41", -0.41), ("0.26", 0.26), ("99.9", 99.9), ("3.5", 3.5), ("12", 12),
        ("+1.25", 1.25), ("-0", 0), ("0.1", 0.1), ("007.50", 7.5), ("123456789012345", 123_456_789_012_345),
        ("0.000001", 0.000001), ("1.0000000000000000000000000", 1), ("0.0000000000000000000001", 1e-22),
    ])
    func validDecimals(text: String, value: Double) {
        #expect(parsing(text, NumberParser.parseDecimal) == .success(value))
    }

    @Test("minus zero reads as plain zero")
    func minusZero() throws {
        #expect(try parsing("-0.0", NumberParser.parseDecimal).get().sign == .plus)
    }

    @Test("what is not a plain decimal is rejected with the reason", arguments: [
        ("1e5", "exponent notation such as 1E5 is not accepted"),
        ("2.5E-3", "exponent notation"),
        ("0x10", "letters are not accepted"),
        ("nan", "letters are not accepted"),
        ("inf", "letters are not accepted"),
        ("-Infinity", "letters are not accepted"),
        ("SUPP", "letters are not accepted"),
        ("1,250.5", "commas are not accepted"),
        ("1,5", "commas are not accepted"),
        (".5", "a digit must come before the decimal point, such as 0.5"),
        ("5.", "the decimal point must be followed by digits"),
        ("45%", "a percent sign is not accepted here"),
        ("", "a number such as 47.2 or -0.41; the field is blank"),
        ("1.2.3", "a character that is not a digit, a sign or a decimal point"),
        ("12345678901234567890123", "more than 19 significant digits cannot be read exactly"),
        ("0.00000000000000000000001", "more than 22 decimal places cannot be read exactly"),
    ])
    func invalidDecimals(text: String, reason: String) {
        let expected = rejection(text, NumberParser.parseDecimal)
        #expect(expected?.contains(reason) == true, "\(expected ?? "accepted")")
    }

    @Test("decimals of up to 15 significant digits equal what Double(String) reads")
    func decimalsMatchCorrectRounding() {
        var generator = SystemRandomNumberGenerator()
        var failures: [String] = []
        for _ in 0..<200_000 {
            let digits = Int.random(in: 1...15, using: &generator)
            var mantissa: UInt64 = 0
            for _ in 0..<digits { mantissa = mantissa * 10 + UInt64.random(in: 0...9, using: &generator) }
            var text = String(mantissa)
            let places = Int.random(in: 0...min(15, text.count + 2), using: &generator)
            if places > 0 {
                if text.count <= places { text = String(repeating: "0", count: places - text.count + 1) + text }
                text.insert(".", at: text.index(text.endIndex, offsetBy: -places))
            }
            if Bool.random(using: &generator) { text = "-" + text }
            guard let oracle = Double(text) else { continue }
            if parsing(text, NumberParser.parseDecimal) != .success(oracle == 0 ? 0 : oracle) { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test("percentages read as the number of percent, with or without the sign", arguments: [
        ("45%", 45), ("45", 45), ("12.5%", 12.5), ("0%", 0), ("100%", 100), (" 97% ", 97), ("-3.5%", -3.5),
    ])
    func validPercentages(text: String, value: Double) {
        #expect(parsing(text, NumberParser.parsePercent) == .success(value))
    }

    @Test("what is not a percentage is rejected with the reason", arguments: [
        ("%", "there are no digits"),
        ("45%%", "the percent sign must come once, after the number"),
        ("%45", "the percent sign must come once, after the number"),
        ("45 %", "spaces inside the value are not accepted"),
        ("SUPP", "a percentage such as 45% or 12.5; letters are not accepted"),
        ("x", "letters are not accepted"),
        ("", "the field is blank"),
        ("4,5%", "commas are not accepted"),
    ])
    func invalidPercentages(text: String, reason: String) {
        let expected = rejection(text, NumberParser.parsePercent)
        #expect(expected?.contains(reason) == true, "\(expected ?? "accepted")")
    }
}
