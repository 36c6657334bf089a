-- Funder contributions (sources.md §3): reference data, the ledger, and finance's marts.

-- Reference data, loaded from pipelines/reference/*.csv (versioned like dbt seeds) whenever a
-- file there changes. A seed file's header must name exactly its table's columns.
CREATE TABLE etl_seed (
    file    TEXT PRIMARY KEY,
    sha256  TEXT NOT NULL,
    rows    INTEGER NOT NULL,
    loaded  TEXT NOT NULL
);

-- A funder under its canonical id and current name.
CREATE TABLE ref_funders (
    funder_id TEXT PRIMARY KEY CHECK (funder_id = upper(funder_id) AND length(funder_id) BETWEEN 2 AND 12),
    name      TEXT NOT NULL UNIQUE
);

-- A funder's names over time (valid_from inclusive, valid_to exclusive; NULL = open-ended).
CREATE TABLE ref_funder_names (
    funder_id  TEXT NOT NULL REFERENCES ref_funders(funder_id),
    name       TEXT NOT NULL,
    valid_from TEXT,
    valid_to   TEXT,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);

-- Other ids and names finance types for a funder, matched case-insensitively.
CREATE TABLE ref_funder_aliases (
    alias     TEXT PRIMARY KEY COLLATE NOCASE,
    funder_id TEXT NOT NULL REFERENCES ref_funders(funder_id),
    note      TEXT
);

-- A funding round and the total announced for it, in pence.
CREATE TABLE ref_funding_rounds (
    round                 TEXT PRIMARY KEY CHECK (round GLOB '[0-9][0-9][0-9][0-9]' OR round GLOB '[0-9][0-9][0-9][0-9]/[0-9][0-9]'),
    announced_pence       INTEGER NOT NULL CHECK (announced_pence > 0),
    announced_qualifier   TEXT NOT NULL CHECK (announced_qualifier IN ('exact', 'over')),
    first_announced_pence INTEGER CHECK (first_announced_pence > 0),
    note                  TEXT
);

-- Which funders belong to which round.
CREATE TABLE ref_round_funders (
    round     TEXT NOT NULL REFERENCES ref_funding_rounds(round),
    funder_id TEXT NOT NULL REFERENCES ref_funders(funder_id),
    PRIMARY KEY (round, funder_id)
) WITHOUT ROWID;

-- Every ledger entry of every delivery (XML or CSV), typed, as it came, with the funder it
-- resolved to. A row with a problem (unknown funder, wrong sign, unknown round) is kept here
-- for mart_funding_issue, rejected in etl_reject, and never reaches fct_contribution.
CREATE TABLE stg_contribution (
    etl_file_id  INTEGER NOT NULL REFERENCES etl_file(id),
    line         INTEGER NOT NULL,
    file_date    TEXT NOT NULL,
    ref          TEXT NOT NULL,
    funder_code  TEXT,
    funder_name  TEXT,
    funder_id    TEXT REFERENCES ref_funders(funder_id),
    round        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    entry_date   TEXT NOT NULL,
    amount_pence INTEGER NOT NULL,
    memo         TEXT,
    problem      TEXT,
    PRIMARY KEY (etl_file_id, line)
) WITHOUT ROWID;
CREATE INDEX stg_contribution_ref ON stg_contribution(ref, file_date);

-- One row per ledger reference: the first delivery of it, in the order of the files' dates.
CREATE TABLE fct_contribution (
    ref          TEXT PRIMARY KEY,
    funder_id    TEXT NOT NULL REFERENCES ref_funders(funder_id),
    round        TEXT NOT NULL REFERENCES ref_funding_rounds(round),
    kind         TEXT NOT NULL CHECK (kind IN ('pledge', 'receipt', 'refund')),
    entry_date   TEXT NOT NULL CHECK (entry_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount_pence INTEGER NOT NULL CHECK ((kind = 'refund') = (amount_pence < 0)),
    memo         TEXT,
    source_file  TEXT NOT NULL,
    source_line  INTEGER NOT NULL
);
CREATE INDEX fct_contribution_round ON fct_contribution(round, funder_id);

-- A reference delivered again with different content: kept out of the facts, for finance.
CREATE TABLE contribution_conflict (
    ref          TEXT NOT NULL,
    file         TEXT NOT NULL,
    line         INTEGER NOT NULL,
    funder_id    TEXT,
    round        TEXT,
    kind         TEXT,
    entry_date   TEXT,
    amount_pence INTEGER,
    kept_file    TEXT NOT NULL,
    kept_line    INTEGER NOT NULL,
    differences  TEXT NOT NULL,
    PRIMARY KEY (ref, file, line)
);

-- One row per funder: canonical id, current name, and every name it has had.
CREATE VIEW dim_funder AS
SELECT f.funder_id,
       f.name AS funder_name,
       (SELECT group_concat(n.name || ' (' || coalesce(n.valid_from, '…') || ' to ' || coalesce(n.valid_to, 'now') || ')', '; ')
          FROM ref_funder_names n WHERE n.funder_id = f.funder_id) AS names_over_time,
       (SELECT group_concat(a.alias, '; ') FROM ref_funder_aliases a WHERE a.funder_id = f.funder_id) AS aliases
FROM ref_funders f;
