import Foundation
import GRDB
import GRDBSQLite

/// Copies the warehouse's write-ahead log into the warehouse file on a thread of its own, while a
/// run goes on loading.
///
/// Left to SQLite, the checkpoint runs inside the commit that takes the log past its limit, on the
/// loading thread: the national nightly's 20-odd checkpoints (each copying up to 160 MB and
/// syncing the file) were 2.5–3 s of its loads (the loads' sum 27.0 s with none against 29.3–
/// 30.3 s). Here the loading connection's commits only count the log's frames (its WAL hook, which
/// replaces SQLite's automatic checkpoint) and, past ``framesPerCheckpoint``, wake this thread,
/// which checkpoints from a connection of its own in SQLite's passive mode: it copies what is
/// committed without ever blocking the writer, which goes on appending meanwhile, and the log
/// starts again from its beginning at the first commit after a checkpoint has caught up.
///
/// Meanwhile it flushes the log to the disk as it grows (``flushBytes``): a checkpoint first
/// syncs the log, and this virtual disk's sync costs with the bytes written since the last one,
/// whenever they were written (Python, 90 MB: 0.12–0.16 s, 0.13 s after early `sync_file_range`
/// writeback, 0.01 s after `fdatasync` every 50 ms while writing). A million-row register's
/// 87 MB of log, spilled during its one transaction, were 0.22–0.26 s of sync after its commit
/// (`strace -T`), on the critical path.
final class WALCheckpointer: @unchecked Sendable {
    /// Log frames (pages) that wake the thread: 32 MB at the warehouse's 16 KiB pages.
    static let framesPerCheckpoint = 2_000
    /// Growth of the log that the thread syncs, looking every ``flushInterval`` seconds.
    static let flushBytes = 8 << 20
    static let flushInterval = 0.1

    private let walPath: String
    private var flushedBytes = 0

    private let connection: DatabaseQueue
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)

    /// Opens a connection of its own to the warehouse at `path` and starts the thread.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "enthuse.checkpoint"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        walPath = path + "-wal"
        let thread = Thread { [self] in run() }
        thread.name = "enthuse.checkpoint"
        thread.start()
    }

    /// Hands the checkpoints of `db` (the loading connection) to the thread until ``stop(_:)``.
    func watch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, frames in
            Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue().committed(frames: Int(frames))
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Gives `db` back SQLite's own automatic checkpoint and stops the thread once the checkpoint
    /// last asked for is done. (The last connection to close checkpoints what is left.)
    func stop(_ db: Database) {
        sqlite3_wal_autocheckpoint(db.sqliteConnection, Int32(Warehouse.checkpointPages))
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        stopped.wait()
    }

    /// After each commit of the loading connection, with the number of frames in the log.
    private func committed(frames: Int) {
        guard frames >= Self.framesPerCheckpoint else { return }
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopping {
                if !condition.wait(until: Date(timeIntervalSinceNow: Self.flushInterval)) { break }
            }
            let (checkpoint, stop) = (requested, stopping)
            requested = false
            condition.unlock()
            // A checkpoint that fails (the disk full, say) leaves the frames in the log, where
            // readers still find them; the next one, or the last connection's close, copies them.
            if checkpoint {
                _ = try? connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
                flushedBytes = 0
            } else if !stop {
                flushLogIfGrown()
            }
            if stop { break }
        }
        stopped.signal()
    }

    /// Syncs the log once it has ``flushBytes`` more than at the last sync. Only ever makes what is
    /// written durable sooner: a failure (no log yet, say) is left to the checkpoint's own sync.
    private func flushLogIfGrown() {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return }
        let size = Int(status.st_size)
        // The log starts again from its beginning after a checkpoint; SQLite may also truncate it.
        if size < flushedBytes { flushedBytes = 0 }
        guard size - flushedBytes >= Self.flushBytes, fdatasync(descriptor) == 0 else { return }
        flushedBytes = size
    }
}
