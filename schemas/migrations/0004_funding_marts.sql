-- Finance's marts. These names and columns are the analysts' and finance's contract.
-- Each view reads base tables only (fct_contribution, contribution_conflict, stg_contribution,
-- ref_*), so `enthuse reconcile --as-of DATE` can run the same SQL over the entries dated up to
-- DATE. Money is integer pence.

-- One row per funding round: what was announced, pledged, received and refunded.
CREATE VIEW mart_funding_round AS
WITH totals AS (
    SELECT round,
           sum(CASE kind WHEN 'pledge' THEN amount_pence ELSE 0 END) AS pledged,
           sum(CASE kind WHEN 'receipt' THEN amount_pence ELSE 0 END) AS received,
           -sum(CASE kind WHEN 'refund' THEN amount_pence ELSE 0 END) AS refunded
    FROM fct_contribution GROUP BY round
),
figures AS (
    SELECT r.round, r.announced_pence, r.announced_qualifier,
           coalesce(t.pledged, 0) AS pledged_pence,
           coalesce(t.received, 0) AS received_pence,
           coalesce(t.refunded, 0) AS refunded_pence
    FROM ref_funding_rounds r LEFT JOIN totals t ON t.round = r.round
)
SELECT round, announced_pence, announced_qualifier, pledged_pence, received_pence, refunded_pence,
       received_pence - refunded_pence AS net_received_pence,
       pledged_pence - (received_pence - refunded_pence) AS outstanding_pence,
       pledged_pence - announced_pence AS variance_to_announced_pence,
       CASE
           WHEN (announced_qualifier = 'exact' AND pledged_pence <> announced_pence)
             OR (announced_qualifier = 'over' AND pledged_pence <= announced_pence) THEN 'announced_mismatch'
           WHEN pledged_pence > received_pence - refunded_pence THEN 'outstanding'
           WHEN pledged_pence < received_pence - refunded_pence THEN 'overpaid'
           ELSE 'balanced'
       END AS status
FROM figures;

-- One row per funder per round.
CREATE VIEW mart_funding_funder AS
SELECT c.round, c.funder_id, f.name AS funder_name,
       sum(CASE c.kind WHEN 'pledge' THEN c.amount_pence ELSE 0 END) AS pledged_pence,
       sum(CASE c.kind WHEN 'receipt' THEN c.amount_pence ELSE 0 END) AS received_pence,
       -sum(CASE c.kind WHEN 'refund' THEN c.amount_pence ELSE 0 END) AS refunded_pence,
       sum(CASE c.kind WHEN 'pledge' THEN c.amount_pence ELSE -c.amount_pence END) AS outstanding_pence,
       count(*) AS entries
FROM fct_contribution c JOIN ref_funders f ON f.funder_id = c.funder_id
GROUP BY c.round, c.funder_id;

-- One row per thing finance must look at.
CREATE VIEW mart_funding_issue AS
WITH by_funder AS (
    SELECT round, funder_id,
           sum(CASE kind WHEN 'pledge' THEN amount_pence ELSE 0 END) AS pledged,
           sum(CASE kind WHEN 'pledge' THEN 0 ELSE amount_pence END) AS net_received
    FROM fct_contribution GROUP BY round, funder_id
),
by_round AS (
    SELECT r.round, r.announced_pence, r.announced_qualifier,
           coalesce((SELECT sum(amount_pence) FROM fct_contribution c WHERE c.round = r.round AND c.kind = 'pledge'), 0) AS pledged
    FROM ref_funding_rounds r
),
latest_problem AS (
    SELECT s.*, f.file_name,
           row_number() OVER (PARTITION BY s.ref ORDER BY s.file_date DESC, s.etl_file_id DESC, s.line DESC) AS newest
    FROM stg_contribution s JOIN etl_file f ON f.id = s.etl_file_id
    WHERE s.problem IS NOT NULL AND s.ref NOT IN (SELECT ref FROM fct_contribution)
)
SELECT 'conflict' AS kind, round, funder_id, ref, amount_pence,
       'delivered again in ' || file || ' line ' || line || ' with a different ' || differences
       || '; the first delivery (' || kept_file || ' line ' || kept_line || ') is kept' AS detail
FROM contribution_conflict
UNION ALL
SELECT CASE WHEN problem LIKE 'unknown funder%' THEN 'unknown_funder' ELSE 'rejected_entry' END,
       round, funder_id, ref, amount_pence, problem || ' (' || file_name || ' line ' || line || ')'
FROM latest_problem WHERE newest = 1
UNION ALL
SELECT 'receipt_without_pledge', round, funder_id, NULL, net_received,
       'received ' || (CASE WHEN net_received < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(net_received) / 100, abs(net_received) % 100)) || ' with no pledge in this round'
FROM by_funder WHERE pledged = 0 AND net_received <> 0
UNION ALL
SELECT 'overpaid', round, funder_id, NULL, net_received - pledged,
       'net received ' || (CASE WHEN net_received < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(net_received) / 100, abs(net_received) % 100)) || ' against ' || (CASE WHEN pledged < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(pledged) / 100, abs(pledged) % 100)) || ' pledged'
FROM by_funder WHERE pledged > 0 AND net_received > pledged
UNION ALL
SELECT 'underpaid', round, funder_id, NULL, pledged - net_received,
       'net received ' || (CASE WHEN net_received < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(net_received) / 100, abs(net_received) % 100)) || ' against ' || (CASE WHEN pledged < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(pledged) / 100, abs(pledged) % 100)) || ' pledged'
FROM by_funder WHERE pledged > 0 AND net_received < pledged
UNION ALL
SELECT 'outside_round', c.round, c.funder_id, c.ref, c.amount_pence,
       'funder ' || c.funder_id || ' is not listed as a funder of round ' || c.round || ' (pipelines/reference/round_funders.csv)'
FROM fct_contribution c
WHERE NOT EXISTS (SELECT 1 FROM ref_round_funders m WHERE m.round = c.round AND m.funder_id = c.funder_id)
UNION ALL
SELECT 'announced_mismatch', round, NULL, NULL, pledged - announced_pence,
       'pledged ' || (CASE WHEN pledged < 0 THEN '-' ELSE '' END || printf('£%,d.%02d', abs(pledged) / 100, abs(pledged) % 100)) || ' against ' || CASE announced_qualifier WHEN 'over' THEN 'over ' ELSE '' END
       || printf('£%,d.%02d', announced_pence / 100, announced_pence % 100) || ' announced'
FROM by_round
WHERE (announced_qualifier = 'exact' AND pledged <> announced_pence)
   OR (announced_qualifier = 'over' AND pledged <= announced_pence);
