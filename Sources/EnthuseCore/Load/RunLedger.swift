import Foundation
import GRDB

/// Writes the run ledger (`etl_run`, `etl_file`, `etl_reject`): what each run did to each file.
enum RunLedger {
    /// Starts a run and commits it at once, so a run that dies still shows as started.
    ///
    /// Called under the run lock, so a run still marked running is one whose process died: it is
    /// closed as failed (its unfinished file was rolled back by SQLite).
    static func startRun(_ db: Database, inbox: String, versions: String) throws -> Int64 {
        try db.execute(sql: """
            UPDATE etl_run SET status = 'failed',
                   message = 'the run ended without finishing (killed or crashed); the file it was loading was rolled back'
            WHERE status = 'running'
            """)
        try db.execute(sql: "INSERT INTO etl_run (started, status, versions, inbox) VALUES (?, 'running', ?, ?)",
                       arguments: [Timestamp.now(), versions, inbox])
        return db.lastInsertedRowID
    }

    static func finishRun(_ db: Database, id: Int64, status: String, exitCode: Int32, message: String?) throws {
        try db.execute(sql: "UPDATE etl_run SET finished = ?, status = ?, exit_code = ?, message = ? WHERE id = ?",
                       arguments: [Timestamp.now(), status, exitCode, message, id])
    }

    /// The loaded (or since superseded) file with this name and content, if any: such a file is
    /// skipped. The name matters as well as the content because it carries the file's date: the
    /// same bytes delivered as a later snapshot are a new observation, not a repeat.
    static func loadedFile(_ db: Database, fileName: String, sha256: String) throws -> (id: Int64, path: String)? {
        try Row.fetchOne(db, sql: """
            SELECT id, path FROM etl_file
            WHERE sha256 = ? AND file_name = ? AND status IN ('loaded', 'superseded') ORDER BY id LIMIT 1
            """, arguments: [sha256, fileName]).map { ($0["id"], $0["path"]) }
    }

    static func insertFile(_ db: Database, _ file: FileOutcome, runID: Int64) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO etl_file (run_id, path, file_name, source, file_date, sha256, size, encoding,
                                  rows_read, rows_loaded, rows_rejected, status, message, started, finished)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, file.path, file.fileName, file.source, file.fileDate, file.sha256, file.size,
                             file.encoding, file.rowsRead, file.rowsLoaded, file.rowsRejected, file.status.rawValue,
                             file.message, file.started, Timestamp.now()])
        return db.lastInsertedRowID
    }

    /// Writes the file's final counts. A status of 'superseded' set by its own transform (a newer
    /// delivery for the same period was already there) is kept.
    static func updateCounts(_ db: Database, fileID: Int64, _ file: FileOutcome) throws {
        try db.execute(sql: """
            UPDATE etl_file SET rows_read = ?, rows_loaded = ?, rows_rejected = ?,
                                status = CASE status WHEN 'superseded' THEN status ELSE ? END, message = ?,
                                encoding = ?, finished = ? WHERE id = ?
            """, arguments: [file.rowsRead, file.rowsLoaded, file.rowsRejected, file.status.rawValue, file.message,
                             file.encoding, Timestamp.now(), fileID])
    }

    /// Records one refused row (or, with no line, a refused file). Anything in the value or the raw
    /// text that looks like an e-mail address is masked, whichever column it stood in.
    static func insertReject(_ db: Database, runID: Int64, fileID: Int64, file: String, reject: RowReject, raw: String?) throws {
        try db.cachedStatement(sql: "INSERT INTO etl_reject (run_id, file_id, file, line, field, value, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [runID, fileID, file, reject.line, reject.field, reject.value.map(Pseudonymiser.maskingEmails),
                                 Pseudonymiser.maskingEmails(in: reject.reason), raw.map(Pseudonymiser.maskingEmails)])
    }
}

/// UTC timestamps as ISO-8601 text (`2026-11-30T00:15:21Z`), SQLite's own convention.
///
/// Written from the C clock rather than with Foundation's `.iso8601` format style, which loads
/// ICU's time-zone, calendar and locale data on first use: with it, ICU's data was 2.3 MiB of a
/// run's resident memory (`/proc/PID/smaps`), for the one timestamp a file needs.
enum Timestamp {
    static func now() -> String {
        text(secondsSinceEpoch: Int(time(nil)))
    }

    static func text(secondsSinceEpoch seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        // The clock reads a year from 1 to 9999, every one of which `ISODate` holds.
        let date = ISODate(daysSinceEpoch: days)!
        return date.text + "T" + LocalDateTime.timeText(secondsOfDay: seconds - days * 86_400) + "Z"
    }
}
