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
final class WALCheckpointer: @unchecked Sendable {
    /// Log frames (pages) that wake the thread: 32 MB at the warehouse's 16 KiB pages.
    static let framesPerCheckpoint = 2_000

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
            while !requested && !stopping { condition.wait() }
            let (checkpoint, stop) = (requested, stopping)
            requested = false
            condition.unlock()
            // A checkpoint that fails (the disk full, say) leaves the frames in the log, where
            // readers still find them; the next one, or the last connection's close, copies them.
            if checkpoint { _ = try? connection.writeWithoutTransaction { try $0.checkpoint(.passive) } }
            if stop { break }
        }
        stopped.signal()
    }
}
