-- Attainment: apply one performance-tables file, KS2 or KS4 (sources.md §5).
-- Parameters: :etl_file_id, :key_stage ('ks2' or 'ks4'), :first_year, :second_year, :source,
-- :source_file. Runs in the file's transaction after its rows are in stg_attainment.

-- 1. A corrected file for the same key stage and year replaces the earlier delivery as a whole
--    (names carry no date, so the later delivery wins).
UPDATE etl_file SET status = 'superseded'
WHERE source = :source AND status = 'loaded' AND id <> :etl_file_id
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_attainment
             WHERE key_stage = :key_stage AND first_year = :first_year AND etl_file_id <> :etl_file_id);
DELETE FROM stg_attainment
WHERE key_stage = :key_stage AND first_year = :first_year AND etl_file_id <> :etl_file_id;

-- 2. A school row must name its school.
INSERT INTO temp.transform_reject (line, field, value, reason)
SELECT line, 'urn', NULL, 'a school row (RECTYPE ' || rectype || ') has no URN, so its results cannot be attributed to a school'
FROM stg_attainment
WHERE etl_file_id = :etl_file_id AND rectype IN (1, 2) AND urn IS NULL;
UPDATE stg_attainment SET problem = 'a school row without a URN'
WHERE etl_file_id = :etl_file_id AND rectype IN (1, 2) AND urn IS NULL;

-- 3. Unpivot the school rows (RECTYPE 1 mainstream, 2 special; LA and national rows stay in
--    staging only): one fact per cell that ref_attainment_measures maps for this key stage and
--    year. A number keeps its value with status 'ok' (a % sign is dropped: 62% is 62); a token
--    keeps its status with a NULL value. A blank cell is no fact.
DELETE FROM fct_attainment
WHERE key_stage = upper(:key_stage) AND academic_year = :first_year || '/' || substr(:second_year, 3, 2);

INSERT INTO fct_attainment (urn, academic_year, key_stage, measure, value, status, cohort,
                            source_column, source_file, source_line)
WITH cell AS MATERIALIZED (
    SELECT s.urn, s.line, s.cohort, m.measure, m.source_column,
           trim(CASE m.source_column
                    WHEN 'PTENGMATX'        THEN s.ptengmatx
                    WHEN 'PTREADWRITTAMATX' THEN s.ptreadwrittamatx
                    WHEN 'PTRWM_EXP'        THEN s.ptrwm_exp
                    WHEN 'PTMATX'           THEN s.ptmatx
                    WHEN 'PTMAT_EXP'        THEN s.ptmat_exp
                    WHEN 'PTSCITAX'         THEN s.ptscitax
                    WHEN 'PTSCITA_EXP'      THEN s.ptscita_exp
                    WHEN 'PTAC5EM'          THEN s.ptac5em
                    WHEN 'PTAC5EM_PTQ'      THEN s.ptac5em_ptq
                    WHEN 'PTAC5EM_PTQ_EE'   THEN s.ptac5em_ptq_ee
                    WHEN 'PTEBACC'          THEN s.ptebacc
                    WHEN 'PTEBACC_PTQ'      THEN s.ptebacc_ptq
                    WHEN 'PTEBACC_PTQ_EE'   THEN s.ptebacc_ptq_ee
                    WHEN 'ATT8SCR'          THEN s.att8scr
                    WHEN 'P8MEA'            THEN s.p8mea
                    WHEN 'PTL2BASICS_94'    THEN s.ptl2basics_94
                    WHEN 'PTEBAC2SCI_94'    THEN s.ptebac2sci_94
                END) AS raw
    FROM stg_attainment s
    JOIN ref_attainment_measures m
      ON m.key_stage = upper(s.key_stage)
     AND :first_year || '/' || substr(:second_year, 3, 2) >= m.first_year
     AND :first_year || '/' || substr(:second_year, 3, 2) <= coalesce(m.last_year, '9999/99')
    WHERE s.etl_file_id = :etl_file_id AND s.rectype IN (1, 2) AND s.problem IS NULL
),
typed AS (
    SELECT *,
           -- Each token in the case it is published in. (A CASE, not `IN (…)` lists: SQLite
           -- 3.40 builds a lookup table for such a list on every row; migration 0011.)
           CASE upper(raw) WHEN 'SUPP' THEN 'SUPP' WHEN 'NE' THEN 'NE' WHEN 'NP' THEN 'NP'
                           WHEN 'LOWCOV' THEN 'LOWCOV' WHEN 'NEW' THEN 'NEW' WHEN 'NA' THEN 'NA'
                           WHEN 'X' THEN 'x' WHEN 'Z' THEN 'z' WHEN 'C' THEN 'c' WHEN 'LOW' THEN 'low'
                           ELSE 'ok' END AS status
    FROM cell
    WHERE raw IS NOT NULL AND raw <> ''
)
SELECT urn, :first_year || '/' || substr(:second_year, 3, 2), upper(:key_stage), measure,
       CASE WHEN status = 'ok' THEN CAST(rtrim(raw, '%') AS REAL) END,
       status, cohort, source_column, :source_file, line
FROM typed;
