-- School links: apply one links snapshot file (sources.md §1b).
-- Parameters: :etl_file_id, :snapshot_date. The lineage itself is rebuilt after the run's loads
-- (refresh step `school_lineage`) from the newest snapshot held.

-- A corrected delivery of the same snapshot date replaces the earlier one as a whole.
UPDATE etl_file SET status = 'superseded'
WHERE status = 'loaded' AND source = 'school_links' AND id <> :etl_file_id
  AND id IN (SELECT DISTINCT etl_file_id FROM stg_school_link
             WHERE snapshot_date = :snapshot_date AND etl_file_id <> :etl_file_id);
DELETE FROM stg_school_link
WHERE snapshot_date = :snapshot_date AND etl_file_id <> :etl_file_id;
