-- Attendance staging packed (issue 7). A staged register row was ~210 bytes: 64 hex digits of
-- pseudonym and the same school names, activity codes and titles written out on row after row.
-- Every byte is built into a record, written to the write-ahead log and copied again into the
-- file at the checkpoint: a 1,000,000-row register made 228 MB of warehouse and loaded in
-- 6.5–7.0 s; packed, 81 MB in 4.7–5.2 s (prototype, same binary, alternated runs).
--   * stg_dictionary holds each file's repeated text once, numbered; a `dictionary: true` column
--     (pipelines/README.md) stores the number, or the text itself past 4,096 distinct values;
--   * participant_key is the pseudonym's 32 bytes, not its 64 hex digits;
--   * stg_attendance is now a view that shows the packed rows as they were before, column for
--     column, so fct_attendance and anyone reading staging see the same values.
-- Rows already loaded are carried over: their text stays as text, their pseudonyms become bytes.

CREATE TABLE stg_dictionary (
    etl_file_id INTEGER NOT NULL REFERENCES etl_file(id),
    id          INTEGER NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (etl_file_id, id)
) WITHOUT ROWID;

-- The dictionary columns have no declared type, hence no affinity: SQLite keeps a number as a
-- number and text as text, so a school named "1066" is never taken for the number of a text.
-- etl_file_id declares no REFERENCES: SQLite checks a foreign key on every row it inserts, 0.5 s
-- of CPU in a 1,000,000-row load (user time, three alternated runs each), and the loader only
-- ever writes the id of the etl_file row it inserted in the same transaction.
CREATE TABLE stg_attendance_packed (
    etl_file_id     INTEGER NOT NULL,
    line            INTEGER NOT NULL,
    session_date    TEXT NOT NULL,
    urn             INTEGER NOT NULL,
    school_name,
    participant_key BLOB NOT NULL,  -- 32 bytes: the loader refuses any other (cheaper than a CHECK)
    role,
    activity_code   NOT NULL,
    activity_title,
    activity_type   NOT NULL,
    subject,
    hours           REAL NOT NULL CHECK (hours >= 0 AND hours <= 24),
    attended        INTEGER NOT NULL CHECK (attended IN (0, 1)),
    PRIMARY KEY (etl_file_id, line)
) WITHOUT ROWID;

INSERT INTO stg_attendance_packed (etl_file_id, line, session_date, urn, school_name, participant_key, role,
                                   activity_code, activity_title, activity_type, subject, hours, attended)
SELECT etl_file_id, line, session_date, urn, school_name, unhex(participant_key), role,
       activity_code, activity_title, activity_type, subject, hours, attended
FROM stg_attendance;

DROP VIEW mart_attendance_partnership;
DROP VIEW fct_attendance;
DROP TABLE stg_attendance;

-- The staged rows as validated: text for numbers, hex for bytes.
CREATE VIEW stg_attendance AS
SELECT s.etl_file_id, s.line, s.session_date, s.urn,
       CASE typeof(s.school_name) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.school_name) ELSE s.school_name END AS school_name,
       lower(hex(s.participant_key)) AS participant_key,
       CASE typeof(s.role) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.role) ELSE s.role END AS role,
       CASE typeof(s.activity_code) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.activity_code) ELSE s.activity_code END AS activity_code,
       CASE typeof(s.activity_title) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.activity_title) ELSE s.activity_title END AS activity_title,
       CASE typeof(s.activity_type) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.activity_type) ELSE s.activity_type END AS activity_type,
       CASE typeof(s.subject) WHEN 'integer' THEN (SELECT text FROM stg_dictionary WHERE etl_file_id = s.etl_file_id AND id = s.subject) ELSE s.subject END AS subject,
       s.hours, s.attended
FROM stg_attendance_packed s;

-- As in 0008: one row per participant per session, from the newest register of each partnership
-- and term.
CREATE VIEW fct_attendance AS
SELECT r.partnership_id, r.term, s.urn, s.session_date, s.participant_key, s.role, s.activity_code,
       s.activity_type, s.subject, s.hours, s.attended, f.file_name AS source_file
FROM stg_attendance s
JOIN etl_file f ON f.id = s.etl_file_id
JOIN stg_attendance_register r ON r.etl_file_id = s.etl_file_id
WHERE f.status = 'loaded';

-- As in 0008.
CREATE VIEW mart_attendance_partnership AS
SELECT partnership_id,
       CASE WHEN term LIKE '%-autumn'
            THEN substr(term, 1, 4) || '/' || substr(CAST(substr(term, 1, 4) + 1 AS TEXT), 3, 2)
            ELSE CAST(substr(term, 1, 4) - 1 AS TEXT) || '/' || substr(term, 3, 2) END AS academic_year,
       substr(term, 6) AS term,
       subject,
       activity_type,
       count(DISTINCT session_date || '|' || activity_code) AS sessions,
       count(DISTINCT participant_key) AS participants,
       coalesce(sum(CASE WHEN attended = 1 THEN hours END), 0) AS attended_hours
FROM fct_attendance
GROUP BY partnership_id, term, subject, activity_type;
