import Foundation
import GRDB

/// A file's reading thread (a ``RecordProducer``) and the queues between it and the loading
/// thread. Used from the loading thread only.
final class ReadingThread {
    let messages: HandOff<RecordProducer.Message>
    let recycled: HandOff<ValidatedBatch>
    private var running: DispatchSemaphore?

    /// Starts `producer`, which may run up to `capacity` batches ahead of the loading thread.
    init(_ producer: RecordProducer, capacity: Int) {
        messages = HandOff(capacity: capacity)
        recycled = HandOff(capacity: 4)
        running = producer.start(into: messages, recycled: recycled)
    }

    /// Stops the thread if it is still reading and waits until it has closed the file; the
    /// file's transaction must not end before. Later calls do nothing.
    func stop() {
        guard let running else { return }
        messages.cancel()
        running.wait()
        self.running = nil
    }

    /// A file dropped unloaded (the run failed before its turn) still has its thread stopped.
    deinit {
        stop()
    }
}

/// A file up to its transaction: what its name says, its fingerprint, whether it was loaded
/// before, its encoding — and, when it was read ahead, its reading thread, already started.
struct PreparedFile {
    enum State {
        /// Loaded before (same name and SHA-256); `outcome.message` says as what.
        case duplicate
        case ready(encoding: DetectedEncoding?)
        /// Refused before any row was read (an unreadable file, a bad date in its name, …).
        case refused(FileRejection)
    }

    var outcome: FileOutcome
    var pipeline: PipelineDefinition
    var fileValues: [(String, FieldValue)]
    var state: State
    var reading: ReadingThread?
}

/// The file after the one being loaded, read and validated on a thread of its own while the
/// loading thread is still staging and transforming the file before it.
///
/// On two cores, one thread parses (and for workbooks, another unpacks) while the loading thread
/// runs SQL: a perf profile of the national nightly's 420 small registers had the loading
/// thread idle for 60–80% of their time, waiting for the parsers of the file at hand, and the
/// second core idle while it ran each file's transform. A file is read ahead only when the file
/// before it cannot change what it is validated against (``ReferenceSetCache/isUnaffected(_:by:_:)``);
/// otherwise it is read when its turn comes, as before.
final class ReadAhead {
    let file: ClaimedFile
    private(set) var prepared: PreparedFile?

    /// Batches the thread may validate before the loading thread takes them: a national
    /// register of ~2,300 rows is read whole while the file before it finishes.
    static let capacity = 4

    init(file: ClaimedFile) {
        self.file = file
    }

    /// Prepares the file and starts its reading thread, once, unless the file being loaded (of
    /// `current`) may change the sets it is validated against. Runs on the loading thread, in
    /// that file's transaction.
    ///
    /// Never throws: an error here (no pseudonym key, say) belongs to the next file, not to the
    /// one loading, so the next file is then prepared in its turn, where the error is met again
    /// and reported as that file's.
    func start(_ db: Database, loader: FileLoader, current: PipelineDefinition) {
        guard prepared == nil, (try? loader.referenceSets.isUnaffected(file.pipeline, by: current, db)) == true,
              var next = try? loader.prepare(path: file.path, pipeline: file.pipeline, captures: file.captures, db: db) else { return }
        if case let .ready(encoding) = next.state {
            guard let producer = try? loader.producer(for: next.outcome, pipeline: file.pipeline, encoding: encoding, db: db) else { return }
            next.reading = ReadingThread(producer, capacity: Self.capacity)
        }
        prepared = next
    }
}
