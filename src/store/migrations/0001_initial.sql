-- Bounce Desk store, version 1.
-- Times are Unix seconds (UTC); `day` is a time divided by 86400. Addresses are compared
-- lower-cased through the `*_key` columns; the spelling as written is kept beside them.

-- One row per distinct message (by content hash), whatever mailbox or file it came from.
CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    sha256           BLOB    NOT NULL UNIQUE,
    size             INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    ingested_at      INTEGER NOT NULL,
    kind             TEXT    NOT NULL,
    anomalies        TEXT    NOT NULL,   -- JSON array of strings
    orig_message_id  TEXT,
    orig_list_id     TEXT,
    orig_subject     TEXT,
    engine_version   INTEGER NOT NULL
) STRICT;

-- The raw bytes, zstd-compressed, apart from the metadata so that scans never read them.
CREATE TABLE message_raw (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    data       BLOB    NOT NULL
) STRICT;

-- Every place a message was seen: an IMAP folder position or a file path. The same message
-- may sit in several (a UIDVALIDITY change, the same file in two folders); it is stored once.
CREATE TABLE message_sources (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    account     TEXT    NOT NULL,   -- '' for files
    folder      TEXT    NOT NULL,   -- the path for files
    uidvalidity INTEGER NOT NULL,   -- 0 for files
    uid         INTEGER NOT NULL,   -- 0 for files
    seen_at     INTEGER NOT NULL,
    acted       INTEGER NOT NULL DEFAULT 0,   -- the account's post-action was done on the server
    PRIMARY KEY (account, folder, uidvalidity, uid)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_sources_by_message ON message_sources(message_id);

-- One row per recipient result. `class`/`reason` are the verdict in force (a label given by
-- hand wins); `engine_class`/`engine_reason` are what the engine said.
CREATE TABLE bounces (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    occurred_at     INTEGER NOT NULL,
    day             INTEGER NOT NULL,
    recipient       TEXT    NOT NULL,
    recipient_key   TEXT    NOT NULL,
    domain          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    status          TEXT,
    reply_code      INTEGER,
    class           TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    engine_class    TEXT    NOT NULL,
    engine_reason   TEXT    NOT NULL,
    hard_bounce     INTEGER NOT NULL,
    diagnostic      TEXT    NOT NULL,
    remote_mta      TEXT,
    reporting_mta   TEXT,
    last_attempt    TEXT,
    feedback_type   TEXT,
    why             TEXT    NOT NULL,
    listed          INTEGER NOT NULL DEFAULT 0,   -- the recipient is on an imported list
    UNIQUE (message_id, position)
) STRICT;
CREATE INDEX bounces_by_recipient ON bounces(recipient_key, occurred_at);
CREATE INDEX bounces_by_day ON bounces(day, class);
CREATE INDEX bounces_to_review ON bounces(occurred_at) WHERE class = 'unknown';
CREATE INDEX bounces_by_class_domain ON bounces(class, domain, day);
CREATE INDEX bounces_listed_failures_by_day ON bounces(day, recipient_key)
    WHERE action = 'failed' AND listed = 1;

-- Roll-ups for the dashboard, kept in step with `bounces` by the triggers below, so that a
-- chart over a million bounces reads a few thousand rows. NULL codes are stored as ''/0.
CREATE TABLE agg_day (
    day     INTEGER NOT NULL,
    class   TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    delayed INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (day, class, reason, delayed)
) STRICT, WITHOUT ROWID;

CREATE TABLE agg_code (
    day        INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    reply_code INTEGER NOT NULL,
    class      TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (day, status, reply_code, class)
) STRICT, WITHOUT ROWID;

CREATE TABLE agg_domain_day (
    day    INTEGER NOT NULL,
    domain TEXT    NOT NULL,
    class  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (day, domain, class)
) STRICT, WITHOUT ROWID;

CREATE TABLE agg_domain (
    domain TEXT    NOT NULL,
    class  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (domain, class)
) STRICT, WITHOUT ROWID;

-- What the domain roll-ups count: failures and complaints, not delays, auto-replies or
-- delivery reports, so that "bounces at gmail.com" means what an operator expects.
CREATE TRIGGER bounces_rollup_insert AFTER INSERT ON bounces BEGIN
    INSERT INTO agg_day VALUES (NEW.day, NEW.class, NEW.reason, NEW.action = 'delayed', 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_code VALUES (NEW.day, COALESCE(NEW.status, ''), COALESCE(NEW.reply_code, 0), NEW.class, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_domain_day SELECT NEW.day, NEW.domain, NEW.class, 1
        WHERE NEW.action <> 'delayed' AND NEW.class NOT IN ('not_bounce', 'auto_reply')
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_domain SELECT NEW.domain, NEW.class, 1
        WHERE NEW.action <> 'delayed' AND NEW.class NOT IN ('not_bounce', 'auto_reply')
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER bounces_rollup_delete AFTER DELETE ON bounces BEGIN
    UPDATE agg_day SET n = n - 1
        WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason
          AND delayed = (OLD.action = 'delayed');
    DELETE FROM agg_day WHERE day = OLD.day AND n <= 0;
    UPDATE agg_code SET n = n - 1
        WHERE day = OLD.day AND status = COALESCE(OLD.status, '')
          AND reply_code = COALESCE(OLD.reply_code, 0) AND class = OLD.class;
    DELETE FROM agg_code WHERE day = OLD.day AND n <= 0;
    UPDATE agg_domain_day SET n = n - 1
        WHERE day = OLD.day AND domain = OLD.domain AND class = OLD.class
          AND OLD.action <> 'delayed' AND OLD.class NOT IN ('not_bounce', 'auto_reply');
    DELETE FROM agg_domain_day WHERE day = OLD.day AND domain = OLD.domain AND n <= 0;
    UPDATE agg_domain SET n = n - 1
        WHERE domain = OLD.domain AND class = OLD.class
          AND OLD.action <> 'delayed' AND OLD.class NOT IN ('not_bounce', 'auto_reply');
    DELETE FROM agg_domain WHERE domain = OLD.domain AND n <= 0;
END;

-- Any change of a counted column (a label given by hand changes class and reason) moves the
-- bounce between roll-up rows: counted out as the old row, counted in as the new one.
CREATE TRIGGER bounces_rollup_update
AFTER UPDATE OF day, class, reason, domain, status, reply_code, action ON bounces BEGIN
    UPDATE agg_day SET n = n - 1
        WHERE day = OLD.day AND class = OLD.class AND reason = OLD.reason
          AND delayed = (OLD.action = 'delayed');
    DELETE FROM agg_day WHERE day = OLD.day AND n <= 0;
    UPDATE agg_code SET n = n - 1
        WHERE day = OLD.day AND status = COALESCE(OLD.status, '')
          AND reply_code = COALESCE(OLD.reply_code, 0) AND class = OLD.class;
    DELETE FROM agg_code WHERE day = OLD.day AND n <= 0;
    UPDATE agg_domain_day SET n = n - 1
        WHERE day = OLD.day AND domain = OLD.domain AND class = OLD.class
          AND OLD.action <> 'delayed' AND OLD.class NOT IN ('not_bounce', 'auto_reply');
    DELETE FROM agg_domain_day WHERE day = OLD.day AND domain = OLD.domain AND n <= 0;
    UPDATE agg_domain SET n = n - 1
        WHERE domain = OLD.domain AND class = OLD.class
          AND OLD.action <> 'delayed' AND OLD.class NOT IN ('not_bounce', 'auto_reply');
    DELETE FROM agg_domain WHERE domain = OLD.domain AND n <= 0;
    INSERT INTO agg_day VALUES (NEW.day, NEW.class, NEW.reason, NEW.action = 'delayed', 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_code VALUES (NEW.day, COALESCE(NEW.status, ''), COALESCE(NEW.reply_code, 0), NEW.class, 1)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_domain_day SELECT NEW.day, NEW.domain, NEW.class, 1
        WHERE NEW.action <> 'delayed' AND NEW.class NOT IN ('not_bounce', 'auto_reply')
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO agg_domain SELECT NEW.domain, NEW.class, 1
        WHERE NEW.action <> 'delayed' AND NEW.class NOT IN ('not_bounce', 'auto_reply')
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Verdicts given by hand: they beat every rule and survive re-classification. Keyed by the
-- message's content hash and the recipient, which do not change when the engine does.
CREATE TABLE manual_labels (
    sha256        BLOB    NOT NULL,
    recipient_key TEXT    NOT NULL,
    class         TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    labelled_at   INTEGER NOT NULL,
    PRIMARY KEY (sha256, recipient_key)
) STRICT, WITHOUT ROWID;

-- "Keep" by hand: resets the address's history at `kept_at`, and while not released the
-- address is kept whatever bounces.
CREATE TABLE kept_recipients (
    recipient_key TEXT    PRIMARY KEY,
    note          TEXT    NOT NULL,
    kept_at       INTEGER NOT NULL,
    released_at   INTEGER
) STRICT, WITHOUT ROWID;

-- The policy's verdict per recipient, recomputed from its history after every change.
CREATE TABLE recipients (
    recipient_key   TEXT    PRIMARY KEY,
    domain          TEXT    NOT NULL,
    state           TEXT    NOT NULL,   -- active | soft_bouncing | suppressed | kept
    reason          TEXT    NOT NULL,   -- in words, for the operator
    since           INTEGER NOT NULL,
    soft_count      INTEGER NOT NULL,
    cause_bounce_id INTEGER,
    last_failed_at  INTEGER,
    listed          INTEGER NOT NULL DEFAULT 0   -- on an imported list (for the bounce rate)
) STRICT, WITHOUT ROWID;
CREATE INDEX recipients_by_state ON recipients(state, since);
CREATE INDEX recipients_by_domain ON recipients(domain, state);
CREATE INDEX recipients_listed_by_last_failure ON recipients(listed, last_failed_at, domain);

-- Every change of a recipient's state, with its reason.
CREATE TABLE recipient_events (
    id            INTEGER PRIMARY KEY,
    recipient_key TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    from_state    TEXT    NOT NULL,
    to_state      TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    bounce_id     INTEGER
) STRICT;
CREATE INDEX recipient_events_by_recipient ON recipient_events(recipient_key, at);

-- Imported subscriber lists, with their columns as the file had them, so that the cleaned
-- list can be written back in the same shape.
CREATE TABLE lists (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    source_path  TEXT    NOT NULL,
    tool         TEXT    NOT NULL,
    imported_at  INTEGER NOT NULL,
    header       TEXT    NOT NULL,   -- JSON array of column names, verbatim, in order
    email_column INTEGER NOT NULL,
    delimiter    INTEGER NOT NULL,
    had_bom      INTEGER NOT NULL,
    sep_line     INTEGER NOT NULL,   -- Excel's "sep=X" first line
    encoding     TEXT    NOT NULL    -- utf-8 | windows-1252
) STRICT;

CREATE TABLE list_members (
    list_id       INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    row_number    INTEGER NOT NULL,
    recipient_key TEXT    NOT NULL,
    domain        TEXT    NOT NULL,
    cells         TEXT    NOT NULL,   -- JSON array of the row's cells, verbatim
    PRIMARY KEY (list_id, row_number)
) STRICT, WITHOUT ROWID;
CREATE INDEX list_members_by_recipient ON list_members(recipient_key);

-- Distinct list members per domain, rebuilt at each import: the denominator of bounce rates.
CREATE TABLE member_domains (
    domain  TEXT    PRIMARY KEY,
    members INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Settings (policy thresholds and the like) as text.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- IMAP accounts (never their passwords: those live in the OS keyring or are asked for).
CREATE TABLE accounts (
    name       TEXT    PRIMARY KEY,
    host       TEXT    NOT NULL,
    port       INTEGER NOT NULL,
    tls        TEXT    NOT NULL,   -- implicit | starttls
    user       TEXT    NOT NULL,
    folders    TEXT    NOT NULL,   -- JSON array
    pin_sha256 TEXT,
    after_sync TEXT    NOT NULL DEFAULT 'keep',   -- keep | seen | move | delete
    move_to    TEXT,
    all_mail   INTEGER NOT NULL DEFAULT 0         -- act on every message, not only reports
) STRICT, WITHOUT ROWID;
