-- Which files each refresh step has taken into account, so that a run killed between its loads
-- and its refreshes is finished by the next run instead of leaving derived tables stale.
CREATE TABLE etl_refresh (
    step            TEXT PRIMARY KEY,
    through_file_id INTEGER NOT NULL,   -- the newest etl_file.id (of the step's sources) it has seen
    refreshed       TEXT NOT NULL
);
