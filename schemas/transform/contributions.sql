-- Funder contributions: apply one ledger delivery (XML or CSV; sources.md §3).
-- Parameters: :etl_file_id, :file_date, :source, :source_file. Runs in the file's transaction
-- after its entries are in stg_contribution.

-- 1. A corrected delivery of the same date in the same format replaces the earlier one.
UPDATE etl_file SET status = 'superseded'
WHERE status = 'loaded' AND source = :source AND id <> :etl_file_id AND file_date = :file_date;
DELETE FROM stg_contribution
WHERE etl_file_id IN (SELECT id FROM etl_file WHERE status = 'superseded' AND source = :source AND file_date = :file_date);

-- 2. Resolve each entry's funder from the id and the name finance typed: canonical ids, then
--    aliases, then names the funder has had (a name may also be typed as an id: GSK, BP). An id and a name that point at two different
--    funders are a problem, not a guess.
UPDATE stg_contribution
SET funder_id = coalesce(
        (SELECT funder_id FROM ref_funders WHERE funder_id = upper(trim(stg_contribution.funder_code))),
        (SELECT funder_id FROM ref_funder_aliases WHERE alias = trim(stg_contribution.funder_code)),
        (SELECT funder_id FROM ref_funders WHERE lower(name) = lower(trim(stg_contribution.funder_name))),
        (SELECT funder_id FROM ref_funders WHERE funder_id = upper(trim(stg_contribution.funder_name))),
        (SELECT funder_id FROM ref_funder_aliases WHERE alias = trim(stg_contribution.funder_name)),
        (SELECT funder_id FROM ref_funder_names WHERE lower(name) = lower(trim(stg_contribution.funder_name))))
WHERE etl_file_id = :etl_file_id;

UPDATE stg_contribution
SET problem = CASE
    WHEN funder_id IS NULL THEN
        'unknown funder ' || quote(coalesce(funder_code, '')) || ' / ' || quote(coalesce(funder_name, ''))
        || ': add it to pipelines/reference/funders.csv or funder_aliases.csv, or correct the ledger'
    WHEN funder_name IS NOT NULL AND coalesce(
            (SELECT funder_id FROM ref_funders WHERE lower(name) = lower(trim(funder_name))),
            (SELECT funder_id FROM ref_funders WHERE funder_id = upper(trim(funder_name))),
            (SELECT funder_id FROM ref_funder_aliases WHERE alias = trim(funder_name)),
            (SELECT funder_id FROM ref_funder_names WHERE lower(name) = lower(trim(funder_name))),
            funder_id) <> funder_id THEN
        'funder id ' || quote(funder_code) || ' and name ' || quote(funder_name) || ' name two different funders'
    WHEN round NOT IN (SELECT round FROM ref_funding_rounds) THEN
        'round ' || quote(round) || ' is not a funding round in pipelines/reference/funding_rounds.csv'
    WHEN kind = 'refund' AND amount_pence >= 0 THEN 'a refund must be a negative amount'
    WHEN kind <> 'refund' AND amount_pence <= 0 THEN 'a ' || kind || ' must be a positive amount'
    END
WHERE etl_file_id = :etl_file_id;

INSERT INTO temp.transform_reject (line, field, value, reason)
SELECT line,
       CASE WHEN problem LIKE 'round%' THEN 'round' WHEN problem LIKE 'a %' THEN 'amount' ELSE 'funder' END,
       CASE WHEN problem LIKE 'round%' THEN round WHEN problem LIKE 'a %' THEN CAST(amount_pence AS TEXT)
            ELSE coalesce(funder_code, '') || ' / ' || coalesce(funder_name, '') END,
       problem
FROM stg_contribution WHERE etl_file_id = :etl_file_id AND problem IS NOT NULL;

-- 3. Rebuild the facts from every delivery held, in the order of the files' dates: the first
--    delivery of a reference is kept; a later one with the same content is a duplicate to skip;
--    a later one with different content is a conflict for finance, kept out of the facts.
DELETE FROM fct_contribution;
DELETE FROM contribution_conflict;
CREATE TEMP TABLE IF NOT EXISTS ranked_entry AS SELECT *, 0 AS seq FROM stg_contribution WHERE 0;
DELETE FROM temp.ranked_entry;
INSERT INTO temp.ranked_entry
SELECT *, row_number() OVER (PARTITION BY ref ORDER BY file_date, etl_file_id, line)
FROM stg_contribution WHERE problem IS NULL;

INSERT INTO fct_contribution (ref, funder_id, round, kind, entry_date, amount_pence, memo, source_file, source_line)
SELECT e.ref, e.funder_id, e.round, e.kind, e.entry_date, e.amount_pence, e.memo, f.file_name, e.line
FROM temp.ranked_entry e JOIN etl_file f ON f.id = e.etl_file_id
WHERE e.seq = 1;

INSERT INTO contribution_conflict (ref, file, line, funder_id, round, kind, entry_date, amount_pence, kept_file, kept_line, differences)
SELECT e.ref, f.file_name, e.line, e.funder_id, e.round, e.kind, e.entry_date, e.amount_pence, kf.file_name, k.line,
       trim(CASE WHEN e.funder_id IS NOT k.funder_id THEN 'funder (' || e.funder_id || ' not ' || k.funder_id || ') ' ELSE '' END
         || CASE WHEN e.round IS NOT k.round THEN 'round (' || e.round || ' not ' || k.round || ') ' ELSE '' END
         || CASE WHEN e.kind IS NOT k.kind THEN 'kind (' || e.kind || ' not ' || k.kind || ') ' ELSE '' END
         || CASE WHEN e.entry_date IS NOT k.entry_date THEN 'date (' || e.entry_date || ' not ' || k.entry_date || ') ' ELSE '' END
         || CASE WHEN e.amount_pence IS NOT k.amount_pence THEN 'amount (' || (CASE WHEN e.amount_pence < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(e.amount_pence) / 100, abs(e.amount_pence) % 100)) || ' not ' || (CASE WHEN k.amount_pence < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(k.amount_pence) / 100, abs(k.amount_pence) % 100)) || ') ' ELSE '' END)
FROM temp.ranked_entry e
JOIN temp.ranked_entry k ON k.ref = e.ref AND k.seq = 1
JOIN etl_file f ON f.id = e.etl_file_id
JOIN etl_file kf ON kf.id = k.etl_file_id
WHERE e.seq > 1
  AND (e.funder_id IS NOT k.funder_id OR e.round IS NOT k.round OR e.kind IS NOT k.kind
       OR e.entry_date IS NOT k.entry_date OR e.amount_pence IS NOT k.amount_pence);
