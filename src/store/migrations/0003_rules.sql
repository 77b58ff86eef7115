-- Bounce Desk store, version 3: the operator's own rules, made from review decisions. The
-- engine applies them before its built-in tables (on every sync, ingest and reclassify); each
-- rule is a phrase of the server's words, optionally a status code and a reporting server
-- that must match too, and the verdict it gives.
CREATE TABLE rules (
    id            INTEGER PRIMARY KEY,
    phrase        TEXT    NOT NULL CHECK (phrase <> ''),
    status        TEXT,
    reporting_mta TEXT,
    class         TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
