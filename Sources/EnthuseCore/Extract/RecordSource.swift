/// The extract stage's output: a file's records, one at a time, each with its location.
///
/// Every format (CSV now; XML and spreadsheets as they join) yields records through this seam,
/// so validation and loading never know which format a row came from. Fields are handed out as
/// UTF-8 bytes that are valid only inside the closure: nothing is copied unless a rule needs it.
public protocol RecordSource: AnyObject {
    /// Advances to the next record; false at the end of the file. Throws when the file cannot be
    /// read further (the whole file is then rejected).
    func next() throws -> Bool
    /// The physical line the current record starts on (1-based).
    var line: Int { get }
    var fieldCount: Int { get }
    /// Calls `body` with the field's text as UTF-8, or returns the reason it cannot be decoded.
    func withUTF8Field<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, FieldDecodingError>
    /// A problem with the record as a whole (say, text after a closing quote), if any.
    var recordProblem: String? { get }
    /// The record as it stood in the file, with the fields at `masked` positions replaced.
    func rawText(masking masked: Set<Int>) -> String
    /// Bytes consumed so far, for progress.
    var bytesRead: Int { get }
    /// The field names when the format fixes them (XML field paths); nil when the header is a row
    /// of the file to be found (CSV, spreadsheets).
    var fixedHeader: [String]? { get }
}

/// A field whose bytes are not text in the file's encoding.
public struct FieldDecodingError: Error, Equatable, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The text encoding a file was found to be in.
public enum DetectedEncoding: String, Sendable {
    case utf8 = "utf-8"
    case utf8WithBOM = "utf-8-bom"
    case windows1252 = "windows-1252"
}
