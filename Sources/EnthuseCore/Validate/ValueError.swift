/// Why one field is not a value of the kind a column needs, told as what was expected so that the
/// rejects row shows the person who typed it what to write instead.
///
/// The sentence names the expected form and, where the parser can tell, the reason the field
/// missed it. It never repeats the field's text: the diagnostic carries the value beside it, and
/// keeping values out of messages keeps personal data out of logs.
///
///     ValueError(expected: "a date as dd/MM/yyyy, such as 01/09/2016; 30 February 2017 is not a calendar date")
public struct ValueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A sentence fragment that reads after "expected", e.g. "a whole number such as 1250".
    public let expected: String

    public init(expected: String) {
        self.expected = expected
    }

    /// Joins the expected form and the reason the field missed it, e.g. "a whole number such as
    /// 1250; the number has a fractional part".
    init(_ form: String, because reason: String) {
        self.expected = "\(form); \(reason)"
    }

    public var description: String { "expected \(expected)" }
}

extension UnsafeBufferPointer<UInt8> {
    /// The field without the ASCII spaces and tabs that spreadsheets and hand-edited CSV leave
    /// around a value; every value parser tolerates them, and nothing else, at either end.
    func trimmingBlanks() -> UnsafeBufferPointer<UInt8> {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: self[start..<end])
    }
}

extension ValueError {
    /// Names the stray characters people most often type into a number, for the reason part of a
    /// message: letters, a space inside, or a typographic dash for a minus; nil for anything else.
    static func strayCharacterReason(in text: String) -> String? {
        if text.contains(where: { $0.isASCII && $0.isLetter }) {
            return "letters are not accepted"
        }
        if text.contains(where: { $0 == " " || $0 == "\t" }) {
            return "spaces inside the value are not accepted"
        }
        if text.contains(where: { $0 == "\u{2212}" || $0 == "\u{2013}" || $0 == "\u{2014}" }) {
            return "the minus sign is a typographic dash, not a hyphen-minus (-)"
        }
        return nil
    }
}
