import Foundation

/// What a file's first bytes say it is, whatever its name says, so that a spreadsheet saved in
/// one format and named after another is refused with words a person recognises.
enum SpreadsheetFileKind: Equatable, CustomStringConvertible {
    /// A zip archive, as an .xlsx workbook is.
    case zip
    /// An OLE2 compound file: an Excel 97–2003 .xls workbook, or an Office file protected with
    /// a password (Office encrypts those into the same container).
    case compoundFile
    /// XML (or at least text that starts with `<`).
    case xml
    case pdf
    case empty
    /// Text that is not XML, such as CSV.
    case text
    case unknownBinary

    /// Reads the first bytes of the file at `path`.
    static func of(path: String) throws(SpreadsheetError) -> SpreadsheetFileKind {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = String(cString: strerror(errno))
            throw SpreadsheetError(.cannotOpen, file: path, "cannot open the file: \(reason)")
        }
        defer { try? handle.close() }
        do {
            return of(prefix: Array(try handle.read(upToCount: 512) ?? Data()))
        } catch {
            throw SpreadsheetError(.cannotOpen, file: path, "cannot read the file: \(error.localizedDescription)")
        }
    }

    static func of(prefix bytes: [UInt8]) -> SpreadsheetFileKind {
        if bytes.isEmpty { return .empty }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if bytes.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .compoundFile }
        if bytes.starts(with: Array("%PDF".utf8)) { return .pdf }
        // UTF-16 XML starts with a byte order mark or with '<' and a zero byte.
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0x3C, 0x00])
            || bytes.starts(with: [0x00, 0x3C]) {
            return .xml
        }
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        let first = text.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        if first == 0x3C { return .xml }
        if !text.contains(0) { return .text }
        return .unknownBinary
    }

    var description: String {
        switch self {
        case .zip: "a zip archive, such as an .xlsx workbook"
        case .compoundFile: "an Excel 97–2003 workbook (.xls) or a password-protected Office file"
        case .xml: "XML"
        case .pdf: "a PDF document"
        case .empty: "empty (0 bytes)"
        case .text: "plain text such as CSV"
        case .unknownBinary: "binary data of an unknown kind"
        }
    }
}
