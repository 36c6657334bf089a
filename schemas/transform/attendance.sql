-- Attendance: apply one register (sources.md §4).
-- Parameters: :etl_file_id, :partnership_id, :term, :file_date, :source_file, :source.
-- Runs in the file's transaction after its rows are in stg_attendance. (URNs were checked
-- against the register at validation: `exists_in: dim_school.urn`.) fct_attendance is a view of
-- the current registers' rows, so applying a register is only deciding which one is current.

-- 1. The register with the latest date in its name is the one for its partnership and term,
--    whatever order registers arrive in; every other is superseded as a whole.
CREATE TEMP TABLE IF NOT EXISTS current_register (etl_file_id INTEGER);
DELETE FROM temp.current_register;
INSERT INTO temp.current_register
SELECT f.id FROM etl_file f
WHERE f.source IN ('attendance_csv', 'attendance_spreadsheetml', 'attendance_xlsx')
  AND f.status = 'loaded'
  AND f.id IN (SELECT DISTINCT etl_file_id FROM stg_attendance WHERE partnership_id = :partnership_id AND term = :term)
ORDER BY f.file_date DESC, f.id DESC LIMIT 1;

UPDATE etl_file SET status = 'superseded'
WHERE status = 'loaded'
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_attendance WHERE partnership_id = :partnership_id AND term = :term)
  AND id NOT IN (SELECT etl_file_id FROM temp.current_register);
DELETE FROM stg_attendance
WHERE partnership_id = :partnership_id AND term = :term
  AND etl_file_id NOT IN (SELECT etl_file_id FROM temp.current_register);
