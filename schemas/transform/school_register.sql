-- School register: apply one snapshot file (sources.md §1).
-- Parameters: :etl_file_id (the file being loaded), :snapshot_date (from its name).
-- Runs inside the file's transaction, after its rows are in stg_school_register.

-- 1. A corrected delivery of the same snapshot date replaces the earlier one as a whole.
UPDATE etl_file SET status = 'superseded'
WHERE status = 'loaded' AND source = 'school_register' AND id <> :etl_file_id
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_school_register
             WHERE snapshot_date = :snapshot_date AND etl_file_id <> :etl_file_id);
DELETE FROM stg_school_register
WHERE snapshot_date = :snapshot_date AND etl_file_id <> :etl_file_id;

-- 2. A snapshot newer than everything held (the nightly case) changes only the schools it shows
--    differently from their current version, and adds the schools new to the register: each such
--    school's current version ends at this date and a new one starts. A school it does not list
--    keeps its version. Deleting and re-inserting every school's current version instead cost
--    ~0.7 s a national snapshot.
CREATE TEMP TABLE IF NOT EXISTS register_in_order (in_order INTEGER NOT NULL);
DELETE FROM temp.register_in_order;
INSERT INTO temp.register_in_order (in_order)
SELECT NOT EXISTS (SELECT 1 FROM stg_school_register WHERE snapshot_date > :snapshot_date)
   AND NOT EXISTS (SELECT 1 FROM dim_school WHERE valid_from >= :snapshot_date);

CREATE TEMP TABLE IF NOT EXISTS school_changed (urn INTEGER PRIMARY KEY);
DELETE FROM temp.school_changed;
INSERT INTO temp.school_changed (urn)
SELECT s.urn
FROM stg_school_register s
LEFT JOIN dim_school d ON d.urn = s.urn AND d.valid_to IS NULL
LEFT JOIN stg_school_register p ON p.urn = s.urn AND p.snapshot_date = d.valid_from
WHERE s.etl_file_id = :etl_file_id AND (SELECT in_order FROM temp.register_in_order)
  AND (d.urn IS NULL
       OR (s.name, s.type, s.type_group, s.status, s.phase, s.trust, s.la_code, s.la_name,
           s.establishment_number, s.pupils, s.fsm_percent, s.open_date, s.close_date,
           s.low_age, s.high_age, s.ukprn, s.town, s.postcode, s.region, s.urban_rural)
          IS NOT
          (p.name, p.type, p.type_group, p.status, p.phase, p.trust, p.la_code, p.la_name,
           p.establishment_number, p.pupils, p.fsm_percent, p.open_date, p.close_date,
           p.low_age, p.high_age, p.ukprn, p.town, p.postcode, p.region, p.urban_rural));

UPDATE dim_school SET valid_to = :snapshot_date, is_current = 0
WHERE valid_to IS NULL AND urn IN (SELECT urn FROM temp.school_changed);

-- 3. Otherwise (a snapshot older than one held, or a corrected delivery of a date held), rebuild
--    each school's history from the version it had just before this snapshot's date.
--    What came before stays as it is: a version starts where a school's snapshot differs from its
--    previous one, and those comparisons do not change. From there on, the snapshots that decide
--    the versions are the one that began the version in effect (anything between it and this date
--    is the same as it) and every snapshot from this date on; a school with no version before this
--    date is rebuilt from all of its snapshots. A snapshot so reads two snapshots per school
--    rather than every one held (rebuilding from every one made each nightly register slower than
--    the last: 1.5 s, 3.0 s, 4.0 s for the national demo's three), and gives the same history as
--    a rebuild from every snapshot.
CREATE TEMP TABLE IF NOT EXISTS school_version_anchor (urn INTEGER PRIMARY KEY, since TEXT NOT NULL);
DELETE FROM temp.school_version_anchor;
INSERT INTO temp.school_version_anchor (urn, since)
SELECT urn, max(valid_from) FROM dim_school
WHERE valid_from < :snapshot_date AND NOT (SELECT in_order FROM temp.register_in_order)
GROUP BY urn;

DELETE FROM dim_school
WHERE NOT (SELECT in_order FROM temp.register_in_order)
  AND valid_from >= coalesce((SELECT since FROM temp.school_version_anchor a WHERE a.urn = dim_school.urn), '');

INSERT INTO dim_school (
    urn, name, type, type_group, status, phase, trust, la_code, la_name, laestab, pupils,
    fsm_percent, open_date, close_date, low_age, high_age, ukprn, town, postcode, region,
    urban_rural, valid_from, valid_to, is_current)
-- The windows run over (file, URN, date) only and the snapshots are compared column by column;
-- whole rows with a JSON copy of their attributes through two window sorts took 1.3-1.5 s of
-- CPU per 51,000-row snapshot (sqlite3 .timer), most of a register load.
WITH deciding AS (
    SELECT etl_file_id, urn, snapshot_date FROM stg_school_register
    WHERE snapshot_date >= :snapshot_date AND NOT (SELECT in_order FROM temp.register_in_order)
    UNION ALL
    SELECT s.etl_file_id, s.urn, s.snapshot_date FROM temp.school_version_anchor a
    JOIN stg_school_register s ON s.urn = a.urn AND s.snapshot_date = a.since
),
ordered AS (
    SELECT *, lag(etl_file_id) OVER (PARTITION BY urn ORDER BY snapshot_date) AS previous_file
    FROM deciding
),
-- A version starts at a school's first snapshot and wherever an attribute differs from the
-- school's previous snapshot (one delivery per date is left by step 1).
starts AS (
    SELECT o.etl_file_id, o.urn, o.snapshot_date
    FROM ordered o
    JOIN stg_school_register s ON s.etl_file_id = o.etl_file_id AND s.urn = o.urn
    LEFT JOIN stg_school_register p ON p.etl_file_id = o.previous_file AND p.urn = o.urn
    WHERE o.previous_file IS NULL
       OR (s.name, s.type, s.type_group, s.status, s.phase, s.trust, s.la_code, s.la_name,
           s.establishment_number, s.pupils, s.fsm_percent, s.open_date, s.close_date,
           s.low_age, s.high_age, s.ukprn, s.town, s.postcode, s.region, s.urban_rural)
          IS NOT
          (p.name, p.type, p.type_group, p.status, p.phase, p.trust, p.la_code, p.la_name,
           p.establishment_number, p.pupils, p.fsm_percent, p.open_date, p.close_date,
           p.low_age, p.high_age, p.ukprn, p.town, p.postcode, p.region, p.urban_rural)
),
versions AS (
    SELECT *, lead(snapshot_date) OVER (PARTITION BY urn ORDER BY snapshot_date) AS next_from
    FROM starts
    UNION ALL
    -- In date order (step 2): the new versions of the changed and new schools.
    SELECT :etl_file_id, urn, :snapshot_date, NULL FROM temp.school_changed
)
SELECT s.urn, s.name, s.type, s.type_group, s.status, s.phase, s.trust, s.la_code, s.la_name,
       CASE WHEN s.establishment_number IS NOT NULL
            THEN CAST(s.la_code AS INTEGER) * 10000 + CAST(s.establishment_number AS INTEGER) END,
       s.pupils, s.fsm_percent, s.open_date, s.close_date, s.low_age, s.high_age, s.ukprn, s.town,
       s.postcode, s.region, s.urban_rural, v.snapshot_date, v.next_from, v.next_from IS NULL
FROM versions v
JOIN stg_school_register s ON s.etl_file_id = v.etl_file_id AND s.urn = v.urn;
