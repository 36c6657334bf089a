-- Attendance: apply one register (sources.md §4).
-- Parameters: :etl_file_id, :partnership_id, :term, :file_date, :source_file, :source.
-- Runs in the file's transaction after its rows are in stg_attendance.

-- 1. A row whose school is not in the register is refused, naming the URN.
INSERT INTO temp.transform_reject (line, field, value, reason)
SELECT line, 'urn', CAST(urn AS TEXT), 'URN ' || urn || ' is not in the school register (dim_school); check the URN or load a newer register first'
FROM stg_attendance
WHERE etl_file_id = :etl_file_id AND urn NOT IN (SELECT urn FROM dim_school);
DELETE FROM stg_attendance
WHERE etl_file_id = :etl_file_id AND urn NOT IN (SELECT urn FROM dim_school);

-- 2. The register with the latest date in its name is the one for its partnership and term,
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

-- 3. The facts for this partnership and term are the current register's rows.
DELETE FROM fct_attendance WHERE partnership_id = :partnership_id AND term = :term;
INSERT INTO fct_attendance (partnership_id, term, urn, session_date, participant_key, role, activity_code,
                            activity_type, subject, hours, attended, source_file)
SELECT s.partnership_id, s.term, s.urn, s.session_date, s.participant_key, s.role, s.activity_code,
       s.activity_type, s.subject, s.hours, s.attended, f.file_name
FROM stg_attendance s JOIN etl_file f ON f.id = s.etl_file_id
WHERE s.etl_file_id IN (SELECT etl_file_id FROM temp.current_register);
