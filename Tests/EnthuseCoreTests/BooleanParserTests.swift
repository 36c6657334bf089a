import Testing
@testable import EnthuseCore

/// Runs `parse` on the UTF-8 bytes of `text`, as a reader hands over one field.
private func parsing<T>(_ text: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T) -> T {
    var text = text
    return text.withUTF8(parse)
}

@Suite("BooleanParser")
struct BooleanParserTests {
    @Test("every register spelling reads in any case", arguments: [
        ("Y", true), ("y", true), ("N", false), ("n", false), ("Yes", true), ("YES", true), ("no", false),
        ("Present", true), ("PRESENT", true), ("Absent", false), ("absent", false), ("1", true), ("0", false),
        ("TRUE", true), ("True", true), ("false", false), ("FALSE", false), (" Y\t", true),
    ])
    func spellings(text: String, value: Bool) {
        #expect(parsing(text, BooleanParser.parse) == .success(value))
    }

    @Test("anything else is rejected", arguments: ["maybe", "2", "Yess", "T", "\u{11}", "Y N", "1.0", "Présent"])
    func rejected(text: String) {
        let expected = ValueError(expected: "yes or no as Y/N, Yes/No, Present/Absent, 1/0 or TRUE/FALSE")
        #expect(parsing(text, BooleanParser.parse) == .failure(expected))
    }

    @Test("a blank is rejected, not read as no")
    func blankRejected() {
        let expected = ValueError(expected: "yes or no as Y/N, Yes/No, Present/Absent, 1/0 or TRUE/FALSE; the field is blank")
        #expect(parsing(" ", BooleanParser.parse) == .failure(expected))
    }
}
