-- Bounce Desk store, version 1.
-- Times are Unix seconds (UTC). Addresses are stored lower-cased in `recipient`/`email`
-- columns so that joins and look-ups ignore case.

-- One row per distinct message (by content hash), whatever mailbox or file it came from.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    sha256         BLOB    NOT NULL UNIQUE,
    received_at    INTEGER NOT NULL,
    ingested_at    INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    engine_version INTEGER NOT NULL,
    raw_zstd       BLOB    NOT NULL
);

-- Where a message was seen: an IMAP folder position or a file path. Several places may hold
-- the same message (a UIDVALIDITY change, the same file ingested from two folders).
CREATE TABLE message_sources (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    account     TEXT    NOT NULL,   -- '' for files
    folder      TEXT    NOT NULL,   -- the file path for files
    uidvalidity INTEGER NOT NULL,   -- 0 for files
    uid         INTEGER NOT NULL,   -- 0 for files
    PRIMARY KEY (account, folder, uidvalidity, uid)
) WITHOUT ROWID;
CREATE INDEX message_sources_by_message ON message_sources(message_id);

-- One row per recipient result of a message. `class`/`reason` are the effective verdict (a
-- label given by hand wins); `engine_class`/`engine_reason` are what the engine said.
CREATE TABLE bounces (
    id                  INTEGER PRIMARY KEY,
    message_id          INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    occurred_at         INTEGER NOT NULL,
    day                 INTEGER NOT NULL,   -- occurred_at / 86400, for daily charts
    recipient           TEXT    NOT NULL,
    domain              TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
    action              TEXT    NOT NULL,
    status              TEXT,
    reply_code          INTEGER,
    class               TEXT    NOT NULL,
    reason              TEXT    NOT NULL,
    engine_class        TEXT    NOT NULL,
    engine_reason       TEXT    NOT NULL,
    hard_bounce         INTEGER NOT NULL,
    diagnostic          TEXT    NOT NULL,
    remote_mta          TEXT,
    reporting_mta       TEXT,
    last_attempt        TEXT,
    feedback_type       TEXT,
    why                 TEXT    NOT NULL,
    original_message_id TEXT,
    original_list_id    TEXT,
    original_subject    TEXT,
    UNIQUE (message_id, position)
);
CREATE INDEX bounces_by_recipient ON bounces(recipient, occurred_at);
CREATE INDEX bounces_by_time ON bounces(occurred_at);
CREATE INDEX bounces_by_class ON bounces(class, occurred_at);

-- Daily counts by every dimension the dashboard charts, kept in step with `bounces` by the
-- triggers below, so that charts over a million bounces read thousands of rows, not millions.
CREATE TABLE daily_counts (
    day        INTEGER NOT NULL,
    class      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    domain     TEXT    NOT NULL,
    status     TEXT    NOT NULL,   -- '' when none
    reply_code INTEGER NOT NULL,   -- 0 when none
    delayed    INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (day, class, reason, domain, status, reply_code, delayed)
) WITHOUT ROWID;
CREATE INDEX daily_counts_by_domain ON daily_counts(domain, day);

CREATE TRIGGER bounces_count_insert AFTER INSERT ON bounces BEGIN
    INSERT INTO daily_counts (day, class, reason, domain, status, reply_code, delayed, n)
    VALUES (NEW.day, NEW.class, NEW.reason, NEW.domain, COALESCE(NEW.status, ''),
            COALESCE(NEW.reply_code, 0), NEW.action = 'delayed', 1)
    ON CONFLICT (day, class, reason, domain, status, reply_code, delayed) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER bounces_count_delete AFTER DELETE ON bounces BEGIN
    UPDATE daily_counts SET n = n - 1
    WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason AND domain = OLD.domain
      AND status = COALESCE(OLD.status, '') AND reply_code = COALESCE(OLD.reply_code, 0)
      AND delayed = (OLD.action = 'delayed');
    DELETE FROM daily_counts
    WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason AND domain = OLD.domain
      AND status = COALESCE(OLD.status, '') AND reply_code = COALESCE(OLD.reply_code, 0)
      AND delayed = (OLD.action = 'delayed') AND n <= 0;
