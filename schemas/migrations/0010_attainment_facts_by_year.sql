-- fct_attainment laid out by year (issue 7). Its rows were a WITHOUT ROWID table keyed by URN
-- first, so every key stage and year a file brings inserted a row next to each school's earlier
-- years: all over a table that grows by ~66,000 rows a file, which the page cache cannot hold. In
-- the national nightly the 18 performance-tables files took 27 s, each later one slower (KS4:
-- 1.4 s for the first year, 2.9 s for the ninth). Measured with sqlite3 on the national
-- warehouse, inserting one KS4 year of facts and committing took 2.95 s this way and 0.9 s as a
-- rowid table, whose rows a file appends; deleting a year 1.1 s and 0.4 s.
-- Same columns in the same order, same rows; the key is now a unique index that leads with the
-- year (the old fct_attainment_year index was its prefix), and lookups by school use
-- fct_attainment_school.

CREATE TABLE fct_attainment_0006 AS SELECT * FROM fct_attainment;
DROP TABLE fct_attainment;

CREATE TABLE fct_attainment (
    urn           INTEGER NOT NULL,
    academic_year TEXT NOT NULL CHECK (academic_year GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'),
    key_stage     TEXT NOT NULL CHECK (key_stage IN ('KS2', 'KS4')),
    measure       TEXT NOT NULL,
    value         REAL,
    status        TEXT NOT NULL CHECK (status IN ('ok', 'SUPP', 'NE', 'NP', 'LOWCOV', 'NEW', 'NA', 'x', 'z', 'c', 'low')),
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

INSERT INTO fct_attainment SELECT * FROM fct_attainment_0006 ORDER BY key_stage, academic_year, measure, urn;
DROP TABLE fct_attainment_0006;
