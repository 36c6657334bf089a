/// Reads a yes/no answer in any of the spellings the attendance registers use, so that `Present`,
/// `TRUE`, `y` and a SpreadsheetML Boolean `1` all mean the same thing.
///
/// Spellings are compared without regard to ASCII case; spaces and tabs around the value are
/// ignored. Anything else, including a blank, is rejected: a register that does not say whether
/// someone attended is not read as "no".
///
///     BooleanParser.parse(bytes)   // "Present" → .success(true), "absent" → .success(false)
public enum BooleanParser {
    /// Every accepted spelling, lower case, with the answer it stands for.
    static let spellings: [(text: StaticString, value: Bool)] = [
        ("y", true), ("n", false),
        ("yes", true), ("no", false),
        ("present", true), ("absent", false),
        ("1", true), ("0", false),
        ("true", true), ("false", false),
    ]

    private static let form = "yes or no as Y/N, Yes/No, Present/Absent, 1/0 or TRUE/FALSE"

    /// Reads one yes/no answer.
    public static func parse(_ field: UnsafeBufferPointer<UInt8>) -> Result<Bool, ValueError> {
        let bytes = field.trimmingBlanks()
        if bytes.isEmpty { return .failure(ValueError(form, because: "the field is blank")) }
        for spelling in spellings where spelling.text.utf8CodeUnitCount == bytes.count {
            let matches = spelling.text.withUTF8Buffer { text in
                zip(text, bytes).allSatisfy { expected, byte in
                    expected == (byte &- 0x41 < 26 ? byte | 0x20 : byte)
                }
            }
            if matches { return .success(spelling.value) }
        }
        return .failure(ValueError(expected: form))
    }
}
