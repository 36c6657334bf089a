-- Attendance staging shaped for bulk loading (issue 7). A perf profile of a 1,000,000-row register
-- spent most of its SQLite time keeping two secondary indexes of stg_attendance up to date — a
-- UNIQUE index led by 64-character pseudonyms, inserted in random order, and the partnership/term
-- index — and in writing the file's partnership, term and date into every row. Now:
--   * the file-level facts (partnership, term, date in the name) are one row per register in
--     stg_attendance_register, which is all that supersession needs to look at;
--   * stg_attendance keeps only its primary key (etl_file_id, line), which a load appends to;
--   * "one row per participant per session" is the pipelines' `unique` rule, checked in bounded
--     memory while the file is read (a repeated row is rejected and never staged); sorting the
--     file's rows once per load instead cost 5.3 s of a 1,000,000-row load.
-- Rows already loaded are carried over unchanged.

CREATE TABLE stg_attendance_register (
    etl_file_id    INTEGER PRIMARY KEY REFERENCES etl_file(id),
    partnership_id TEXT NOT NULL CHECK (partnership_id GLOB 'EP-[0-9][0-9][0-9][0-9]'),
    term           TEXT NOT NULL CHECK (term GLOB '[0-9][0-9][0-9][0-9]-autumn' OR term GLOB '[0-9][0-9][0-9][0-9]-spring' OR term GLOB '[0-9][0-9][0-9][0-9]-summer'),
    file_date      TEXT NOT NULL
);
CREATE INDEX stg_attendance_register_term ON stg_attendance_register(partnership_id, term);

INSERT INTO stg_attendance_register (etl_file_id, partnership_id, term, file_date)
SELECT etl_file_id, partnership_id, term, file_date FROM stg_attendance GROUP BY etl_file_id;

CREATE TABLE stg_attendance_0005 AS SELECT * FROM stg_attendance;

DROP VIEW mart_attendance_partnership;
DROP VIEW fct_attendance;
DROP TABLE stg_attendance;

CREATE TABLE stg_attendance (
    etl_file_id     INTEGER NOT NULL REFERENCES etl_file(id),
    line            INTEGER NOT NULL,
    session_date    TEXT NOT NULL,
    urn             INTEGER NOT NULL,
    school_name     TEXT,
    participant_key TEXT NOT NULL CHECK (length(participant_key) = 64),
    role            TEXT,
    activity_code   TEXT NOT NULL,
    activity_title  TEXT,
    activity_type   TEXT NOT NULL,
    subject         TEXT,
    hours           REAL NOT NULL CHECK (hours >= 0 AND hours <= 24),
    attended        INTEGER NOT NULL CHECK (attended IN (0, 1)),
    PRIMARY KEY (etl_file_id, line)
) WITHOUT ROWID;

INSERT INTO stg_attendance (etl_file_id, line, session_date, urn, school_name, participant_key, role,
                            activity_code, activity_title, activity_type, subject, hours, attended)
SELECT etl_file_id, line, session_date, urn, school_name, participant_key, role,
       activity_code, activity_title, activity_type, subject, hours, attended
FROM stg_attendance_0005;
DROP TABLE stg_attendance_0005;

-- One row per participant per session, from the newest register of each partnership and term
-- (older registers' rows are removed from staging when a newer one is applied).
CREATE VIEW fct_attendance AS
SELECT r.partnership_id, r.term, s.urn, s.session_date, s.participant_key, s.role, s.activity_code,
       s.activity_type, s.subject, s.hours, s.attended, f.file_name AS source_file
FROM stg_attendance s
JOIN etl_file f ON f.id = s.etl_file_id
JOIN stg_attendance_register r ON r.etl_file_id = s.etl_file_id
WHERE f.status = 'loaded';

-- One row per partnership, academic year, term, subject and activity type.
-- academic_year: an autumn term of 2016 and the spring and summer terms of 2017 are 2016/17.
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
