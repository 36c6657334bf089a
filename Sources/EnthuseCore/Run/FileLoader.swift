import Foundation
import GRDB
import Logging

/// Moves one inbox file through the stages — fingerprint, extract, validate, load, transform —
/// in one transaction: all of the file lands or none of it does.
///
/// A file refused as a whole (a missing column, too many bad rows, a broken quote) is rolled
/// back, then recorded in a second transaction with every reject a replay of the validation
/// finds, so rejects are kept without ever being buffered in memory.
///
/// A dry run (`commit: false`, for `enthuse validate`) does all the same work against the real
/// warehouse — so duplicates, constraints and transforms are checked too — and rolls it back.
struct FileLoader {
    let warehouse: Warehouse
    let projectRoot: URL
    /// The run the files belong to; nil for a dry run, which makes a throwaway run row.
    let runID: Int64?
    let logger: Logger
    /// Called with bytes read so far, for progress on long files.
    var progress: (@Sendable (String, Int, Int) -> Void)?
    /// Called with every reject as it is found (a dry run prints them).
    var onReject: ((RowReject) -> Void)?

    var commits: Bool { runID != nil }

    static let sampleRejectLimit = 20

    func load(path: String, pipeline: PipelineDefinition, captures: [String: String]) throws -> FileOutcome {
        let clock = ContinuousClock.now
        var outcome = try stages(path: path, pipeline: pipeline, captures: captures)
        outcome.seconds = (ContinuousClock.now - clock).seconds
        return outcome
    }

    private func stages(path: String, pipeline: PipelineDefinition, captures: [String: String]) throws -> FileOutcome {
        let fileName = (path as NSString).lastPathComponent
        var outcome = FileOutcome(path: path, fileName: fileName, source: pipeline.source, started: Timestamp.now())

        let fileValues: [(String, FieldValue)]
        do {
            fileValues = try Self.fileValues(captures: captures, dateCapture: pipeline.files.dateCapture)
            outcome.fileDate = pipeline.files.dateCapture.flatMap { name in fileValues.first { $0.0 == name } }.flatMap {
                if case let .text(date) = $0.1 { return date } else { return nil }
            }
            let fingerprint = try FileFingerprint.compute(path: path)
            outcome.sha256 = fingerprint.sha256
            outcome.size = fingerprint.size
            if let earlier = try warehouse.pool.read({ db in try RunLedger.loadedFile(db, fileName: fileName, sha256: fingerprint.sha256) }) {
                outcome.status = .duplicate
                outcome.message = "already loaded as \(earlier.path) (etl_file \(earlier.id)); nothing to do"
                if let runID {
                    try warehouse.pool.write { db in _ = try RunLedger.insertFile(db, outcome, runID: runID) }
                }
                return outcome
            }
            // XML declares its own encoding, which libxml2 reads; a workbook is not text.
            let format = pipeline.files.format
            let encoding = format.hasTextEncoding ? try Self.encoding(of: fingerprint, policy: pipeline.files.encoding) : nil
            outcome.encoding = encoding?.rawValue ?? format.rawValue
            try loadInOneTransaction(&outcome, pipeline: pipeline, fileValues: fileValues, encoding: encoding)
        } catch let rejection as FileRejection {
            outcome.status = .rejected
            outcome.message = rejection.reason
            try recordRejectedFile(&outcome, pipeline: pipeline, rejection: rejection)
        } catch let error as CSVError {
            // The inbox file itself could not be read (permissions, vanished): not a data problem.
            outcome.status = .rejected
            outcome.message = error.description
            try recordRejectedFile(&outcome, pipeline: pipeline, rejection: FileRejection(reason: error.description, line: nil))
        }
        return outcome
    }

    // MARK: - The load transaction

    private func loadInOneTransaction(_ outcome: inout FileOutcome, pipeline: PipelineDefinition,
                                      fileValues: [(String, FieldValue)], encoding: DetectedEncoding?) throws {
        let result = try warehouse.pool.writeWithoutTransaction { db -> FileOutcome in
            var loaded = outcome
            try db.inTransaction(.immediate) {
                let run = try runID ?? RunLedger.startRun(db, inbox: "(dry run)", versions: "{}")
                let fileID = try RunLedger.insertFile(db, loaded, runID: run)
                let writer = try StagingWriter(db: db, pipeline: pipeline, fileValues: fileValues)
                try readRecords(db, &loaded, pipeline: pipeline, encoding: encoding, runID: run, fileID: fileID, writer: writer)
                if let refusal = thresholdRefusal(loaded, pipeline: pipeline) { throw refusal }
                if let transform = pipeline.transform {
                    try runTransform(db, transform, &loaded, staging: pipeline.staging, parameters: fileValues + [
                        ("etl_file_id", .integer(fileID)), ("source_file", .text(loaded.fileName)), ("source", .text(pipeline.source)),
                    ], runID: run, fileID: fileID)
                    if let refusal = thresholdRefusal(loaded, pipeline: pipeline) { throw refusal }
                }
                if try String.fetchOne(db, sql: "SELECT status FROM etl_file WHERE id = ?", arguments: [fileID]) == "superseded" {
                    loaded.message = "loaded, but a newer delivery for the same period is already in the warehouse, so this one only stays in the ledger"
                }
                try RunLedger.updateCounts(db, fileID: fileID, loaded)
                return commits ? .commit : .rollback
            }
            return loaded
        }
        outcome = result
    }

