-- Partnerships (sources.md §2), school performance tables (§5), the teacher survey (§6), and the
-- marts that put them together for the programme's analysts.
--
-- Layers, as everywhere: stg_* are delivered rows, typed, as they came; dim_*/fct_*/bridge_* are
-- the core; mart_* are the analysts' contract (their names and columns do not change).

-- ---------------------------------------------------------------------------------------------
-- Partnerships
-- ---------------------------------------------------------------------------------------------

-- One row per <Partnership> of every export held. Repeated children arrive as JSON arrays of
-- strings aligned by occurrence: member_urns[i], member_joined[i] and member_left[i] describe the
-- i-th <Member> (member_left[i] is null while the school is still a member). Only the newest
-- export's rows are kept: an export is a full snapshot of the CRM. A partnership the transform
-- refuses stays here with its `problem` (also in etl_reject) and never reaches the core tables.
CREATE TABLE stg_partnership (
    etl_file_id    INTEGER NOT NULL REFERENCES etl_file(id),
    line           INTEGER NOT NULL,
    export_date    TEXT NOT NULL,
    partnership_id TEXT NOT NULL CHECK (partnership_id GLOB 'EP-[0-9][0-9][0-9][0-9]'),
    name           TEXT NOT NULL,
    focus          TEXT NOT NULL CHECK (json_valid(focus)),
    lead_urn       INTEGER NOT NULL,
    plan_start     TEXT NOT NULL,
    plan_end       TEXT NOT NULL,
    grant_pence    INTEGER NOT NULL CHECK (grant_pence >= 0),
    member_urns    TEXT NOT NULL CHECK (json_valid(member_urns)),
    member_joined  TEXT NOT NULL CHECK (json_valid(member_joined)),
    member_left    TEXT NOT NULL CHECK (json_valid(member_left)),
    problem        TEXT,
    PRIMARY KEY (etl_file_id, partnership_id)
) WITHOUT ROWID;

