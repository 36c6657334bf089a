/// Reads money as accountants write it in the finance ledgers and writes it back the same way,
/// going straight between text and whole pence so that no amount is ever rounded.
///
/// The grammar (spaces and tabs around the value are ignored, none are allowed inside):
///
///     amount   = "(" unsigned ")" | signed              ; parentheses mean negative
///     signed   = [sign] ["£"] [sign] number             ; at most one sign: -£5, £-5, +5
///     unsigned = ["£"] number
///     number   = pounds ["." pence]
///     pounds   = digit{1,3} ("," digit{3})* | digit+    ; 1,250,000 or 1250000
///     pence    = digit{1,2}                             ; 2,500.5 is £2,500.50
///
/// `£` is the UTF-8 pair C2 A3. Anything else is rejected with the reason: three or more decimals,
/// letters, currency codes and other currency signs, spaces inside the number, a decimal comma
/// (`1,5`), a sum beyond `Int64` pence.
///
///     AmountParser.parsePence(bytes)            // "(£1,000.00)" → .success(-100_000)
///     AmountParser.formatPounds(2_700_000_000)  // "£27,000,000.00"
public enum AmountParser {
    /// Reads one amount in pounds and pence as a whole number of pence.
    public static func parsePence(_ field: UnsafeBufferPointer<UInt8>) -> Result<Int64, ValueError> {
        let bytes = field.trimmingBlanks()
        switch read(bytes) {
        case .success(let pence): return .success(pence)
        case .failure(let fault): return .failure(error(fault, bytes: bytes))
        }
    }

    /// Writes pence as pounds the way finance reads them, with a £ sign, thousands separators and
    /// two decimals: `-100000` → `-£1,000.00`. `parsePence` reads every result back exactly.
    public static func formatPounds(_ pence: Int64) -> String {
        let negative = pence < 0
        var pounds = pence.magnitude / 100
        var cents = pence.magnitude % 100
        var poundDigits = 1
        var rest = pounds / 10
        while rest > 0 {
            poundDigits += 1
            rest /= 10
        }
        let length = (negative ? 1 : 0) + 2 + poundDigits + (poundDigits - 1) / 3 + 3
        return String(unsafeUninitializedCapacity: length) { buffer in
            var index = length
            func put(_ byte: UInt8) {
                index -= 1
                buffer[index] = byte
            }
            for _ in 0..<2 {
                put(0x30 + UInt8(cents % 10))
                cents /= 10
            }
            put(0x2E)
            for written in 0..<poundDigits {
                if written > 0, written % 3 == 0 { put(0x2C) }
                put(0x30 + UInt8(pounds % 10))
                pounds /= 10
            }
            put(0xA3)
            put(0xC2)
            if negative { put(0x2D) }
            return length
        }
    }

    private static let form = "an amount in pounds and pence such as £1,250.00"

    /// What kept a field from being an amount; turned into a sentence only when a field fails.
    private enum Fault: Error {
        case blank
        case noDigits
        case repeatedSign
        case signInParentheses
        case unbalancedParentheses
        case grouping
        case decimalComma
        case pointWithoutPounds
        case pointWithoutPence
        case decimals(Int)
        case overflow
        case unexpected
    }

