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

-- 2. Rebuild the history from every snapshot held, in snapshot-date order, so that snapshots
--    arriving out of order give the same history. A new version starts where any tracked
--    attribute differs from the same school's previous snapshot.
DELETE FROM dim_school;
INSERT INTO dim_school (
    urn, name, type, type_group, status, phase, trust, la_code, la_name, laestab, pupils,
    fsm_percent, open_date, close_date, low_age, high_age, ukprn, town, postcode, region,
    urban_rural, valid_from, valid_to, is_current)
WITH observed AS (
    SELECT *,
           json_array(name, type, type_group, status, phase, trust, la_code, la_name,
                      establishment_number, pupils, fsm_percent, open_date, close_date,
                      low_age, high_age, ukprn, town, postcode, region, urban_rural) AS attributes
    FROM stg_school_register
),
changes AS (
    SELECT *, lag(attributes) OVER (PARTITION BY urn ORDER BY snapshot_date) AS previous
    FROM observed
),
versions AS (
    SELECT *, lead(snapshot_date) OVER (PARTITION BY urn ORDER BY snapshot_date) AS next_from
    FROM changes
    WHERE previous IS NULL OR previous <> attributes
)
SELECT urn, name, type, type_group, status, phase, trust, la_code, la_name,
       CASE WHEN establishment_number IS NOT NULL
            THEN CAST(la_code AS INTEGER) * 10000 + CAST(establishment_number AS INTEGER) END,
       pupils, fsm_percent, open_date, close_date, low_age, high_age, ukprn, town, postcode,
       region, urban_rural, snapshot_date, next_from, next_from IS NULL
FROM versions;
