/// Why a spreadsheet file (SpreadsheetML or .xlsx) was refused as a whole, where, and what to do.
///
/// A spreadsheet loads whole or not at all: once a reader throws this, the caller discards what it
/// read from the file. The place is as precise as the reader knows it: the part of an .xlsx
/// package, the worksheet row and column, or the line of the XML.
///
/// ```
/// attendance_EP-0042_2016-autumn_20170105.xlsx: the file is a zip archive holding ../../etc/cron.d/x,
/// a name that climbs out of the archive; no workbook has one. The file was not unpacked: …
/// ```
public struct SpreadsheetError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Reason: Equatable, Sendable {
        /// The file could not be opened or read.
        case cannotOpen
        /// The file is not what its name says (an .xlsx that is not a zip, a SpreadsheetML file
        /// whose root is not an Excel workbook).
        case wrongKind
        /// The zip archive breaks a safety bound (size, ratio, entry count) or names an entry
        /// with a path that climbs out of the archive: it was not unpacked.
        case unsafeArchive
        /// The file is damaged: a broken zip, a checksum that does not match, XML that is not
        /// well-formed.
        case damaged
        /// The file is an archive or XML of the right kind but lacks a part a workbook has.
        case notAWorkbook
        /// A worksheet breaks the rules every spreadsheet program keeps (rows out of order, a
        /// cell beyond the last column, a shared string that does not exist).
        case malformedSheet
        /// The workbook's text is larger than the bound the reader keeps in memory.
        case tooLarge
    }

    public let reason: Reason
    /// The path of the file as given to the reader (messages show only its last component).
    public let file: String
    /// The part of an .xlsx package (`xl/worksheets/sheet1.xml`), when the problem is in one.
    public let part: String?
    /// The worksheet row (1-based), when the problem is in a row.
    public let row: Int?
    /// The worksheet column (1-based), when the problem is in a cell.
    public let column: Int?
    /// The line of the XML, when the problem is in the XML and no row is known.
    public let line: Int?
    /// What is wrong, in words that name the value concerned.
    public let message: String

    public init(_ reason: Reason, file: String, part: String? = nil, row: Int? = nil, column: Int? = nil,
                line: Int? = nil, _ message: String) {
        self.reason = reason
        self.file = file
        self.part = part
        self.row = row
        self.column = column
        self.line = line
        self.message = message
    }

    /// What the person who reads the error should do next.
    public var advice: String {
        switch reason {
        case .cannotOpen:
            "Check that the file exists and that the loader may read it."
        case .wrongKind:
            "Save the spreadsheet again in the format its name says (.xlsx: Excel Workbook; .xml: XML Spreadsheet "
                + "2003), or name it after what it is, and deliver it again."
        case .unsafeArchive:
            "The file was not unpacked. If it is a genuine workbook, open it in a spreadsheet program, save it "
                + "again and deliver the new file."
        case .damaged, .notAWorkbook, .malformedSheet:
            "Open the file in a spreadsheet program, save it again and deliver the new file."
        case .tooLarge:
            "Split the workbook, or delete unused sheets and text, and deliver it again."
        }
    }

    /// The place, such as `book.xlsx, xl/worksheets/sheet1.xml, row 12, cell C12`.
    public var place: String {
        var parts = [file.split(separator: "/").last.map(String.init) ?? file]
        if let part { parts.append(part) }
        switch (row, column) {
        case let (row?, column?): parts.append("row \(row), cell \(ColumnLetters.name(column))\(row)")
        case let (row?, nil): parts.append("row \(row)")
        case let (nil, column?): parts.append("column \(ColumnLetters.name(column))")
        case (nil, nil): if let line { parts.append("line \(line)") }
        }
        return parts.joined(separator: ", ")
    }

    public var description: String {
        "\(place): \(message). \(advice)"
    }
}
