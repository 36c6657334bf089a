-- Partnerships: apply one CRM export (sources.md §2).
-- Parameters: :etl_file_id, :export_date, :source, :source_file. Runs in the file's transaction
-- after its partnerships are in stg_partnership (already valid against the XSD).

-- 1. Unpack this export's members: the i-th urn, joined and left belong to the i-th <Member>.
CREATE TEMP TABLE IF NOT EXISTS staged_member (
    line INTEGER, partnership_id TEXT, lead_urn INTEGER, urn INTEGER, joined_on TEXT, left_on TEXT);
DELETE FROM temp.staged_member;
INSERT INTO temp.staged_member (line, partnership_id, lead_urn, urn, joined_on, left_on)
SELECT s.line, s.partnership_id, s.lead_urn, CAST(u.value AS INTEGER), j.value, l.value
FROM stg_partnership s
JOIN json_each(s.member_urns) u
JOIN json_each(s.member_joined) j ON j.key = u.key
JOIN json_each(s.member_left) l ON l.key = u.key
WHERE s.etl_file_id = :etl_file_id;

-- 2. Rules that need the warehouse or span several members. A partnership breaking any is refused
--    whole, with one reject per problem; its staged row keeps the problem.
INSERT INTO temp.transform_reject (line, field, value, reason)
SELECT line, 'member_urn', CAST(urn AS TEXT),
       'member URN ' || urn || ' of ' || partnership_id || ' is not in the school register (dim_school); check the URN in the CRM or load a newer register first'
FROM temp.staged_member
WHERE urn NOT IN (SELECT urn FROM dim_school)
UNION ALL
SELECT line, 'member_left', left_on,
       'member ' || urn || ' of ' || partnership_id || ' left on ' || left_on || ', before it joined on ' || joined_on
FROM temp.staged_member
WHERE left_on < joined_on
UNION ALL
SELECT line, 'member_joined', joined_on,
       'member ' || urn || ' of ' || partnership_id || ' is listed twice with the joined date ' || joined_on
FROM temp.staged_member
GROUP BY partnership_id, urn, joined_on HAVING count(*) > 1
UNION ALL
SELECT line, 'lead_urn', CAST(lead_urn AS TEXT),
       'the lead school ' || lead_urn || ' is not among the members of ' || partnership_id
FROM stg_partnership s
WHERE s.etl_file_id = :etl_file_id
  AND NOT EXISTS (SELECT 1 FROM temp.staged_member m WHERE m.line = s.line AND m.urn = s.lead_urn)
UNION ALL
SELECT line, 'plan_end', plan_end,
       'the action plan of ' || partnership_id || ' ends on ' || plan_end || ', before it starts on ' || plan_start
FROM stg_partnership
WHERE etl_file_id = :etl_file_id AND plan_end < plan_start;

UPDATE stg_partnership
SET problem = (SELECT group_concat(r.reason, '; ') FROM temp.transform_reject r WHERE r.line = stg_partnership.line)
WHERE etl_file_id = :etl_file_id AND line IN (SELECT line FROM temp.transform_reject);

-- 3. Each export is a full snapshot: the one with the newest date in its name is in force,
--    whatever order exports arrive in (for two of the same date, the later delivery). Every
--    other export is superseded as a whole.
CREATE TEMP TABLE IF NOT EXISTS current_export (etl_file_id INTEGER);
DELETE FROM temp.current_export;
INSERT INTO temp.current_export
SELECT f.id FROM etl_file f
WHERE f.source = :source AND f.status = 'loaded'
  AND f.id IN (SELECT DISTINCT etl_file_id FROM stg_partnership WHERE problem IS NULL)
ORDER BY f.file_date DESC, f.id DESC LIMIT 1;

UPDATE etl_file SET status = 'superseded'
WHERE source = :source AND status = 'loaded'
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_partnership)
  AND id NOT IN (SELECT etl_file_id FROM temp.current_export)
  AND EXISTS (SELECT 1 FROM temp.current_export);
DELETE FROM stg_partnership
WHERE etl_file_id IN (SELECT id FROM etl_file WHERE source = :source AND status = 'superseded');

-- 4. The core tables are the export in force.
DELETE FROM bridge_partnership_school;
DELETE FROM dim_partnership;
INSERT INTO dim_partnership (partnership_id, name, focus_subjects, lead_urn, plan_start, plan_end, grant_pence,
                             member_count, size_flag, export_date, source_file, source_line)
SELECT s.partnership_id, s.name, s.focus, s.lead_urn, s.plan_start, s.plan_end, s.grant_pence,
       m.members,
       CASE WHEN m.members < 4 THEN 'fewer_than_4' WHEN m.members > 8 THEN 'more_than_8' ELSE 'within_4_to_8' END,
       s.export_date, f.file_name, s.line
FROM stg_partnership s
JOIN etl_file f ON f.id = s.etl_file_id
JOIN (SELECT s2.etl_file_id, s2.line, count(DISTINCT u.value) AS members
      FROM stg_partnership s2, json_each(s2.member_urns) u GROUP BY s2.etl_file_id, s2.line) m
  ON m.etl_file_id = s.etl_file_id AND m.line = s.line
WHERE s.problem IS NULL;

INSERT INTO bridge_partnership_school (partnership_id, urn, joined_on, left_on, is_lead)
SELECT s.partnership_id, CAST(u.value AS INTEGER), j.value, l.value, CAST(u.value AS INTEGER) = s.lead_urn
FROM stg_partnership s
JOIN json_each(s.member_urns) u
JOIN json_each(s.member_joined) j ON j.key = u.key
JOIN json_each(s.member_left) l ON l.key = u.key
WHERE s.problem IS NULL;
