import Foundation

/// One source's declarative pipeline, read from `pipelines/<source>.yaml`: which files it takes,
/// how their columns bind, the rule each field must meet, and the SQL that applies a file.
///
/// The YAML format is documented key by key in `pipelines/README.md`; a test keeps that document
/// and ``PipelineDefinition/documentedKeys`` in step.
public struct PipelineDefinition: Sendable, Equatable {
    /// The source's name, also the value of `etl_file.source`.
    public var source: String
    public var description: String
    public var files: FileSelection
    /// Sources whose files must be loaded before this one's (the register before its links).
    public var dependsOn: [String]
    /// A source whose newest file is older than this is stale (`enthuse status`).
    public var freshnessDays: Int?
    /// Above this fraction of rejected rows the whole file is rejected (0 rejects a file on its
    /// first bad row; 1 never rejects a file for its rows).
    public var rejectThreshold: Double
    /// Header names of columns holding personal data: never bound, masked in rejects' raw text.
    public var personalColumns: [String]
    /// The fields to bind, in declaration order.
    public var columns: [ColumnRule]
    /// Columns whose values together may appear only once in a file (a participant once per
    /// session of a register): a later row repeating an earlier one's is refused, naming its line.
    public var unique: [String]
    /// The staging table that receives validated rows (`stg_*`).
    public var staging: String
    /// SQL run in the file's transaction after its rows are staged (path from the project root).
    public var transform: String?
    /// Steps run once per run after the loads when this source (or one it depends on) changed:
    /// a built-in step name (``RefreshStep``) or a path to an SQL file.
    public var refresh: [String]
    /// The file this definition came from.
    public var definitionPath: String

    public init(
        source: String, description: String = "", files: FileSelection, dependsOn: [String] = [],
        freshnessDays: Int? = nil, rejectThreshold: Double = 0, personalColumns: [String] = [],
        columns: [ColumnRule], unique: [String] = [], staging: String, transform: String? = nil, refresh: [String] = [],
        definitionPath: String = ""
    ) {
        self.source = source
        self.description = description
        self.files = files
        self.dependsOn = dependsOn
        self.freshnessDays = freshnessDays
        self.rejectThreshold = rejectThreshold
        self.personalColumns = personalColumns
        self.columns = columns
        self.unique = unique
        self.staging = staging
        self.transform = transform
        self.refresh = refresh
        self.definitionPath = definitionPath
    }
}

/// Which inbox files a pipeline claims and how to read them.
public struct FileSelection: Sendable, Equatable {
    /// A regular expression matched against the whole file name. Named captures become SQL
    /// parameters of the transform (`(?<snapshot_date>[0-9]{8})` → `:snapshot_date`).
    public var pattern: String
    /// The capture holding the file's date as `YYYYMMDD`; files apply in this date's order and
    /// the capture is passed to SQL as an ISO-8601 date.
    public var dateCapture: String?
    public var format: FileFormat
    public var encoding: EncodingPolicy
    /// For XML: the XSD every file is validated against while it streams (path from the project
    /// root).
    public var schema: String?
    /// For XML: the element that is one record (`Entry`).
    public var record: String?

    public init(pattern: String, dateCapture: String? = nil, format: FileFormat, encoding: EncodingPolicy = .detect,
                schema: String? = nil, record: String? = nil) {
        self.pattern = pattern
        self.dateCapture = dateCapture
        self.format = format
        self.encoding = encoding
        self.schema = schema
        self.record = record
    }
}

/// The physical format a pipeline reads.
public enum FileFormat: String, Sendable, CaseIterable {
    case csv
    /// XML, one record per occurrence of `files.record`, fields picked by path (the column's
    /// `header`), validated against `files.schema`.
    case xml
    /// Excel's "XML Spreadsheet 2003": the rows of the worksheet named `Attendance`, else the
    /// first; the header is found among them like a CSV header.
    case spreadsheetml
    /// An Excel workbook (.xlsx): the rows of the worksheet named `Attendance`, else the first.
    case xlsx

    /// Whether the file's bytes are text whose encoding the loader must detect: XML declares its
    /// own and a workbook is not text.
    public var hasTextEncoding: Bool { self == .csv }
}

/// How the bytes of a text file are decoded.
public enum EncodingPolicy: String, Sendable, CaseIterable {
    /// UTF-8 (with or without BOM) when the whole file is valid UTF-8, else Windows-1252.
    case detect
    case utf8 = "utf-8"
    case windows1252 = "windows-1252"
}

/// The declared rule for one field: where it comes from and what a valid value looks like.
public struct ColumnRule: Sendable, Equatable {
    /// The staging column it lands in.
    public var name: String
    /// The header it binds to, and other wordings of the same header.
    public var header: String
    public var synonyms: [String]
    public var type: FieldType
    /// The value must not be empty (the column must then also be present).
    public var required: Bool
    /// The column may be absent from the file (older releases); its values are then NULL.
    public var optional: Bool
    /// A regular expression the whole (trimmed) text must match.
    public var pattern: String?
    /// The allowed values, matched case-insensitively and stored as written here.
    public var values: [String]?
    /// Inclusive bounds for numbers.
    public var range: ClosedRange<Double>?
    /// The date format for `type: date`.
    public var dateFormat: DateFormat?
    /// Raw values meaning "unknown": stored as NULL, never as a value.
    public var placeholders: [String]
    public var maxLength: Int?
    /// `table.column` the value must be found in (`dim_school.urn`): checked against the warehouse
    /// as it stood when the file's load began.
    public var existsIn: String?
    /// Stored in staging as a number standing for the text in `stg_dictionary`, the file's
    /// dictionary: for text that repeats on row after row (names, codes, titles).
    public var dictionary = false

    public init(
        name: String, header: String, synonyms: [String] = [], type: FieldType = .text,
        required: Bool = false, optional: Bool = false, pattern: String? = nil,
        values: [String]? = nil, range: ClosedRange<Double>? = nil, dateFormat: DateFormat? = nil,
        placeholders: [String] = [], maxLength: Int? = nil
    ) {
        self.name = name
        self.header = header
        self.synonyms = synonyms
        self.type = type
        self.required = required
        self.optional = optional
        self.pattern = pattern
        self.values = values
        self.range = range
        self.dateFormat = dateFormat
        self.placeholders = placeholders
        self.maxLength = maxLength
    }
}

/// The type a field's text is parsed to before it is stored.
public enum FieldType: String, Sendable, CaseIterable {
    case text
    case integer
    case decimal
    case date
    /// Money in pounds as accountants write it (`£1,250.00`, `(1,000.00)`), stored as integer pence.
    case pence
    /// Yes or no (`Y`/`N`, `Yes`/`No`, `Present`/`Absent`, `1`/`0`, `TRUE`/`FALSE`), stored as 1 or 0.
    case boolean
    /// An e-mail address, stored only as its keyed hash (``Pseudonymiser``); the column is masked
    /// in every reject's raw text.
    case pseudonym
}
