import GRDB
import GRDBSQLite

/// The exact half of a pipeline's `unique` rule. Rows the reading thread's ``RepeatFilter``
/// flagged as maybe repeating an earlier row are kept in `temp.possible_repeat` with their key and
/// raw text; once the file is staged, the staged rows whose key hash a flagged row shares (from
/// the reading thread's ``RowKeyLog``) are compared with them, to find which flagged rows an
/// earlier line really has the same key as. Those rows leave staging and become rejects naming
/// that line; the first listing stands. Without a log, or past ``hashLimit`` flagged rows, every
/// staged row of the file is compared, in one pass.
struct RepeatedRowCheck {
    /// Flagged rows whose hashes are kept in memory (512 KiB at most): a 5,000,000-row register
    /// flags ~47,000; a file that repeats most of its rows is compared row by row.
    static let hashLimit = 65_536
    private let staging: String
    private let keyNames: [String]
    /// Positions of the key columns among the pipeline's columns (and a batch row's slots).
    private let keyPositions: [Int]
    private let insert: Statement
    private(set) var flagged = 0
    private let hashLimit: Int
    /// The flagged rows' key hashes, until there are more than `hashLimit`. (An array, sorted
    /// once for the lookups: as a `Set` it took a 5,000,000-row load's peak 1 MiB higher.)
    private var flaggedHashes: [UInt64]? = []

    /// Nil when the pipeline has no `unique` rule.
    init?(db: Database, pipeline: PipelineDefinition, hashLimit: Int = Self.hashLimit) throws {
        guard !pipeline.unique.isEmpty else { return nil }
        self.hashLimit = hashLimit
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
    mutating func remember(line: Int, hash: UInt64, values: UnsafeBufferPointer<ValidatedBatch.Slot>, text: UnsafeBufferPointer<UInt8>, raw: String,
                           as writer: StagingWriter) throws {
        let handle = insert.sqliteStatement
        sqlite3_bind_int64(handle, 1, Int64(line))
        sqlite3_bind_text(handle, 2, raw, -1, sqliteTransient)
        for (offset, position) in keyPositions.enumerated() {
            // A key with no staged form was refused by the writer too: nothing to compare.
            guard try writer.bind(values[position], column: position, at: Int32(3 + offset), in: handle, text: text) else { return }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: insert.sql)
        }
        flagged += 1
        flaggedHashes?.append(hash)
        if flagged > hashLimit { flaggedHashes = nil }
    }

    /// Takes every flagged row that repeats an earlier line out of staging; `refuse` is called for
    /// each with its line, the earlier line and its raw text. Returns how many were refused.
    func refuseRepeats(_ db: Database, fileID: Int64, keys: RowKeyLog?, refuse: (_ line: Int, _ reject: RowReject, _ raw: String?) throws -> Void) throws -> Int {
        guard flagged > 0 else { return 0 }
        // The staged rows drive the loop (CROSS JOIN fixes the order), each probing the small
        // index of flagged keys: one pass over the rows instead of a pass per flagged row. The
        // rows are those of the file whose key hash a flagged row shares, when the log names them.
        let staged: String
        if let keys, let flaggedHashes, try candidates(db, keys: keys, hashes: flaggedHashes) {
            staged = "temp.repeat_candidate k CROSS JOIN \(staging.quotedDatabaseIdentifier) s ON s.line = k.line"
        } else {
            staged = "\(staging.quotedDatabaseIdentifier) s"
        }
        let matches = keyNames.enumerated().map { "c.key\($0.offset) IS s.\($0.element.quotedDatabaseIdentifier)" }.joined(separator: " AND ")
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS repeated_row (line INTEGER PRIMARY KEY, first_line INTEGER NOT NULL, raw TEXT);
            DELETE FROM temp.repeated_row;
            INSERT INTO temp.repeated_row (line, first_line, raw)
            SELECT c.line, min(s.line), c.raw
            FROM \(staged) CROSS JOIN temp.possible_repeat c ON \(matches) AND c.line > s.line
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

    /// Fills `temp.repeat_candidate` with the lines of the rows whose key hash is in `hashes`;
    /// false when the log cannot name them all.
    private func candidates(_ db: Database, keys: RowKeyLog, hashes: [UInt64]) throws -> Bool {
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS repeat_candidate (line INTEGER PRIMARY KEY);
            DELETE FROM temp.repeat_candidate;
            """)
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO temp.repeat_candidate (line) VALUES (?)")
        return try keys.lines(withHashIn: hashes) { line in try insert.execute(arguments: [line]) }
    }
}
