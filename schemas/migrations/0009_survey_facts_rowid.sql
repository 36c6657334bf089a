-- fct_survey_response as an ordinary (rowid) table. SQLite 3.40.1, Debian 12's, reports every row
-- of a WITHOUT ROWID table whose primary key columns are not its first columns as "NULL value in
-- <table>.<column>" in PRAGMA integrity_check, although the rows hold their values (one row in a
-- fresh file is enough to reproduce it). The national crash harness found it: a check that
-- always fails would hide real damage. Same columns, same key (now a unique index), same rows.

CREATE TABLE fct_survey_response_0006 AS SELECT * FROM fct_survey_response;
DROP TABLE fct_survey_response;

CREATE TABLE fct_survey_response (
    partnership_id       TEXT NOT NULL,
    urn                  INTEGER NOT NULL,
    responded_at         TEXT NOT NULL CHECK (responded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    role                 TEXT,
    attainment_answer    TEXT,
    agrees_attainment    INTEGER CHECK (agrees_attainment IN (0, 1)),
    engagement_answer    TEXT,
    engagement_increased INTEGER CHECK (engagement_increased IN (0, 1)),
    cpd_hours            REAL,
    subjects             TEXT,
    export_date          TEXT NOT NULL,
    source_file          TEXT NOT NULL,
    source_line          INTEGER NOT NULL,
    PRIMARY KEY (source_file, source_line),
    CHECK ((attainment_answer IS NULL) = (agrees_attainment IS NULL)),
    CHECK ((engagement_answer IS NULL) = (engagement_increased IS NULL))
);
CREATE INDEX fct_survey_response_partnership ON fct_survey_response(partnership_id);

INSERT INTO fct_survey_response SELECT * FROM fct_survey_response_0006;
DROP TABLE fct_survey_response_0006;
