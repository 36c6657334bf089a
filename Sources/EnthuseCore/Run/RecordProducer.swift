import Foundation

/// The extract and validate stages of one file, on a thread of their own, while the loading thread
/// inserts the batches they have finished.
///
/// A perf profile of a 1,000,000-row register showed reading and validating taking about as long
/// as SQLite's inserts, one after the other on one core; on two cores they now overlap. The
/// producer owns the file and its reader; it shares nothing with the loading thread except the
/// messages it sends through a ``HandOff``, which is bounded, so memory stays flat.
struct RecordProducer: Sendable {
    enum Message: Sendable {
        /// The header was found and bound (always the first message of a readable file).
        case header(HeaderBinding)
        case batch(ValidatedBatch)
        /// The end of the file; `lastLine` is the line the last record started on (0 for none),
        /// `keys` the valid rows' key hashes when the pipeline has a `unique` rule.
        case finished(lastLine: Int, keys: RowKeyLog?)
        /// Reading stopped: a ``FileRejection`` for a problem with the file, else the error itself.
        case failed(any Error)
    }

    let path: String
    /// The file's size in bytes, which sizes the `unique` rule's filter.
    let fileSize: Int
    let pipeline: PipelineDefinition
    let encoding: DetectedEncoding?
    let projectRoot: URL
    let pseudonymiser: Pseudonymiser?
    let references: [String: ReferenceSet]

    /// Starts reading on a new thread. Wait on the returned semaphore before the file's
    /// transaction ends: it is signalled when the thread has stopped and closed the file.
    ///
    /// Batches the loading thread has finished with come back through `recycled` and are refilled.
    func start(into handOff: HandOff<Message>, recycled: HandOff<ValidatedBatch>) -> DispatchSemaphore {
        let stopped = DispatchSemaphore(value: 0)
        let thread = Thread {
            run(into: handOff, recycled: recycled)
            stopped.signal()
        }
        thread.name = "enthuse.read"
        thread.stackSize = 4 << 20
        thread.start()
        return stopped
    }

    private func run(into handOff: HandOff<Message>, recycled: HandOff<ValidatedBatch>) {
        do {
            // One call per concrete reader, so that `produce` is specialised for each: through an
            // existential, every field paid for generic metadata lookups and unspecialised
            // closures (~8% of a perf profile of a 1,000,000-row register).
            switch pipeline.files.format {
            case .csv:
                try produce(from: CSVRecordSource(path: path, encoding: encoding ?? .utf8), into: handOff, recycled: recycled)
            case .xml:
                let schema = try pipeline.files.schema.map { try SchemaCache.schema(path: projectRoot.appendingPathComponent($0).path) }
                try produce(from: XMLRecordSource(path: path, schema: schema, recordElement: pipeline.files.record!, fieldPaths: pipeline.columns.map(\.header)), into: handOff, recycled: recycled)
            case .spreadsheetml:
                try produce(from: SpreadsheetMLRecordSource(path: path), into: handOff, recycled: recycled)
            case .xlsx:
                try produce(from: XLSXRecordSource(path: path), into: handOff, recycled: recycled)
            }
        } catch {
            _ = handOff.put(.failed(Self.rejection(for: error)))
        }
    }

    /// Reads, validates and batches every record of `source`.
    private func produce<Source: RecordSource>(from source: Source, into handOff: HandOff<Message>, recycled: HandOff<ValidatedBatch>) throws {
        let binding = try findHeader(source)
        guard handOff.put(.header(binding)) else { return }
        var validator = try RowValidator(pipeline: pipeline, binding: binding, pseudonymiser: pseudonymiser, references: references)
        var batch = ValidatedBatch(width: pipeline.columns.count)
        let uniqueColumns = pipeline.unique.compactMap { name in pipeline.columns.firstIndex { $0.name == name } }
        var seen = uniqueColumns.isEmpty ? nil : RepeatFilter(fileSize: fileSize)
        let keys = uniqueColumns.isEmpty ? nil : RowKeyLog()
        while try source.next() {
            if validator.validate(source, into: &batch) {
                if seen != nil {
                    let hash = batch.hashOfLastRow(columns: uniqueColumns)
                    keys?.append(line: source.line, hash: hash)
                    if seen!.insert(hash) { batch.flagLastRow(raw: Self.rawText(source, binding: binding), hash: hash) }
                }
            } else {
                batch.refuse(.init(line: source.line, problems: validator.problems, raw: Self.rawText(source, binding: binding)))
            }
            if batch.isFull {
                batch.bytesRead = source.bytesRead
                guard handOff.put(.batch(batch)) else { return }
                batch = recycled.poll() ?? ValidatedBatch(width: pipeline.columns.count)
            }
        }
        if batch.recordCount > 0 {
            batch.bytesRead = source.bytesRead
            guard handOff.put(.batch(batch)) else { return }
        }
        keys?.flush()
        _ = handOff.put(.finished(lastLine: source.line, keys: keys))
    }

    /// A reader's error as the rejection of the whole file it means.
    private static func rejection(for error: any Error) -> any Error {
        switch error {
        case let error as CSVError:
            return FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.line)
        case let error as XMLReadError:
            return FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.line)
        case let error as SpreadsheetError:
            return FileRejection(reason: error.description + " Nothing of the file was loaded.", line: error.row ?? error.line)
        default:
            return error
        }
    }

    /// The header is fixed by the format (XML field paths), or it is the first record that
    /// carries every column the pipeline needs; title and blank rows above it are skipped (up to
    /// 20 of them).
    private func findHeader(_ source: some RecordSource) throws -> HeaderBinding {
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

    /// The record as it stood in the file, personal-data fields masked.
    private static func rawText(_ source: some RecordSource, binding: HeaderBinding) -> String {
        if !binding.personalIndexes.isEmpty && source.fieldCount != binding.width {
            return "«withheld: the record's fields do not line up with the header, so its personal-data columns cannot be masked; see the quarantined file»"
        }
        return source.rawText(masking: binding.personalIndexes)
    }
}
