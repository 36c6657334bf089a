import Testing
@testable import EnthuseCore

/// Runs `parse` on the UTF-8 bytes of `text`, as a reader hands over one field.
private func parsing<T>(_ text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    var text = text
    return text.withUTF8(parse)
}

@Suite("AmountParser")
struct AmountParserTests {
    @Test("amounts as accountants write them read as exact pence", arguments: [
        ("£1,250,000.00", 125_000_000), ("1250000", 125_000_000), ("2,500.5", 250_050),
        ("-1,000.00", -100_000), ("(1,000.00)", -100_000), ("-£1,000.00", -100_000),
        ("£-1,000.00", -100_000), ("(£1,000.00)", -100_000), ("+100", 10_000), ("+£100", 10_000),
        ("£50,000.00", 5_000_000), ("66,666.5", 6_666_650), ("66,667.0", 6_666_700),
        ("10,000,000", 1_000_000_000), ("£83,333.33", 8_333_333), ("166666.68", 16_666_668),
        ("200000.00", 20_000_000), ("1,234", 123_400), ("999", 99_900), ("0.01", 1), ("0.5", 50),
        ("0", 0), ("-0.00", 0), ("(0)", 0), ("007", 700), ("  £1,250.00\t", 125_000),
        ("£92,233,720,368,547,758.07", .max), ("92233720368547758.07", .max),
        ("-£92,233,720,368,547,758.08", .min), ("(£92,233,720,368,547,758.08)", .min),
    ] as [(String, Int64)])
    func validAmounts(text: String, pence: Int64) {
        #expect(parsing(text, AmountParser.parsePence) == .success(pence))
    }

    @Test("anything that is not an exact amount in pounds and pence is rejected with the reason", arguments: [
        ("1.234", "an amount in pounds and pence such as £1,250.00; three decimal places cannot be stored without rounding"),
        ("£1,250.000", "three decimal places cannot be stored without rounding"),
        ("1.2345", "four decimal places cannot be stored without rounding"),
        ("1.00000000000", "11 decimal places cannot be stored without rounding"),
        ("GBP 100", "a currency code is not part of an amount"),
        ("100 EUR", "a currency code is not part of an amount"),
        ("100GBP", "a currency code is not part of an amount"),
        ("usd100", "a currency code is not part of an amount"),
        ("$100", "only pounds sterling can be stored, not another currency"),
        ("€100", "only pounds sterling can be stored, not another currency"),
        ("12abc", "letters are not accepted"),
        ("TBC", "letters are not accepted"),
        ("N/A", "letters are not accepted"),
        ("1e5", "letters are not accepted"),
        ("", "the field is blank"),
        (" \t ", "the field is blank"),
        ("-", "there are no digits"),
        ("£", "there are no digits"),
        ("-£", "there are no digits"),
        ("()", "there are no digits"),
        ("£92,233,720,368,547,758.08", "beyond what the warehouse can store, £92,233,720,368,547,758.07"),
        ("-92233720368547758.09", "beyond what the warehouse can store"),
        ("99999999999999999999", "beyond what the warehouse can store"),
        ("1 000.00", "spaces inside the value are not accepted"),
        ("£ 100", "spaces inside the value are not accepted"),
        ("- 100", "spaces inside the value are not accepted"),
        ("1,5", "the comma looks like a decimal comma"),
        ("1,50", "the comma looks like a decimal comma"),
        ("0,100", "the comma looks like a decimal comma"),
        ("12,50.00", "commas must split the pounds into groups of three digits"),
        ("1250,000", "groups of three digits"),
        ("1,2500", "groups of three digits"),
        (",100", "groups of three digits"),
        ("1,", "groups of three digits"),
        ("1,000,00", "groups of three digits"),
        ("1,000,.00", "groups of three digits"),
        ("--100", "the amount has more than one sign"),
        ("-£-100", "the amount has more than one sign"),
        ("(-100)", "a negative amount takes a minus sign or parentheses, not both"),
        ("(100", "parentheses must enclose the whole amount"),
        ("100)", "parentheses must enclose the whole amount"),
        ("-(100)", "parentheses must enclose the whole amount"),
        (".50", "a digit must come before the decimal point"),
        ("100.", "the decimal point must be followed by pence"),
        ("\u{2212}100", "the minus sign is a typographic dash"),
        ("–1,000.00", "the minus sign is a typographic dash"),
        ("1.2.3", "a character is out of place for an amount"),
        ("££100", "a character is out of place for an amount"),
        ("100£", "a character is out of place for an amount"),
        ("100-", "a character is out of place for an amount"),
        ("50%", "a character is out of place for an amount"),
    ])
    func invalidAmounts(text: String, reason: String) {
        let error = #expect(throws: ValueError.self) { try parsing(text, AmountParser.parsePence).get() }
        #expect(error?.expected.contains(reason) == true, "\(error?.expected ?? "accepted")")
    }

    @Test("a pound sign left in Windows-1252 is named as a decoding mistake")
    func windows1252PoundSign() {
        let error = #expect(throws: ValueError.self) {
            try [0xA3, 0x31, 0x30, 0x30].withUnsafeBufferPointer(AmountParser.parsePence).get()
        }
        #expect(error?.expected.contains("the £ sign is the single byte A3") == true)
    }

    @Test("pence are written as pounds with separators and two decimals", arguments: [
        (2_700_000_000, "£27,000,000.00"), (-100_000, "-£1,000.00"), (0, "£0.00"), (1, "£0.01"),
        (-1, "-£0.01"), (99, "£0.99"), (100, "£1.00"), (99_999, "£999.99"), (100_000, "£1,000.00"),
        (125_000_050, "£1,250,000.50"), (.max, "£92,233,720,368,547,758.07"), (.min, "-£92,233,720,368,547,758.08"),
    ] as [(Int64, String)])
    func formatPounds(pence: Int64, text: String) {
        #expect(AmountParser.formatPounds(pence) == text)
    }

    @Test("every formatted amount reads back to the same pence")
    func formatThenParseRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        var failures: [Int64] = []
        for round in 0..<200_000 {
            let pence: Int64 = switch round % 4 {
            case 0: Int64(bitPattern: generator.next())
            case 1: Int64.random(in: -1_000_000_000_00...1_000_000_000_00, using: &generator)
            case 2: Int64.random(in: -10_000...10_000, using: &generator)
            default: [Int64.min, .max, .min + 1, .max - 1, 0][round / 4 % 5]
            }
            if parsing(AmountParser.formatPounds(pence), AmountParser.parsePence) != .success(pence) {
                failures.append(pence)
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }
}