    /// Reads the trimmed field by the grammar above, in one pass.
    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Int64, Fault> {
        if bytes.isEmpty { return .failure(.blank) }
        var index = 0
        var end = bytes.count
        var negative = false
        let bracketed = bytes[0] == 0x28
        if bracketed || bytes[end - 1] == 0x29 {
            guard bracketed, end >= 2, bytes[end - 1] == 0x29 else { return .failure(.unbalancedParentheses) }
            negative = true
            index = 1
            end -= 1
        }

        var signed = false
        var pound = false
        prefix: while index < end {
            switch bytes[index] {
            case 0x2D, 0x2B:
                if bracketed { return .failure(.signInParentheses) }
                if signed { return .failure(.repeatedSign) }
                signed = true
                negative = bytes[index] == 0x2D
                index += 1
            case 0xC2 where !pound && index + 1 < end && bytes[index + 1] == 0xA3:
                pound = true
                index += 2
            default:
                break prefix
            }
        }

        var pounds: UInt64 = 0
        var overflow = false
        var digits = 0
        var groupDigits = 0
        var commas = 0
        while index < end {
            let byte = bytes[index]
            if byte &- 0x30 < 10 {
                let (tens, carried) = pounds.multipliedReportingOverflow(by: 10)
                let (sum, added) = tens.addingReportingOverflow(UInt64(byte &- 0x30))
                pounds = sum
                overflow = overflow || carried || added
                digits += 1
                groupDigits += 1
            } else if byte == 0x2C {
                if commas == 0 {
                    guard (1...3).contains(groupDigits) else { return .failure(.grouping) }
                    if pounds == 0 { return .failure(.decimalComma) }
                } else if groupDigits != 3 {
                    return .failure(.grouping)
                }
                commas += 1
                groupDigits = 0
            } else {
                break
            }
            index += 1
        }
        let point = index < end && bytes[index] == 0x2E
        if digits == 0 {
            if point { return .failure(.pointWithoutPounds) }
            return .failure(index == end ? .noDigits : .unexpected)
        }
        if commas > 0, groupDigits != 3 {
            let decimalComma = commas == 1 && (1...2).contains(groupDigits) && !point && index == end
            return .failure(decimalComma ? .decimalComma : .grouping)
        }

        var cents: UInt64 = 0
        if point {
            index += 1
            var places = 0
            while index < end, bytes[index] &- 0x30 < 10 {
                if places < 2 { cents = cents * 10 + UInt64(bytes[index] &- 0x30) }
                places += 1
                index += 1
            }
            if index != end { return .failure(.unexpected) }
            if places == 0 { return .failure(.pointWithoutPence) }
            if places > 2 { return .failure(.decimals(places)) }
            if places == 1 { cents *= 10 }
        }
        if index != end { return .failure(.unexpected) }

        let (hundreds, carried) = pounds.multipliedReportingOverflow(by: 100)
        let (magnitude, added) = hundreds.addingReportingOverflow(cents)
        let limit = negative ? Int64.min.magnitude : UInt64(Int64.max)
        if overflow || carried || added || magnitude > limit { return .failure(.overflow) }
        return .success(negative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude))
    }

    /// Currency codes a ledger might carry, named so the message can say what the letters are.
    private static let currencyCodes: Set<String> = [
        "GBP", "EUR", "USD", "CHF", "JPY", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "INR", "CNY",
    ]

    private static let placeNames = [3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"]

    /// The sentence for a failed field: the expected form and why the field missed it.
    private static func error(_ fault: Fault, bytes: UnsafeBufferPointer<UInt8>) -> ValueError {
        let reason = switch fault {
        case .blank: "the field is blank"
        case .noDigits: "there are no digits"
        case .repeatedSign: "the amount has more than one sign"
        case .signInParentheses: "a negative amount takes a minus sign or parentheses, not both"
        case .unbalancedParentheses: "parentheses must enclose the whole amount"
        case .grouping: "commas must split the pounds into groups of three digits, such as 1,250,000.00"
        case .decimalComma: "the comma looks like a decimal comma (pence follow a point, as in 1.50)"
        case .pointWithoutPounds: "a digit must come before the decimal point, such as 0.50"
        case .pointWithoutPence: "the decimal point must be followed by pence, such as 100.00"
        case .decimals(let places):
            "\(placeNames[places] ?? String(places)) decimal places cannot be stored without rounding"
        case .overflow: "the amount is beyond what the warehouse can store, \(formatPounds(.max))"
        case .unexpected: unexpectedReason(bytes)
        }
        return ValueError(form, because: reason)
    }

    /// Names what a byte outside the grammar most likely is: another currency, letters, a space,
    /// a typographic dash for a minus, or a £ from a file that was not decoded as UTF-8.
    private static func unexpectedReason(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains(where: { "$€¥".contains($0) }) {
            return "only pounds sterling can be stored, not another currency"
        }
        let words = text.split { !$0.isASCII || !$0.isLetter }
        if words.contains(where: { currencyCodes.contains($0.uppercased()) }) {
            return "a currency code is not part of an amount (write £ or nothing)"
        }
        if let reason = ValueError.strayCharacterReason(in: text) { return reason }
        if bytes.enumerated().contains(where: { $1 == 0xA3 && ($0 == 0 || bytes[$0 - 1] != 0xC2) }) {
            return "the £ sign is the single byte A3, so the file was not decoded from Windows-1252"
        }
        return "a character is out of place for an amount"
    }
}
