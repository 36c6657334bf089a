import GRDB
import GRDBSQLite

/// The exact half of a pipeline's `unique` rule. Rows the reading thread's ``RepeatFilter``
/// flagged as maybe repeating an earlier row are kept in `temp.possible_repeat` with their key and
/// raw text; once the file is staged, one pass over its staged rows finds which flagged rows an
/// earlier line really has the same key as. Those rows leave staging and become rejects naming
/// that line; the first listing stands.
struct RepeatedRowCheck {
    private let staging: String
    private let keyNames: [String]
    /// Positions of the key columns among the pipeline's columns (and a batch row's slots).
    private let keyPositions: [Int]
    private let insert: Statement
    private(set) var flagged = 0

    /// Nil when the pipeline has no `unique` rule.
    init?(db: Database, pipeline: PipelineDefinition) throws {
        guard !pipeline.unique.isEmpty else { return nil }
        staging = pipeline.staging
        keyNames = pipeline.unique
        keyPositions = pipeline.unique.map { name in pipeline.columns.firstIndex { $0.name == name }! }
        let keys = keyNames.indices.map { "key\($0)" }
        try db.execute(sql: """
            DROP TABLE IF EXISTS temp.possible_repeat;
            CREATE TEMP TABLE possible_repeat (line INTEGER PRIMARY KEY, raw TEXT, \(keys.joined(separator: ", ")));
            CREATE INDEX temp.possible_repeat_key ON possible_repeat (\(keys.joined(separator: ", ")), line);
            """)
        insert = try db.makeStatement(sql: "INSERT INTO temp.possible_repeat VALUES (?, ?, \(keys.map { _ in "?" }.joined(separator: ", ")))")
    }

    /// Keeps a flagged row's key (read from its batch slots, in the form `writer` stages it) and
    /// raw text.
    mutating func remember(line: Int, values: UnsafeBufferPointer<ValidatedBatch.Slot>, text: UnsafeBufferPointer<UInt8>, raw: String,
                           as writer: StagingWriter) throws {
        let handle = insert.sqliteStatement
        sqlite3_bind_int64(handle, 1, Int64(line))
        sqlite3_bind_text(handle, 2, raw, -1, sqliteTransient)
        for (offset, position) in keyPositions.enumerated() {
            try writer.bind(values[position], column: position, at: Int32(3 + offset), in: handle, text: text)
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: insert.sql)
        }
        flagged += 1
    }

    /// Takes every flagged row that repeats an earlier line out of staging; `refuse` is called for
    /// each with its line, the earlier line and its raw text. Returns how many were refused.
    func refuseRepeats(_ db: Database, fileID: Int64, refuse: (_ line: Int, _ reject: RowReject, _ raw: String?) throws -> Void) throws -> Int {
        guard flagged > 0 else { return 0 }
        // The staged rows drive the loop (CROSS JOIN fixes the order), each probing the small
        // index of flagged keys: one pass over the file instead of a pass per flagged row.
        let matches = keyNames.enumerated().map { "c.key\($0.offset) IS s.\($0.element.quotedDatabaseIdentifier)" }.joined(separator: " AND ")
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS repeated_row (line INTEGER PRIMARY KEY, first_line INTEGER NOT NULL, raw TEXT);
            DELETE FROM temp.repeated_row;
            INSERT INTO temp.repeated_row (line, first_line, raw)
            SELECT c.line, min(s.line), c.raw
            FROM \(staging.quotedDatabaseIdentifier) s CROSS JOIN temp.possible_repeat c ON \(matches) AND c.line > s.line
            WHERE s.etl_file_id = ?
            GROUP BY c.line;
            DELETE FROM \(staging.quotedDatabaseIdentifier) WHERE etl_file_id = ? AND line IN (SELECT line FROM temp.repeated_row);
            """, arguments: [fileID, fileID])
        let columns = keyNames.count == 1 ? keyNames[0] : keyNames.dropLast().joined(separator: ", ") + " and " + keyNames.last!
        let repeats = try Row.fetchCursor(db, sql: "SELECT line, first_line, raw FROM temp.repeated_row ORDER BY line")
        while let row = try repeats.next() {
            let line: Int = row["line"], first: Int = row["first_line"]
            try refuse(line, RowReject(line: line, field: nil, value: nil,
                                       reason: "the same \(columns) as line \(first); each may appear only once in a file, so the first stands and this row was not loaded"),
                       row["raw"])
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.repeated_row") ?? 0
    }
}
