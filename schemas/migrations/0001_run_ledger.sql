-- The run ledger: every run, every file it looked at, and every row it refused.
-- Operations read it through `enthuse status`; finance and analysts through `enthuse rejects`.

-- One row per `enthuse run`.
CREATE TABLE etl_run (
    id          INTEGER PRIMARY KEY,
    started     TEXT NOT NULL,                 -- ISO-8601 UTC timestamp, e.g. 2026-11-29T02:00:01Z
    finished    TEXT,                          -- NULL while running or when the process died
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'succeeded', 'completed_with_rejects', 'failed')),
    exit_code   INTEGER,
    versions    TEXT NOT NULL,                 -- JSON: tool version, schema version, pipeline file hashes
    inbox       TEXT NOT NULL,
    message     TEXT
);

-- One row per file a run finished with. 'superseded' marks a loaded file whose rows a later
-- delivery replaced (a corrected snapshot of the same date, say). A loaded file's row is written in the same transaction
-- as its data, so a row here always means the data is there (and the converse).
CREATE TABLE etl_file (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES etl_run(id),
    path          TEXT NOT NULL,               -- as found in the inbox
    file_name     TEXT NOT NULL,
    source        TEXT NOT NULL,               -- the pipeline that claimed it
    file_date     TEXT,                        -- the date in the file name, ISO-8601
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    size          INTEGER NOT NULL CHECK (size >= 0),
    encoding      TEXT,                        -- 'utf-8', 'utf-8-bom' or 'windows-1252'
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_loaded   INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('loaded', 'superseded', 'duplicate', 'rejected')),
    message       TEXT,
    started       TEXT NOT NULL,
    finished      TEXT NOT NULL,
    CHECK (rows_loaded + rows_rejected <= rows_read)
);
CREATE INDEX etl_file_sha256 ON etl_file(sha256, file_name);
CREATE INDEX etl_file_source ON etl_file(source, file_date);
CREATE INDEX etl_file_run ON etl_file(run_id);

-- One row per refused row (or per refused file, with line NULL). `raw` is the record's text as
-- it stood in the file, with personal data masked.
CREATE TABLE etl_reject (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES etl_run(id),
    file_id  INTEGER REFERENCES etl_file(id),
    file     TEXT NOT NULL,
    line     INTEGER,
    field    TEXT,
    value    TEXT,
    reason   TEXT NOT NULL,
    raw      TEXT
);
CREATE INDEX etl_reject_run ON etl_reject(run_id);
CREATE INDEX etl_reject_file ON etl_reject(file_id);