-- One row per partnership in the newest export.
--   focus_subjects: JSON array, e.g. ["Science","DesignAndTechnology"]; to filter:
--     WHERE EXISTS (SELECT 1 FROM json_each(focus_subjects) WHERE value = 'Science')
--   member_count: distinct schools ever listed as members (including those that left).
--   size_flag: partnerships are usually four to eight schools; one outside that is kept and
--     flagged 'fewer_than_4' or 'more_than_8', never refused.
CREATE TABLE dim_partnership (
    partnership_id TEXT PRIMARY KEY CHECK (partnership_id GLOB 'EP-[0-9][0-9][0-9][0-9]'),
    name           TEXT NOT NULL,
    focus_subjects TEXT NOT NULL CHECK (json_valid(focus_subjects) AND json_array_length(focus_subjects) > 0),
    lead_urn       INTEGER NOT NULL,
    plan_start     TEXT NOT NULL CHECK (plan_start GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    plan_end       TEXT NOT NULL CHECK (plan_end GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    grant_pence    INTEGER NOT NULL CHECK (grant_pence >= 0),
    member_count   INTEGER NOT NULL CHECK (member_count > 0),
    size_flag      TEXT NOT NULL CHECK (size_flag IN ('within_4_to_8', 'fewer_than_4', 'more_than_8')),
    export_date    TEXT NOT NULL,
    source_file    TEXT NOT NULL,
    source_line    INTEGER NOT NULL,
    CHECK (plan_end >= plan_start),
    CHECK (size_flag = CASE WHEN member_count < 4 THEN 'fewer_than_4' WHEN member_count > 8 THEN 'more_than_8' ELSE 'within_4_to_8' END)
);

-- One row per membership: a school in a partnership from joined_on to left_on (inclusive; NULL
-- while still a member). A school that rejoins has a second row. The URN is as the CRM wrote it;
-- follow school_lineage to today's school.
CREATE TABLE bridge_partnership_school (
    partnership_id TEXT NOT NULL REFERENCES dim_partnership(partnership_id),
    urn            INTEGER NOT NULL,
    joined_on      TEXT NOT NULL CHECK (joined_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    left_on        TEXT CHECK (left_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    is_lead        INTEGER NOT NULL CHECK (is_lead IN (0, 1)),
    PRIMARY KEY (partnership_id, urn, joined_on),
    CHECK (left_on IS NULL OR left_on >= joined_on)
) WITHOUT ROWID;
CREATE INDEX bridge_partnership_school_urn ON bridge_partnership_school(urn);

-- ---------------------------------------------------------------------------------------------
-- Attainment: DfE performance tables, KS2 and KS4, one file per key stage per academic year
-- ---------------------------------------------------------------------------------------------

-- Which column of which year's file is which canonical measure (pipelines/reference/
-- attainment_measures.csv). A measure's name states its standard (ks2_rwm_level4 before 2015/16,
-- ks2_rwm_expected after), so one measure is one thing; `series` says which of its years compare:
-- two years of a measure compare when their series are equal (the 2014 KS4 reforms and the 2017
-- 9–1 point scores broke series within a measure). last_year NULL: still published.
CREATE TABLE ref_attainment_measures (
    key_stage     TEXT NOT NULL CHECK (key_stage IN ('KS2', 'KS4')),
    source_column TEXT NOT NULL CHECK (source_column = upper(source_column)),
    first_year    TEXT NOT NULL CHECK (first_year GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'),
    last_year     TEXT CHECK (last_year GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'),
    measure       TEXT NOT NULL CHECK (measure GLOB '[a-z]*' AND measure NOT GLOB '*[^a-z0-9_]*'),
    series        TEXT NOT NULL,
    unit          TEXT NOT NULL CHECK (unit IN ('percent', 'score')),
    description   TEXT NOT NULL,
    PRIMARY KEY (key_stage, source_column, first_year),
    CHECK (last_year IS NULL OR last_year >= first_year),
    CHECK (substr(measure, 1, 4) = lower(key_stage) || '_')
);

-- Every row of every KS2 and KS4 file held, as it came: school rows (RECTYPE 1 mainstream, 2
-- special) and the LA and national rows (other RECTYPEs, no URN). Measure columns are the cells as
-- published (`62%`, `46.9`, `SUPP`, `x`), NULL where the file has no such column or a blank cell.
-- A corrected file for the same key stage and year replaces the earlier one's rows. A school row
-- the transform refuses keeps its `problem` and never reaches fct_attainment.
CREATE TABLE stg_attainment (
    etl_file_id     INTEGER NOT NULL REFERENCES etl_file(id),
    line            INTEGER NOT NULL,
    key_stage       TEXT NOT NULL CHECK (key_stage IN ('ks2', 'ks4')),
    first_year      TEXT NOT NULL,
    second_year     TEXT NOT NULL,
    rectype         INTEGER NOT NULL,
    lea             TEXT,
    estab           TEXT,
    urn             INTEGER,
    school_name     TEXT,
    cohort          INTEGER,   -- KS2 TELIG (pupils eligible), KS4 TPUP (pupils at the end of KS4)
    -- KS2
    ptengmatx        TEXT, ptreadwrittamatx TEXT, ptrwm_exp     TEXT,
    ptmatx           TEXT, ptmat_exp        TEXT,
    ptscitax         TEXT, ptscita_exp      TEXT,
    -- KS4
    ptac5em          TEXT, ptac5em_ptq      TEXT, ptac5em_ptq_ee TEXT,
    ptebacc          TEXT, ptebacc_ptq      TEXT, ptebacc_ptq_ee TEXT,
    att8scr          TEXT, p8mea            TEXT,
    ptl2basics_94    TEXT, ptebac2sci_94    TEXT,
    problem          TEXT,
    PRIMARY KEY (etl_file_id, line)
) WITHOUT ROWID;
-- A school appears once per file (NULL URNs, the LA and national rows, are distinct).
CREATE UNIQUE INDEX stg_attainment_school ON stg_attainment(etl_file_id, urn);
CREATE INDEX stg_attainment_year ON stg_attainment(key_stage, first_year);

-- One row per published cell of a school row: a school's result on a measure in an academic year.
-- A number has status 'ok'; a token (SUPP suppressed, NE no entries, NP not published, LOWCOV,
-- NEW, NA, and x, z, c, low in newer files) has its status and a NULL value — never a zero. A
-- blank cell is no row. `urn` is as published (the URN open at the end of the academic year).
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
    PRIMARY KEY (urn, academic_year, key_stage, measure),
    CHECK ((status = 'ok') = (value IS NOT NULL)),
    -- a file named ks2_2015-2017.csv is refused whole, naming this constraint
    CONSTRAINT academic_year_is_two_consecutive_years
        CHECK (substr(academic_year, 6, 2) = printf('%02d', (CAST(substr(academic_year, 1, 4) AS INTEGER) + 1) % 100))
) WITHOUT ROWID;
CREATE INDEX fct_attainment_year ON fct_attainment(key_stage, academic_year, measure);

-- ---------------------------------------------------------------------------------------------
-- Teacher survey
-- ---------------------------------------------------------------------------------------------

-- How an answer may be written (lower case, ’ typed as ') and what it means
-- (pipelines/reference/survey_answers.csv). positive: 1 for Strongly agree / Agree and Yes.
CREATE TABLE ref_survey_answers (
    scale    TEXT NOT NULL CHECK (scale IN ('agreement', 'yes_no')),
    wording  TEXT NOT NULL CHECK (wording = lower(trim(wording))),
    answer   TEXT NOT NULL,
    positive INTEGER NOT NULL CHECK (positive IN (0, 1)),
    PRIMARY KEY (scale, wording)
) WITHOUT ROWID;

-- Every response of the newest survey export, as it came. Free-text comments are never read
-- (they may name people). A response the transform refuses keeps its `problem` and never reaches
-- fct_survey_response.
CREATE TABLE stg_survey_response (
    etl_file_id        INTEGER NOT NULL REFERENCES etl_file(id),
    line               INTEGER NOT NULL,
    file_date          TEXT NOT NULL,
    responded_at       TEXT NOT NULL,
    partnership_id     TEXT NOT NULL,
    urn                INTEGER NOT NULL,
    role               TEXT,
    attainment_answer  TEXT,
    engagement_answer  TEXT,
    cpd_hours          REAL,
    subjects           TEXT,
    problem            TEXT,
    PRIMARY KEY (etl_file_id, line)
) WITHOUT ROWID;

-- One row per survey response, with the two headline answers normalised: the canonical answer and
-- whether it is positive (agrees the partnership raised attainment; says engagement increased).
-- NULL where the respondent skipped the question.
CREATE TABLE fct_survey_response (
    partnership_id       TEXT NOT NULL,
    urn                  INTEGER NOT NULL,
    responded_at         TEXT NOT NULL CHECK (responded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'),
    role                 TEXT,
    attainment_answer    TEXT,
    agrees_attainment    INTEGER CHECK (agrees_attainment IN (0, 1)),
    engagement_answer    TEXT,
    engagement_increased INTEGER CHECK (engagement_increased IN (0, 1)),
    cpd_hours            REAL,
    subjects             TEXT,
    export_date          TEXT NOT NULL,
    source_file          TEXT NOT NULL,
    source_line          INTEGER NOT NULL,
    PRIMARY KEY (source_file, source_line),
    CHECK ((attainment_answer IS NULL) = (agrees_attainment IS NULL)),
    CHECK ((engagement_answer IS NULL) = (engagement_increased IS NULL))
) WITHOUT ROWID;
CREATE INDEX fct_survey_response_partnership ON fct_survey_response(partnership_id);

-- ---------------------------------------------------------------------------------------------
-- Marts: the analysts' contract. README.md ("Attainment marts") shows how to recompute each
-- figure by hand.
-- ---------------------------------------------------------------------------------------------

-- One row per partnership, academic year, key stage and measure for which any school of the
-- partnership has a row in that year's file.
--   member_schools: every school ever a member, each followed through school_lineage to its
--     current school (a conversion or merger counts once; a split or unresolved URN as itself).
--   schools_with_value: that year's school rows whose URN resolves to one of those schools and
--     that carry a published value (status 'ok'); a token never counts, never enters a mean.
--   mean_value: the unweighted mean of those published values; NULL with status 'suppressed'
--     when fewer than 3 schools have one.
--   baseline_year: the academic year before the one the action plan started in;
--     baseline_mean: that year's mean (NULL when suppressed or absent);
--     baseline_comparable: 1 when both years are in the same series of the measure;
--     change_from_baseline: mean_value − baseline_mean, only when both are shown and comparable.
CREATE VIEW mart_attainment_partnership AS
WITH member_school AS MATERIALIZED (
    SELECT DISTINCT b.partnership_id, coalesce(l.current_urn, b.urn) AS school_urn
    FROM bridge_partnership_school b
    LEFT JOIN school_lineage l ON l.urn = b.urn
),
member_count AS (
    SELECT partnership_id, count(*) AS member_schools FROM member_school GROUP BY partnership_id
),
result AS (
    SELECT m.partnership_id, f.academic_year, f.key_stage, f.measure, f.source_column, f.value, f.status
    FROM fct_attainment f
    LEFT JOIN school_lineage l ON l.urn = f.urn
    JOIN member_school m ON m.school_urn = coalesce(l.current_urn, f.urn)
),
yearly AS MATERIALIZED (
    SELECT r.partnership_id, r.academic_year, r.key_stage, r.measure,
           sum(r.status = 'ok') AS schools_with_value,
           avg(CASE WHEN r.status = 'ok' THEN r.value END) AS published_mean,
           (SELECT min(m.series) FROM ref_attainment_measures m
             WHERE m.key_stage = r.key_stage AND m.measure = r.measure
               AND r.academic_year >= m.first_year AND r.academic_year <= coalesce(m.last_year, '9999/99')) AS series
    FROM result r
    GROUP BY r.partnership_id, r.academic_year, r.key_stage, r.measure
),
framed AS (
    SELECT y.*,
           -- the academic year starts on 1 September: a plan starting 2015-09-01 or 2016-02-01
           -- starts in 2015/16, and its baseline is 2014/15
           (CAST(substr(p.plan_start, 1, 4) AS INTEGER) - (substr(p.plan_start, 6, 2) < '09') - 1) AS baseline_first
    FROM yearly y JOIN dim_partnership p ON p.partnership_id = y.partnership_id
)
SELECT f.partnership_id,
       f.academic_year,
       f.key_stage,
       f.measure,
       c.member_schools,
       f.schools_with_value,
       CASE WHEN f.schools_with_value >= 3 THEN f.published_mean END AS mean_value,
       CASE WHEN f.schools_with_value >= 3 THEN 'published' ELSE 'suppressed' END AS status,
       printf('%d/%02d', f.baseline_first, (f.baseline_first + 1) % 100) AS baseline_year,
       CASE WHEN b.schools_with_value >= 3 THEN b.published_mean END AS baseline_mean,
       CASE WHEN b.partnership_id IS NOT NULL THEN b.series = f.series END AS baseline_comparable,
       CASE WHEN f.schools_with_value >= 3 AND b.schools_with_value >= 3 AND b.series = f.series
            THEN f.published_mean - b.published_mean END AS change_from_baseline
FROM framed f
JOIN member_count c ON c.partnership_id = f.partnership_id
LEFT JOIN yearly b
       ON b.partnership_id = f.partnership_id AND b.key_stage = f.key_stage AND b.measure = f.measure
      AND b.academic_year = printf('%d/%02d', f.baseline_first, (f.baseline_first + 1) % 100);

-- One row per headline figure of the programme.
--   schools_engaged: distinct schools ever a member of any partnership, each followed through
--     school_lineage to its current school.
--   partnerships, median_partnership_size, max_partnership_size: over dim_partnership.member_count.
--   pct_agree_raised_attainment: survey respondents (all school roles) answering Strongly agree or
--     Agree that the partnership raised attainment, of those who answered that question.
--   pct_engagement_increased: respondents answering Yes (of Yes, No and Don't know).
--   cpd_hours_per_teacher: attended CPD hours of participants whose role is Teacher, divided by
--     the distinct Teacher participants who attended anything.
--   funding_per_school_engaged_pence: the partnerships' grants (pence) / schools engaged.
-- as_of: the newest date the figure draws on (export date; latest CPD session).
-- Percentages and hours are rounded to one decimal, pence to the penny; numerator and
-- denominator are exact.
CREATE VIEW mart_programme_kpi AS
WITH member_school AS (
    SELECT DISTINCT coalesce(l.current_urn, b.urn) AS school_urn
    FROM bridge_partnership_school b
    LEFT JOIN school_lineage l ON l.urn = b.urn
),
programme AS (
    SELECT (SELECT count(*) FROM member_school) AS schools,
           (SELECT count(*) FROM dim_partnership) AS partnerships,
           (SELECT sum(grant_pence) FROM dim_partnership) AS grants,
           (SELECT max(member_count) FROM dim_partnership) AS largest,
           (SELECT max(export_date) FROM dim_partnership) AS export_date
),
ranked AS (
    SELECT member_count, row_number() OVER (ORDER BY member_count) AS position, count(*) OVER () AS n
    FROM dim_partnership
),
survey AS (
    SELECT sum(agrees_attainment) AS agree, count(agrees_attainment) AS answered_attainment,
           sum(engagement_increased) AS yes, count(engagement_increased) AS answered_engagement,
           max(export_date) AS export_date
    FROM fct_survey_response
),
cpd AS (
    SELECT (SELECT sum(hours) FROM fct_attendance
             WHERE attended = 1 AND lower(trim(role)) = 'teacher' AND upper(trim(activity_type)) = 'CPD') AS hours,
           (SELECT count(DISTINCT participant_key) FROM fct_attendance
             WHERE attended = 1 AND lower(trim(role)) = 'teacher') AS teachers,
           (SELECT max(session_date) FROM fct_attendance) AS as_of
)
SELECT 'schools_engaged' AS kpi, schools AS value, schools AS numerator, NULL AS denominator, 'schools' AS unit, export_date AS as_of FROM programme
UNION ALL
SELECT 'partnerships', partnerships, partnerships, NULL, 'partnerships', export_date FROM programme
UNION ALL
SELECT 'median_partnership_size', (SELECT avg(member_count) FROM ranked WHERE position IN ((n + 1) / 2, (n + 2) / 2)),
       NULL, NULL, 'schools', export_date FROM programme
UNION ALL
SELECT 'max_partnership_size', largest, NULL, NULL, 'schools', export_date FROM programme
UNION ALL
SELECT 'pct_agree_raised_attainment', round(100.0 * agree / nullif(answered_attainment, 0), 1), agree, answered_attainment, 'percent', export_date FROM survey
UNION ALL
SELECT 'pct_engagement_increased', round(100.0 * yes / nullif(answered_engagement, 0), 1), yes, answered_engagement, 'percent', export_date FROM survey
UNION ALL
SELECT 'cpd_hours_per_teacher', round(hours / nullif(teachers, 0), 1), coalesce(hours, 0), teachers, 'hours', as_of FROM cpd
UNION ALL
SELECT 'funding_per_school_engaged_pence', CAST(round(1.0 * grants / nullif(schools, 0)) AS INTEGER), grants, schools, 'pence', export_date FROM programme;