END;

CREATE TRIGGER bounces_count_update AFTER UPDATE OF class, reason ON bounces BEGIN
    UPDATE daily_counts SET n = n - 1
    WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason AND domain = OLD.domain
      AND status = COALESCE(OLD.status, '') AND reply_code = COALESCE(OLD.reply_code, 0)
      AND delayed = (OLD.action = 'delayed');
    DELETE FROM daily_counts
    WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason AND domain = OLD.domain
      AND status = COALESCE(OLD.status, '') AND reply_code = COALESCE(OLD.reply_code, 0)
      AND delayed = (OLD.action = 'delayed') AND n <= 0;
    INSERT INTO daily_counts (day, class, reason, domain, status, reply_code, delayed, n)
    VALUES (NEW.day, NEW.class, NEW.reason, NEW.domain, COALESCE(NEW.status, ''),
            COALESCE(NEW.reply_code, 0), NEW.action = 'delayed', 1)
    ON CONFLICT (day, class, reason, domain, status, reply_code, delayed) DO UPDATE SET n = n + 1;
END;

-- Verdicts given by hand: they beat every rule and survive re-classification. Keyed by the
-- message's content hash and the recipient, which do not change when the engine does.
CREATE TABLE manual_labels (
    sha256     BLOB    NOT NULL,
    recipient  TEXT    NOT NULL,
    class      TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    labelled_at INTEGER NOT NULL,
    PRIMARY KEY (sha256, recipient)
) WITHOUT ROWID;

-- Recipients the operator keeps whatever bounces (a manual "keep").
CREATE TABLE kept_recipients (
    recipient TEXT    PRIMARY KEY,
    note      TEXT    NOT NULL DEFAULT '',
    kept_at   INTEGER NOT NULL
) WITHOUT ROWID;

-- The policy's current verdict per recipient (derived from bounces, rebuilt on demand).
CREATE TABLE recipient_state (
    recipient      TEXT    PRIMARY KEY,
    domain         TEXT    NOT NULL,
    state          TEXT    NOT NULL,   -- active | soft_bouncing | suppressed | kept
    reason         TEXT    NOT NULL,   -- words the operator can read
    since          INTEGER NOT NULL,
    soft_count     INTEGER NOT NULL,
    first_soft_at  INTEGER,
    last_soft_at   INTEGER,
    cause_bounce_id INTEGER,
    last_bounce_at INTEGER
) WITHOUT ROWID;
CREATE INDEX recipient_state_by_state ON recipient_state(state, since);

-- Every change of a recipient's state, with its reason.
CREATE TABLE state_changes (
    id         INTEGER PRIMARY KEY,
    recipient  TEXT    NOT NULL,
    changed_at INTEGER NOT NULL,
    from_state TEXT    NOT NULL,
    to_state   TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    bounce_id  INTEGER
);
CREATE INDEX state_changes_by_recipient ON state_changes(recipient, changed_at);

-- Imported subscriber lists, with their columns as the file had them, so that the cleaned
-- list can be written back in the same shape.
CREATE TABLE lists (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    source_path  TEXT    NOT NULL,
    imported_at  INTEGER NOT NULL,
    headers_json TEXT    NOT NULL,
    email_column INTEGER NOT NULL,
    delimiter    INTEGER NOT NULL
);

CREATE TABLE list_members (
    list_id     INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    email       TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    fields_json TEXT    NOT NULL,
    PRIMARY KEY (list_id, row_number)
) WITHOUT ROWID;
CREATE INDEX list_members_by_email ON list_members(email);
CREATE INDEX list_members_by_domain ON list_members(domain);

-- Settings (thresholds and the like) as key/value text.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
