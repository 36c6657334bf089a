-- Attendance: apply one register (sources.md §4).
-- Parameters: :etl_file_id, :partnership_id, :term, :file_date, :source_file, :source.
-- Runs in the file's transaction after its rows are in stg_attendance_packed. (URNs were checked
-- against the register at validation: `exists_in: dim_school.urn`.) fct_attendance is a view of
-- the current registers' rows, so applying a register is deciding which register is current. (A
-- participant listed twice for one session was refused before this runs, by the pipeline's
-- `unique` rule.)

-- 1. The register's file-level facts, once (not in every row).
INSERT INTO stg_attendance_register (etl_file_id, partnership_id, term, file_date)
VALUES (:etl_file_id, :partnership_id, :term, :file_date);

-- 2. The register with the latest date in its name is the one for its partnership and term,
--    whatever order registers arrive in; every other is superseded as a whole.
CREATE TEMP TABLE IF NOT EXISTS current_register (etl_file_id INTEGER);
DELETE FROM temp.current_register;
INSERT INTO temp.current_register
SELECT f.id FROM etl_file f JOIN stg_attendance_register r ON r.etl_file_id = f.id
WHERE r.partnership_id = :partnership_id AND r.term = :term AND f.status = 'loaded'
ORDER BY f.file_date DESC, f.id DESC LIMIT 1;

CREATE TEMP TABLE IF NOT EXISTS superseded_register (etl_file_id INTEGER PRIMARY KEY);
DELETE FROM temp.superseded_register;
INSERT INTO temp.superseded_register
SELECT f.id FROM etl_file f JOIN stg_attendance_register r ON r.etl_file_id = f.id
WHERE r.partnership_id = :partnership_id AND r.term = :term AND f.status = 'loaded'
  AND f.id NOT IN (SELECT etl_file_id FROM temp.current_register);

UPDATE etl_file SET status = 'superseded' WHERE id IN (SELECT etl_file_id FROM temp.superseded_register);
DELETE FROM stg_attendance_packed WHERE etl_file_id IN (SELECT etl_file_id FROM temp.superseded_register);
DELETE FROM stg_dictionary WHERE etl_file_id IN (SELECT etl_file_id FROM temp.superseded_register);
