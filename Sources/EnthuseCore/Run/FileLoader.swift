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
    /// See ``earlyReadingBytes``.
    var earlyReadingBytes = Self.earlyReadingBytes
    /// The `exists_in` sets, kept from file to file of the run.
    let referenceSets: ReferenceSetCache

    init(warehouse: Warehouse, projectRoot: URL, runID: Int64?, logger: Logger) {
        self.warehouse = warehouse
        self.projectRoot = projectRoot
        self.runID = runID
        self.logger = logger
        referenceSets = ReferenceSetCache(projectRoot: projectRoot)
    }

    var commits: Bool { runID != nil }

    static let sampleRejectLimit = 20

    /// Loads the file at `path`, `prepared` before if it was read ahead; while it is read,
    /// `readAhead`'s file (the next) is prepared and its reading started.
    func load(path: String, pipeline: PipelineDefinition, captures: [String: String], prepared: PreparedFile? = nil,
              readAhead: ReadAhead? = nil) throws -> FileOutcome {
        let clock = ContinuousClock.now
        let prepared = try prepared ?? prepare(path: path, pipeline: pipeline, captures: captures, readingEarly: true)
        var outcome = try stages(prepared, readAhead: readAhead)
        outcome.seconds = (ContinuousClock.now - clock).seconds
        return outcome
    }

    /// The stages before the file's transaction. `db`, when given, is the writer's connection
    /// inside another file's transaction (a read-ahead); otherwise a reader looks up the ledger.
    ///
    /// `readingEarly` starts the reading thread of a large file that needs no encoding detected
    /// (XML names its own, a workbook has none) before the file is fingerprinted, so that parsing
    /// and hashing overlap: the hash of a 663 MB SpreadsheetML register was 0.46 s before its
    /// first row (perf). The thread is stopped again when the file turns out loaded before or
    /// refused. Not for small files: started for every workbook of a national rerun, where every
    /// file is loaded before, the threads took the rerun from 0.65 to 2.7 s.
    func prepare(path: String, pipeline: PipelineDefinition, captures: [String: String], db: Database? = nil,
                 readingEarly: Bool = false) throws -> PreparedFile {
        let fileName = (path as NSString).lastPathComponent
        var prepared = PreparedFile(outcome: FileOutcome(path: path, fileName: fileName, source: pipeline.source, started: Timestamp.now()),
                                    pipeline: pipeline, fileValues: [], state: .ready(encoding: nil))
        do {
            prepared.fileValues = try Self.fileValues(captures: captures, dateCapture: pipeline.files.dateCapture)
            prepared.outcome.fileDate = pipeline.files.dateCapture.flatMap { name in prepared.fileValues.first { $0.0 == name } }.flatMap {
                if case let .text(date) = $0.1 { return date } else { return nil }
            }
            if readingEarly, db == nil, !pipeline.files.format.hasTextEncoding, let size = Self.size(ofFile: path),
               size >= earlyReadingBytes {
                prepared.outcome.size = size
                let outcome = prepared.outcome
                let early = try warehouse.pool.read { db in try self.producer(for: outcome, pipeline: pipeline, encoding: nil, db: db) }
                prepared.reading = ReadingThread(early, capacity: Self.readingCapacity)
            }
            let fingerprint = try FileFingerprint.compute(path: path, detectingEncoding: pipeline.files.format.hasTextEncoding)
            prepared.outcome.sha256 = fingerprint.sha256
            prepared.outcome.size = fingerprint.size
            let lookUp = { (db: Database) in try RunLedger.loadedFile(db, fileName: fileName, sha256: fingerprint.sha256) }
            if let earlier = try db.map(lookUp) ?? warehouse.pool.read(lookUp) {
                prepared.state = .duplicate
                prepared.outcome.status = .duplicate
                prepared.outcome.message = "already loaded as \(earlier.path) (etl_file \(earlier.id)); nothing to do"
                return prepared
            }
            // XML declares its own encoding, which libxml2 reads; a workbook is not text.
            let format = pipeline.files.format
            let encoding = format.hasTextEncoding ? try Self.encoding(of: fingerprint, policy: pipeline.files.encoding) : nil
            prepared.outcome.encoding = encoding?.rawValue ?? format.rawValue
            prepared.state = .ready(encoding: encoding)
        } catch let rejection as FileRejection {
            prepared.state = .refused(rejection)
        } catch let error as CSVError {
            // The inbox file itself could not be read (permissions, vanished): not a data problem.
            prepared.state = .refused(FileRejection(reason: error.description, line: nil))
        }
        if case .ready = prepared.state {} else {
            prepared.reading?.stop()
            prepared.reading = nil
        }
        return prepared
    }

    /// Batches the reading thread of the file being loaded may validate ahead of its staging.
    static let readingCapacity = 2
    /// The size from which a file's reading starts before its fingerprint (`prepare`).
    static let earlyReadingBytes = 32 << 20

    private static func size(ofFile path: String) -> Int? {
        var status = stat()
        return stat(path, &status) == 0 ? Int(status.st_size) : nil
    }

    private func stages(_ prepared: PreparedFile, readAhead: ReadAhead?) throws -> FileOutcome {
        var outcome = prepared.outcome
        let pipeline = prepared.pipeline
        do {
            switch prepared.state {
            case .duplicate:
                if let runID {
                    try warehouse.pool.write { db in _ = try RunLedger.insertFile(db, outcome, runID: runID) }
                }
                return outcome
            case let .refused(rejection):
                throw rejection
            case let .ready(encoding):
                try loadInOneTransaction(&outcome, pipeline: pipeline, fileValues: prepared.fileValues, encoding: encoding,
                                         reading: prepared.reading, readAhead: readAhead)
            }
        } catch let rejection as FileRejection {
            outcome.status = .rejected
            outcome.message = rejection.reason
            try recordRejectedFile(&outcome, pipeline: pipeline, rejection: rejection)
        }
        return outcome
    }

    // MARK: - The load transaction

    private func loadInOneTransaction(_ outcome: inout FileOutcome, pipeline: PipelineDefinition, fileValues: [(String, FieldValue)],
                                      encoding: DetectedEncoding?, reading: ReadingThread?, readAhead: ReadAhead?) throws {
        // Whatever happens (even a failure before any row is read), a thread started ahead has
        // stopped and closed the file by the time the file is reported finished.
        defer { reading?.stop() }
        let result = try warehouse.pool.writeWithoutTransaction { db -> FileOutcome in
            var loaded = outcome
            try db.inTransaction(.immediate) {
                let run = try runID ?? RunLedger.startRun(db, inbox: "(dry run)", versions: "{}")
                let fileID = try RunLedger.insertFile(db, loaded, runID: run)
                let writer = try StagingWriter(db: db, pipeline: pipeline, fileID: fileID, fileValues: fileValues)
                try readRecords(db, &loaded, pipeline: pipeline, encoding: encoding, runID: run, fileID: fileID, writer: writer,
                                reading: reading, readAhead: readAhead)
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
            if commits { referenceSets.fileCommitted(pipeline: pipeline) }
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
        // A cursor, not an array: a register full of repeated rows must not be held in memory.
        let rejects = try Row.fetchCursor(db, sql: "SELECT line, field, value, reason FROM temp.transform_reject ORDER BY line")
        while let row = try rejects.next() {
            let reject = RowReject(line: row["line"], field: row["field"], value: row["value"], reason: row["reason"])
            // The raw record is the staged row (the transform sees typed values, not the file's text).
            let staged = try Row.fetchOne(db, sql: "SELECT * FROM \(staging.quotedDatabaseIdentifier) WHERE etl_file_id = ? AND line = ?", arguments: [fileID, reject.line])
            let raw = staged.map { row in row.columnNames.filter { $0 != "etl_file_id" && $0 != "line" }.map { CSVText.quoted((row[$0] as DatabaseValue).text ?? "") }.joined(separator: ",") }
            try RunLedger.insertReject(db, runID: runID, fileID: fileID, file: outcome.fileName, reject: reject, raw: raw)
            onReject?(reject)
            if outcome.sampleRejects.count < Self.sampleRejectLimit { outcome.sampleRejects.append(reject) }
        }
        let lines = try Int.fetchOne(db, sql: "SELECT count(DISTINCT line) FROM temp.transform_reject") ?? 0
        outcome.rowsLoaded -= lines
        outcome.rowsRejected += lines
    }

    /// The reading thread's work for a file: its reader, rules and reference sets.
    func producer(for outcome: FileOutcome, pipeline: PipelineDefinition, encoding: DetectedEncoding?, db: Database) throws -> RecordProducer {
        RecordProducer(
            path: outcome.path, fileSize: outcome.size, pipeline: pipeline, encoding: encoding, projectRoot: projectRoot,
            pseudonymiser: pipeline.columns.contains { $0.type == .pseudonym } ? try Pseudonymiser.fromEnvironment() : nil,
            references: try referenceSets.sets(db, for: pipeline))
    }

    /// Reads every record: a ``RecordProducer`` finds the header and validates rows on a thread of
    /// its own (`reading`, when it was started ahead); here, on the connection's thread, each valid
    /// row is staged (when `writer` is given) and each refused one recorded as a reject. Once this
    /// file's thread is running, `readAhead` starts the next file's.
    private func readRecords(_ db: Database, _ outcome: inout FileOutcome, pipeline: PipelineDefinition, encoding: DetectedEncoding?,
                             runID: Int64, fileID: Int64, writer: StagingWriter?, reading: ReadingThread? = nil, readAhead: ReadAhead? = nil) throws {
        let reading = try reading ?? ReadingThread(producer(for: outcome, pipeline: pipeline, encoding: encoding, db: db), capacity: Self.readingCapacity)
        // Whatever ends this loop, the reading thread stops and closes the file before the
        // transaction does.
        defer { reading.stop() }
        readAhead?.start(db, loader: self, current: pipeline)
        // Only staged rows can be compared, so a replay of a refused file does not check `unique`.
        var repeats = try writer.flatMap { _ in try RepeatedRowCheck(db: db, pipeline: pipeline) }
        var lastProgress = 0
        while true {
            switch reading.messages.take() {
            case let .header(binding):
                outcome.ignoredColumns = binding.ignored
            case var .batch(batch):
                try stage(batch, &outcome, db: db, runID: runID, fileID: fileID, writer: writer, repeats: &repeats)
                if let progress, batch.bytesRead - lastProgress >= 8 << 20 {
                    lastProgress = batch.bytesRead
                    progress(outcome.fileName, outcome.rowsRead, batch.bytesRead)
                }
                batch.removeAll()
                // Never waits: once the reading thread has finished, nothing takes batches back.
                _ = reading.recycled.offer(batch)
            case let .finished(lastLine, keys):
                if outcome.rowsRead == 0 {
                    throw FileRejection(reason: "the file has no records; a real export always has some, so nothing was loaded", line: lastLine == 0 ? nil : lastLine)
                }
                if let repeats {
                    let refused = try repeats.refuseRepeats(db, fileID: fileID, keys: keys) { _, reject, raw in
                        try self.reject(reject, raw: raw, &outcome, db: db, runID: runID, fileID: fileID)
                    }
                    outcome.rowsLoaded -= refused
                    outcome.rowsRejected += refused
                }
                return
            case let .failed(error):
                throw error
            }
        }
    }

    /// Stages a batch's valid rows and records its refused ones.
    private func stage(_ batch: ValidatedBatch, _ outcome: inout FileOutcome, db: Database, runID: Int64, fileID: Int64,
                       writer: StagingWriter?, repeats: inout RepeatedRowCheck?) throws {
        if let writer {
            try batch.withUnsafeRows { lines, slots, text in
                defer { writer.releaseText() }
                let width = batch.width
                outcome.rowsRead += lines.count
                outcome.rowsLoaded += lines.count
                try writer.insert(lines: lines, slots: slots, text: text) { row, constraint in
                    // Validation lets through only rows the table accepts; this is the safety net.
                    outcome.rowsLoaded -= 1
                    outcome.rowsRejected += 1
                    let values = slots[row * width ..< (row + 1) * width]
                    let raw = values.map { CSVText.quoted(batch.text(of: $0) ?? "") }.joined(separator: ",")
                    try reject(RowReject(line: lines[row], field: nil, value: nil, reason: "the warehouse refused the row: \(constraint)"),
                               raw: raw, &outcome, db: db, runID: runID, fileID: fileID)
                }
                for flagged in batch.possibleRepeats {
                    let values = UnsafeBufferPointer(rebasing: slots[flagged.row * width ..< (flagged.row + 1) * width])
                    try repeats?.remember(line: lines[flagged.row], hash: flagged.hash, values: values, text: text, raw: flagged.raw, as: writer)
                }
            }
        } else {
            outcome.rowsRead += batch.lines.count
        }
        for record in batch.refused {
            outcome.rowsRead += 1
            outcome.rowsRejected += 1
            for problem in record.problems {
                try reject(RowReject(line: record.line, field: problem.field, value: problem.value, reason: problem.reason),
                           raw: record.raw, &outcome, db: db, runID: runID, fileID: fileID)
            }
        }
    }

    private func reject(_ reject: RowReject, raw: String?, _ outcome: inout FileOutcome, db: Database, runID: Int64, fileID: Int64) throws {
        try RunLedger.insertReject(db, runID: runID, fileID: fileID, file: outcome.fileName, reject: reject, raw: raw)
        onReject?(reject)
        if outcome.sampleRejects.count < Self.sampleRejectLimit { outcome.sampleRejects.append(reject) }
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
struct FileRejection: Error, Sendable {
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
