-- CHECK constraints that list the allowed values as comparisons, not as `x IN (a, b, c, …)`
-- (issue 7). SQLite 3.40.1 (Debian 12's) builds a lookup table for an IN list of more than two
-- values every time it tests the constraint, so a row of fct_attainment cost ~19,000 instructions
-- in `status IN (…eleven values…)` alone: callgrind of sqlite3 inserting one KS4 year (66,532
-- facts) counted 3.95 G instructions, 2.83 G with these comparisons and the transform's status
-- CASE. school_lineage, rebuilt after every register or links load (~53,000 rows at national
-- size), had the same kind of list. Same values allowed, same columns in the same order, same
-- rows, same indexes; the small tables' lists (etl_file, dim_partnership, …) stay as they were.

CREATE TABLE fct_attainment_0010 AS SELECT * FROM fct_attainment;
DROP TABLE fct_attainment;

CREATE TABLE fct_attainment (
    urn           INTEGER NOT NULL,
    academic_year TEXT NOT NULL CHECK (academic_year GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'),
    key_stage     TEXT NOT NULL CHECK (key_stage IN ('KS2', 'KS4')),
    measure       TEXT NOT NULL,
    value         REAL,
    status        TEXT NOT NULL CHECK (status = 'ok' OR status = 'SUPP' OR status = 'NE' OR status = 'NP'
                                       OR status = 'LOWCOV' OR status = 'NEW' OR status = 'NA'
                                       OR status = 'x' OR status = 'z' OR status = 'c' OR status = 'low'),
    cohort        INTEGER,
    source_column TEXT NOT NULL,
    source_file   TEXT NOT NULL,
    source_line   INTEGER NOT NULL,
    CHECK ((status = 'ok') = (value IS NOT NULL)),
    -- a file named ks2_2015-2017.csv is refused whole, naming this constraint
    CONSTRAINT academic_year_is_two_consecutive_years
        CHECK (substr(academic_year, 6, 2) = printf('%02d', (CAST(substr(academic_year, 1, 4) AS INTEGER) + 1) % 100))
);
CREATE UNIQUE INDEX fct_attainment_key ON fct_attainment(key_stage, academic_year, measure, urn);
CREATE INDEX fct_attainment_school ON fct_attainment(urn);

INSERT INTO fct_attainment SELECT * FROM fct_attainment_0010 ORDER BY key_stage, academic_year, measure, urn;
DROP TABLE fct_attainment_0010;

CREATE TABLE school_lineage_0002 AS SELECT * FROM school_lineage;
DROP TABLE school_lineage;

-- Any URN resolved to its current successor (sources.md §1b), rebuilt from the newest links
-- snapshot and the current register after every load of either.
CREATE TABLE school_lineage (
    urn         INTEGER PRIMARY KEY,
    current_urn INTEGER,
    resolution  TEXT NOT NULL
                CHECK (resolution = 'current' OR resolution = 'successor' OR resolution = 'split'
                       OR resolution = 'cycle' OR resolution = 'unresolved'),
    steps       INTEGER NOT NULL CHECK (steps >= 0),
    candidates  TEXT,          -- space-separated URNs for 'split' and 'unresolved'
    CHECK ((current_urn IS NULL) = (resolution IN ('split', 'unresolved')))
);
CREATE INDEX school_lineage_current ON school_lineage(current_urn);

INSERT INTO school_lineage SELECT * FROM school_lineage_0002 ORDER BY urn;
DROP TABLE school_lineage_0002;
