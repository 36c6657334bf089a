/// How a file's header binds to a pipeline's columns: by name, never by position.
///
/// Names match after normalising case, spaces and punctuation (`Activity  Code ` = `activity
/// code` = `ACTIVITY-CODE`), against the declared header and its synonyms.
public struct HeaderBinding: Sendable, Equatable {
    /// For each pipeline column in declaration order, its field index, or nil when an optional
    /// column is absent.
    public var indexes: [Int?]
    /// Field indexes of personal-data columns, masked in every raw text we keep.
    public var personalIndexes: Set<Int>
    /// Header names no column binds and that are not personal data (ignored, logged once).
    public var ignored: [String]
    /// How many fields the header has.
    public var width: Int

    /// Binds `header` to `pipeline`, or lists the columns a valid file must have but this one
    /// lacks.
    public static func bind(header: [String], to pipeline: PipelineDefinition) -> Result<HeaderBinding, MissingColumns> {
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            let key = normalise(name)
            if positions[key] == nil { positions[key] = index }   // a repeated header binds its first
        }
        var indexes: [Int?] = []
        var missing: [String] = []
        var used = Set<Int>()
        for column in pipeline.columns {
            let index = ([column.header] + column.synonyms).lazy.compactMap { positions[normalise($0)] }.first
            if index == nil && !column.optional { missing.append(column.header) }
            if let index { used.insert(index) }
            indexes.append(index)
        }
        guard missing.isEmpty else { return .failure(MissingColumns(names: missing)) }
        let personalKeys = Set(pipeline.personalColumns.map(normalise))
        // Pseudonymised columns are personal data too: masked in every raw text.
        var personal = Set(zip(pipeline.columns, indexes).compactMap { column, index in column.type == .pseudonym ? index : nil })
        var ignored: [String] = []
        for (index, name) in header.enumerated() where !used.contains(index) {
            if personalKeys.contains(normalise(name)) { personal.insert(index) } else { ignored.append(name) }
        }
        return .success(HeaderBinding(indexes: indexes, personalIndexes: personal, ignored: ignored, width: header.count))
    }

    /// How many of the pipeline's headers (or synonyms) a candidate header row contains; header
    /// detection picks the first row that has them all.
    public static func matches(header: [String], pipeline: PipelineDefinition) -> Int {
        let present = Set(header.map(normalise))
        return pipeline.columns.filter { column in
            ([column.header] + column.synonyms).contains { present.contains(normalise($0)) }
        }.count
    }

    /// Lower-case letters and digits only.
    public static func normalise(_ name: String) -> String {
        String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }))
    }
}

/// Required columns a file's header lacks.
public struct MissingColumns: Error, Equatable, Sendable, CustomStringConvertible {
    public var names: [String]
    public var description: String {
        "the header lacks the required column\(names.count == 1 ? "" : "s") \(names.map { "'\($0)'" }.joined(separator: ", ")); nothing of the file was loaded"
    }
}
