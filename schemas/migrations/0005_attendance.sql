-- Attendance registers (sources.md §4): who attended what, per partnership and term.
-- Participant e-mail addresses never arrive here: participant_key is their keyed hash.

-- Every row of every delivered register, typed, as it came. Rows of a superseded register are
-- removed when a newer register for the same partnership and term is applied.
CREATE TABLE stg_attendance (
    etl_file_id     INTEGER NOT NULL REFERENCES etl_file(id),
    line            INTEGER NOT NULL,
    partnership_id  TEXT NOT NULL CHECK (partnership_id GLOB 'EP-[0-9][0-9][0-9][0-9]'),
    term            TEXT NOT NULL CHECK (term GLOB '[0-9][0-9][0-9][0-9]-autumn' OR term GLOB '[0-9][0-9][0-9][0-9]-spring' OR term GLOB '[0-9][0-9][0-9][0-9]-summer'),
    file_date       TEXT NOT NULL,
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
-- One row per participant per session within a register.
CREATE UNIQUE INDEX stg_attendance_session ON stg_attendance(etl_file_id, session_date, activity_code, participant_key);
CREATE INDEX stg_attendance_term ON stg_attendance(partnership_id, term);

-- One row per participant per session, from the newest register of each partnership and term
-- (older registers' rows are removed from staging when a newer one is applied).
CREATE VIEW fct_attendance AS
SELECT s.partnership_id, s.term, s.urn, s.session_date, s.participant_key, s.role, s.activity_code,
       s.activity_type, s.subject, s.hours, s.attended, f.file_name AS source_file
FROM stg_attendance s JOIN etl_file f ON f.id = s.etl_file_id
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
