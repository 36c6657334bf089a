-- Teacher survey: apply one export of the form's responses (sources.md §6).
-- Parameters: :etl_file_id, :file_date, :source, :source_file. Runs in the file's transaction
-- after its responses are in stg_survey_response.

-- 1. Rules that need reference data or the warehouse; a response breaking one is refused (its
--    staged row keeps the problem).
INSERT INTO temp.transform_reject (line, field, value, reason)
SELECT line, 'attainment_answer', attainment_answer,
       quote(attainment_answer) || ' is not a known answer to the attainment question (Strongly agree … Strongly disagree); add the wording to pipelines/reference/survey_answers.csv if it means one of them'
FROM stg_survey_response s
WHERE etl_file_id = :etl_file_id AND attainment_answer IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ref_survey_answers a
                  WHERE a.scale = 'agreement' AND a.wording = lower(trim(replace(s.attainment_answer, '’', ''''))))
UNION ALL
SELECT line, 'engagement_answer', engagement_answer,
       quote(engagement_answer) || ' is not a known answer to the engagement question (Yes / No / Don''t know); add the wording to pipelines/reference/survey_answers.csv if it means one of them'
FROM stg_survey_response s
WHERE etl_file_id = :etl_file_id AND engagement_answer IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ref_survey_answers a
                  WHERE a.scale = 'yes_no' AND a.wording = lower(trim(replace(s.engagement_answer, '’', ''''))))
UNION ALL
SELECT line, 'responded_at', responded_at, 'expected a timestamp dd/MM/yyyy HH:mm:ss on a calendar date'
FROM stg_survey_response
WHERE etl_file_id = :etl_file_id
  -- julianday() accepts 31 February and rolls it over; a real timestamp comes back unchanged
  AND datetime(julianday(substr(responded_at, 7, 4) || '-' || substr(responded_at, 4, 2) || '-' || substr(responded_at, 1, 2) || ' ' || substr(responded_at, 12, 8)))
      IS NOT substr(responded_at, 7, 4) || '-' || substr(responded_at, 4, 2) || '-' || substr(responded_at, 1, 2) || ' ' || substr(responded_at, 12, 8)
UNION ALL
SELECT line, 'partnership_id', partnership_id,
       'partnership ' || partnership_id || ' is not in the partnerships export (dim_partnership)'
FROM stg_survey_response
WHERE etl_file_id = :etl_file_id AND partnership_id NOT IN (SELECT partnership_id FROM dim_partnership)
UNION ALL
SELECT s.line, 'urn', CAST(s.urn AS TEXT),
       'school ' || s.urn || ' was never a member of ' || s.partnership_id || ' (bridge_partnership_school, followed through school_lineage)'
FROM stg_survey_response s
LEFT JOIN school_lineage sl ON sl.urn = s.urn
WHERE s.etl_file_id = :etl_file_id
  AND s.partnership_id IN (SELECT partnership_id FROM dim_partnership)
  AND NOT EXISTS (SELECT 1 FROM bridge_partnership_school b
                  LEFT JOIN school_lineage bl ON bl.urn = b.urn
                  WHERE b.partnership_id = s.partnership_id
                    AND coalesce(bl.current_urn, b.urn) = coalesce(sl.current_urn, s.urn));

UPDATE stg_survey_response
SET problem = (SELECT group_concat(r.reason, '; ') FROM temp.transform_reject r WHERE r.line = stg_survey_response.line)
WHERE etl_file_id = :etl_file_id AND line IN (SELECT line FROM temp.transform_reject);

-- 2. Each export holds every response to date: the newest export is in force, whatever order
--    exports arrive in; the others are superseded as a whole.
CREATE TEMP TABLE IF NOT EXISTS current_survey (etl_file_id INTEGER);
DELETE FROM temp.current_survey;
INSERT INTO temp.current_survey
SELECT f.id FROM etl_file f
WHERE f.source = :source AND f.status = 'loaded'
  AND f.id IN (SELECT DISTINCT etl_file_id FROM stg_survey_response WHERE problem IS NULL)
ORDER BY f.file_date DESC, f.id DESC LIMIT 1;

UPDATE etl_file SET status = 'superseded'
WHERE source = :source AND status = 'loaded'
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_survey_response)
  AND id NOT IN (SELECT etl_file_id FROM temp.current_survey)
  AND EXISTS (SELECT 1 FROM temp.current_survey);
DELETE FROM stg_survey_response
WHERE etl_file_id IN (SELECT id FROM etl_file WHERE source = :source AND status = 'superseded');

-- 3. The facts are the export in force, answers normalised, timestamps made ISO-8601.
DELETE FROM fct_survey_response;
INSERT INTO fct_survey_response (partnership_id, urn, responded_at, role, attainment_answer, agrees_attainment,
                                 engagement_answer, engagement_increased, cpd_hours, subjects,
                                 export_date, source_file, source_line)
SELECT s.partnership_id, s.urn,
       substr(s.responded_at, 7, 4) || '-' || substr(s.responded_at, 4, 2) || '-' || substr(s.responded_at, 1, 2)
           || 'T' || substr(s.responded_at, 12, 8),
       s.role, a.answer, a.positive, e.answer, e.positive, s.cpd_hours, s.subjects,
       s.file_date, f.file_name, s.line
FROM stg_survey_response s
JOIN etl_file f ON f.id = s.etl_file_id
LEFT JOIN ref_survey_answers a
       ON a.scale = 'agreement' AND a.wording = lower(trim(replace(s.attainment_answer, '’', '''')))
LEFT JOIN ref_survey_answers e
       ON e.scale = 'yes_no' AND e.wording = lower(trim(replace(s.engagement_answer, '’', '''')))
WHERE s.problem IS NULL;