    /// Runs the pipeline's transform SQL. Rows it refuses (a rule that needs the warehouse, such as
    /// "the funder must be known") are written by the SQL into `temp.transform_reject (line, field,
    /// value, reason)`; they become `etl_reject` rows and move from loaded to rejected.
    private func runTransform(_ db: Database, _ transform: String, _ outcome: inout FileOutcome, staging: String,
                              parameters: [(String, FieldValue)], runID: Int64, fileID: Int64) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS transform_reject (line INTEGER, field TEXT, value TEXT, reason TEXT NOT NULL);
            DELETE FROM temp.transform_reject;
            """)
        do {
            try SQLScript(url: projectRoot.appendingPathComponent(transform)).run(db, parameters: parameters)
        } catch let error as DatabaseError where !error.isWarehouseIOError {
            throw FileRejection(reason: "the transform \(transform) failed: \(error.message ?? "\(error)"); nothing of the file was loaded", line: nil)
        }
        let rejects = try Row.fetchAll(db, sql: "SELECT line, field, value, reason FROM temp.transform_reject ORDER BY line")
        var lines = Set<Int>()
        for row in rejects {
            let reject = RowReject(line: row["line"], field: row["field"], value: row["value"], reason: row["reason"])
            // The raw record is the staged row (the transform sees typed values, not the file's text).
            let staged = try Row.fetchOne(db, sql: "SELECT * FROM \(staging.quotedDatabaseIdentifier) WHERE etl_file_id = ? AND line = ?", arguments: [fileID, reject.line])
            let raw = staged.map { row in row.columnNames.filter { $0 != "etl_file_id" && $0 != "line" }.map { CSVText.quoted((row[$0] as DatabaseValue).text ?? "") }.joined(separator: ",") }
            try RunLedger.insertReject(db, runID: runID, fileID: fileID, file: outcome.fileName, reject: reject, raw: raw)
            onReject?(reject)
            if outcome.sampleRejects.count < Self.sampleRejectLimit { outcome.sampleRejects.append(reject) }
            if let line = reject.line { lines.insert(line) }
        }
        outcome.rowsLoaded -= lines.count
        outcome.rowsRejected += lines.count
    }

    /// Reads every record: the header is found, bound and checked, then each row is validated and
    /// either staged (when `writer` is given) or recorded as a reject.
    private func readRecords(_ db: Database, _ outcome: inout FileOutcome, pipeline: PipelineDefinition,
                             encoding: DetectedEncoding?, runID: Int64, fileID: Int64, writer: StagingWriter?) throws {
        do {
            let source = try openSource(path: outcome.path, pipeline: pipeline, encoding: encoding)
            let binding = try findHeader(source, pipeline: pipeline)
            outcome.ignoredColumns = binding.ignored
            let pseudonymiser = pipeline.columns.contains { $0.type == .pseudonym } ? try Pseudonymiser.fromEnvironment() : nil
            var validator = try RowValidator(pipeline: pipeline, binding: binding, pseudonymiser: pseudonymiser,
                                             references: try Self.referenceSets(db, pipeline: pipeline))
            var lastProgress = 0
            while try source.next() {
                outcome.rowsRead += 1
                var problems: [RowProblem] = []
                if validator.validate(source) {
                    if let writer, let constraint = try writer.insert(fileID: fileID, line: source.line, values: validator.values) {
                        problems = [RowProblem(field: nil, value: nil, reason: "the warehouse refused the row: \(constraint)")]
                    }
                } else {
                    problems = validator.problems
                }
                if problems.isEmpty {
                    outcome.rowsLoaded += writer == nil ? 0 : 1
                } else {
                    outcome.rowsRejected += 1
                    let raw = rawText(source, binding: binding)
                    for problem in problems {
                        let reject = RowReject(line: source.line, field: problem.field, value: problem.value, reason: problem.reason)
                        try RunLedger.insertReject(db, runID: runID, fileID: fileID, file: outcome.fileName, reject: reject, raw: raw)
                        onReject?(reject)
                        if outcome.sampleRejects.count < Self.sampleRejectLimit { outcome.sampleRejects.append(reject) }
                    }
                }
                if let progress, source.bytesRead - lastProgress >= 8 << 20 {
                    lastProgress = source.bytesRead
                    progress(outcome.fileName, outcome.rowsRead, source.bytesRead)
                }
            }
            if outcome.rowsRead == 0 {
                throw FileRejection(reason: "the file has no records; a real export always has some, so nothing was loaded", line: source.line == 0 ? nil : source.line)
            }
        } catch let error as CSVError {
            throw FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.line)
        } catch let error as XMLReadError {
            throw FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.line)
        } catch let error as SpreadsheetError {
            throw FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.row ?? error.line)
        }
    }

    /// The warehouse columns the pipeline's `exists_in` rules name, read once for the file.
    static func referenceSets(_ db: Database, pipeline: PipelineDefinition) throws -> [String: ReferenceSet] {
        var sets: [String: ReferenceSet] = [:]
        for target in Set(pipeline.columns.compactMap(\.existsIn)) {
            let parts = target.split(separator: ".").map(String.init)
            guard try db.tableExists(parts[0]) || db.viewExists(parts[0]), try db.columns(in: parts[0]).contains(where: { $0.name == parts[1] }) else {
                throw PipelineConfigurationError(file: pipeline.definitionPath, line: nil, message: "exists_in names \(target), which the warehouse does not have")
            }
            let values = try DatabaseValue.fetchAll(db, sql: "SELECT DISTINCT \(parts[1].quotedDatabaseIdentifier) FROM \(parts[0].quotedDatabaseIdentifier)").map { value -> FieldValue in
                switch value.storage {
                case let .int64(number): return .integer(number)
                case let .double(number): return .real(number)
                case let .string(text): return .text(text)
                default: return .null
                }
            }
            sets[target] = ReferenceSet(values: values)
        }
        return sets
    }

    /// The extract stage's reader for the pipeline's format.
    private func openSource(path: String, pipeline: PipelineDefinition, encoding: DetectedEncoding?) throws -> any RecordSource {
        switch pipeline.files.format {
        case .csv:
            return try CSVRecordSource(path: path, encoding: encoding ?? .utf8)
        case .xml:
            let schema = try pipeline.files.schema.map { try SchemaCache.schema(path: projectRoot.appendingPathComponent($0).path) }
            return try XMLRecordSource(path: path, schema: schema, recordElement: pipeline.files.record!, fieldPaths: pipeline.columns.map(\.header))
        case .spreadsheetml:
            return try SpreadsheetMLRecordSource(path: path)
        case .xlsx:
            return try XLSXRecordSource(path: path)
        }
    }

    /// The header is fixed by the format (XML field paths), or it is the first record that
    /// carries every column the pipeline needs; title and blank rows above it are skipped (up to
    /// 20 of them).
    private func findHeader(_ source: any RecordSource, pipeline: PipelineDefinition) throws -> HeaderBinding {
        if let header = source.fixedHeader {
            return try HeaderBinding.bind(header: header, to: pipeline).get()
        }
        var best: (header: [String], line: Int, matches: Int)?
        for _ in 0..<20 {
            guard try source.next() else { break }
            let header = (0..<source.fieldCount).map { index in
                (try? source.withUTF8Field(index) { String(decoding: $0, as: UTF8.self) }.get()) ?? ""
            }
            if case let .success(binding) = HeaderBinding.bind(header: header, to: pipeline) { return binding }
            let matches = HeaderBinding.matches(header: header, pipeline: pipeline)
            if best == nil || matches > best!.matches { best = (header, source.line, matches) }
        }
        guard let best else {
            throw FileRejection(reason: "the file is empty; expected a header row and data", line: nil)
        }
        guard case let .failure(missing) = HeaderBinding.bind(header: best.header, to: pipeline) else {
            preconditionFailure("a header that binds was returned above")
        }
        throw FileRejection(reason: missing.description, line: best.line)
    }

    private func rawText(_ source: any RecordSource, binding: HeaderBinding) -> String {
        if !binding.personalIndexes.isEmpty && source.fieldCount != binding.width {
            return "«withheld: the record's fields do not line up with the header, so its personal-data columns cannot be masked; see the quarantined file»"
        }
        return source.rawText(masking: binding.personalIndexes)
    }

    private func thresholdRefusal(_ outcome: FileOutcome, pipeline: PipelineDefinition) -> FileRejection? {
        guard outcome.rowsRejected > 0 else { return nil }
        let fraction = Double(outcome.rowsRejected) / Double(outcome.rowsRead)
        guard fraction > pipeline.rejectThreshold else { return nil }
        return FileRejection(
            reason: "\(outcome.rowsRejected) of \(outcome.rowsRead) rows (\(fraction.percent)) were refused, above the pipeline's reject_threshold of \(pipeline.rejectThreshold.percent); nothing of the file was loaded. Fix the rows listed in the rejects and deliver the file again",
            line: nil)
    }

    // MARK: - A file refused as a whole

    /// Records the refused file and replays validation to keep every row reject, in a
    /// transaction of its own (the data transaction was rolled back).
    private func recordRejectedFile(_ outcome: inout FileOutcome, pipeline: PipelineDefinition, rejection: FileRejection) throws {
        let recorded = try warehouse.pool.writeWithoutTransaction { db -> FileOutcome in
            var refused = outcome
            refused.rowsRead = 0; refused.rowsLoaded = 0; refused.rowsRejected = 0; refused.sampleRejects = []
            try db.inTransaction(.immediate) {
                let run = try runID ?? RunLedger.startRun(db, inbox: "(dry run)", versions: "{}")
                let fileID = try RunLedger.insertFile(db, refused, runID: run)
                if let encoding = refused.encoding, commits {
                    // The replay stops where the first pass stopped: at the same file-level problem.
                    // (A dry run has already reported each row through onReject.)
                    try? readRecords(db, &refused, pipeline: pipeline, encoding: DetectedEncoding(rawValue: encoding), runID: run, fileID: fileID, writer: nil)
                }
                refused.rowsLoaded = 0
                let fileReject = RowReject(line: rejection.line, field: nil, value: nil, reason: rejection.reason)
                try RunLedger.insertReject(db, runID: run, fileID: fileID, file: refused.fileName, reject: fileReject, raw: nil)
                onReject?(fileReject)
                refused.sampleRejects.insert(fileReject, at: 0)
                refused.status = .rejected
                refused.message = rejection.reason
                try RunLedger.updateCounts(db, fileID: fileID, refused)
                return commits ? .commit : .rollback
            }
            return refused
        }
        outcome = recorded
    }

    // MARK: - File-level values

    /// The name's captures as SQL parameters; the date capture becomes an ISO-8601 date.
    static func fileValues(captures: [String: String], dateCapture: String?) throws -> [(String, FieldValue)] {
        try captures.sorted { $0.key < $1.key }.map { name, value in
            guard name == dateCapture else { return (name, .text(value)) }
            guard let date = ISODate.fromCompact(value) else {
                throw FileRejection(reason: "the date in the file name, \(value), is not a calendar date (expected YYYYMMDD)", line: nil)
            }
            return (name, .text(date.text))
        }
    }

    /// The encoding to read the file with, by the pipeline's policy and what the bytes show.
    static func encoding(of fingerprint: FileFingerprint, policy: EncodingPolicy) throws -> DetectedEncoding {
        if fingerprint.size == 0 {
            throw FileRejection(reason: "the file is empty (0 bytes); expected a header row and data", line: nil)
        }
        if fingerprint.hasUTF16BOM {
            throw FileRejection(reason: "the file is UTF-16 (it starts with a UTF-16 byte order mark); re-save it as UTF-8 or Windows-1252 CSV", line: 1)
        }
        let utf8: DetectedEncoding = fingerprint.hasUTF8BOM ? .utf8WithBOM : .utf8
        switch policy {
        case .utf8:
            if let (line, byte) = fingerprint.firstInvalidUTF8 {
                throw FileRejection(reason: "byte 0x\(String(byte, radix: 16, uppercase: true)) is not valid UTF-8, which this source must be; re-save the file as UTF-8", line: line)
            }
            return utf8
        case .windows1252:
            return .windows1252
        case .detect:
            guard let (line, byte) = fingerprint.firstInvalidUTF8 else { return utf8 }
            if fingerprint.hasUTF8BOM || fingerprint.multibyteSequences > 0 {
                throw FileRejection(reason: "the file mixes encodings: it has UTF-8 text but byte 0x\(String(byte, radix: 16, uppercase: true)) here is not UTF-8, so names cannot be decoded safely; re-save the whole file in one encoding", line: line)
            }
            return .windows1252
        }
    }
}

/// A file refused as a whole, with the reason a person needs to fix it.
struct FileRejection: Error {
    var reason: String
    var line: Int?
}

extension Double {
    /// A fraction as a percentage with one decimal: 0.025 → "2.5%".
    var percent: String { String(format: "%.1f%%", self * 100) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
