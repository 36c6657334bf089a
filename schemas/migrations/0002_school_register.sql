-- The DfE school register (GIAS, sources.md §1) and its links (§1b).

-- Every row of every register snapshot, typed, as it came. One snapshot date holds exactly one
-- delivery: a corrected file for the same date replaces the earlier one (see
-- schemas/transform/school_register.sql). Head teacher names are never read, so never stored.
CREATE TABLE stg_school_register (
    etl_file_id          INTEGER NOT NULL REFERENCES etl_file(id),
    line                 INTEGER NOT NULL,
    snapshot_date        TEXT NOT NULL,
    urn                  INTEGER NOT NULL CHECK (urn BETWEEN 100000 AND 999999),
    la_code              TEXT NOT NULL,
    la_name              TEXT,
    establishment_number TEXT,
    name                 TEXT NOT NULL,
    type                 TEXT,
    type_group           TEXT,
    status               TEXT NOT NULL,
    open_date            TEXT,
    close_date           TEXT,
    phase                TEXT,
    low_age              INTEGER,
    high_age             INTEGER,
    pupils               INTEGER,
    fsm_percent          REAL,
    trust                TEXT,
    ukprn                TEXT,
    town                 TEXT,
    postcode             TEXT,
    region               TEXT,
    urban_rural          TEXT,
    last_changed         TEXT,
    PRIMARY KEY (etl_file_id, urn)
) WITHOUT ROWID;
CREATE INDEX stg_school_register_urn ON stg_school_register(urn, snapshot_date);
CREATE INDEX stg_school_register_snapshot ON stg_school_register(snapshot_date);

-- The register with history (slowly changing dimension, type 2): one row per version of an
-- establishment. A version is valid from the date of the first snapshot that showed it until,
-- exclusive, the next version's valid_from; the current version has valid_to NULL.
CREATE TABLE dim_school (
    urn          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    type         TEXT,
    type_group   TEXT,
    status       TEXT NOT NULL,
    phase        TEXT,
    trust        TEXT,
    la_code      TEXT NOT NULL,
    la_name      TEXT,
    laestab      INTEGER,
    pupils       INTEGER,
    fsm_percent  REAL,
    open_date    TEXT,
    close_date   TEXT,
    low_age      INTEGER,
    high_age     INTEGER,
    ukprn        TEXT,
    town         TEXT,
    postcode     TEXT,
    region       TEXT,
    urban_rural  TEXT,
    valid_from   TEXT NOT NULL,
    valid_to     TEXT,
    is_current   INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    PRIMARY KEY (urn, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK (is_current = (valid_to IS NULL))
) WITHOUT ROWID;
CREATE INDEX dim_school_current ON dim_school(is_current, urn);

-- Every link row of every links snapshot, as it came.
CREATE TABLE stg_school_link (
    etl_file_id   INTEGER NOT NULL REFERENCES etl_file(id),
    line          INTEGER NOT NULL,
    snapshot_date TEXT NOT NULL,
    urn           INTEGER NOT NULL,
    link_urn      INTEGER NOT NULL,
    link_name     TEXT,
    link_type     TEXT NOT NULL,
    established   TEXT
);
CREATE INDEX stg_school_link_snapshot ON stg_school_link(snapshot_date);
CREATE INDEX stg_school_link_file ON stg_school_link(etl_file_id);

-- Any URN resolved to its current successor (sources.md §1b), rebuilt from the newest links
-- snapshot and the current register after every load of either.
CREATE TABLE school_lineage (
    urn         INTEGER PRIMARY KEY,
    current_urn INTEGER,
    resolution  TEXT NOT NULL
                CHECK (resolution IN ('current', 'successor', 'split', 'cycle', 'unresolved')),
    steps       INTEGER NOT NULL CHECK (steps >= 0),
    candidates  TEXT,          -- space-separated URNs for 'split' and 'unresolved'
    CHECK ((current_urn IS NULL) = (resolution IN ('split', 'unresolved')))
);
CREATE INDEX school_lineage_current ON school_lineage(current_urn);

-- A school seen in an earlier snapshot but absent from a later one: an anomaly to report, never
-- a deletion (the school keeps its last version in dim_school).
CREATE VIEW school_register_anomaly AS
WITH snapshots AS (SELECT DISTINCT snapshot_date FROM stg_school_register),
     seen AS (
         SELECT urn, min(snapshot_date) AS first_seen, max(snapshot_date) AS last_seen
         FROM stg_school_register GROUP BY urn)
SELECT 'missing_from_snapshot' AS kind,
       seen.urn,
       snapshots.snapshot_date,
       (SELECT max(r.snapshot_date) FROM stg_school_register r
         WHERE r.urn = seen.urn AND r.snapshot_date < snapshots.snapshot_date) AS last_seen_before
FROM seen
JOIN snapshots ON snapshots.snapshot_date > seen.first_seen
WHERE NOT EXISTS (SELECT 1 FROM stg_school_register r
                  WHERE r.urn = seen.urn AND r.snapshot_date = snapshots.snapshot_date);
