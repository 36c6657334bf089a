import Foundation

/// What happened to one inbox file: the load report that the run summary, the ledger and the
/// nightly wrapper's archive/quarantine decision are made from.
public struct FileOutcome: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// The file's rows are in the warehouse (some may have been refused).
        case loaded
        /// The same content was loaded before; nothing was done.
        case duplicate
        /// Nothing of the file was loaded; the reason is in `message` and `etl_reject`.
        case rejected
    }

    public var path: String
    public var fileName: String
    public var source: String
    public var fileDate: String?
    public var sha256: String = ""
    public var size: Int = 0
    public var encoding: String?
    public var rowsRead = 0
    public var rowsLoaded = 0
    public var rowsRejected = 0
    public var status: Status = .loaded
    public var message: String?
    public var started: String
    public var seconds: Double = 0
    /// The first few refused rows, for the printed report (all of them are in `etl_reject`).
    public var sampleRejects: [RowReject] = []
    /// Header names the pipeline does not bind (logged once per file).
    public var ignoredColumns: [String] = []
}

/// One refused row (or a refused file, with no line), as the reports print it.
public struct RowReject: Sendable, Equatable {
    public var line: Int?
    public var field: String?
    public var value: String?
    public var reason: String

    /// `file:line: field: message`, the form every diagnostic is printed in.
    public func diagnostic(file: String) -> String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        text += reason
        if let value { text += " (found '\(value)')" }
        return text
    }
}

extension FileOutcome {
    /// One JSON object on one line, for `enthuse run --manifest`; keys sorted, a missing message
    /// as `null`.
    public var manifestLine: String {
        let data = (try? SortedJSON.encoder.encode(ManifestLine(self))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

private struct ManifestLine: Encodable {
    let outcome: FileOutcome

    init(_ outcome: FileOutcome) { self.outcome = outcome }

    enum CodingKeys: String, CodingKey {
        case path, fileName = "file_name", source, status, rowsRead = "rows_read", rowsLoaded = "rows_loaded"
        case rowsRejected = "rows_rejected", sha256, message
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome.path, forKey: .path)
        try container.encode(outcome.fileName, forKey: .fileName)
        try container.encode(outcome.source, forKey: .source)
        try container.encode(outcome.status.rawValue, forKey: .status)
        try container.encode(outcome.rowsRead, forKey: .rowsRead)
        try container.encode(outcome.rowsLoaded, forKey: .rowsLoaded)
        try container.encode(outcome.rowsRejected, forKey: .rowsRejected)
        try container.encode(outcome.sha256, forKey: .sha256)
        try container.encode(outcome.message, forKey: .message)
    }
}

/// A JSON encoder with sorted keys: the ledger's and the manifest's objects read the same from
/// run to run.
///
/// `JSONEncoder` rather than `JSONSerialization`, whose sorted keys are compared with ICU's
/// collation: that comparison alone loaded ICU's locale data into every run (2.3 MiB resident,
/// `/proc/PID/smaps`). Both write the same text for these objects: plain ASCII keys.
enum SortedJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
