//! The local store: one SQLite file holding every message ever read (compressed, so history
//! can be re-classified), its verdicts, the recipients' policy states, the imported lists and
//! the settings.
//!
//! It knows nothing of IMAP or of the window: callers hand it classified messages and ask it
//! questions. Writes happen in one transaction per batch, so a killed process leaves either
//! the whole batch or none of it, and ingesting the same message twice stores it once.

mod accounts;
pub mod browse;
mod erase;
mod ingest;
pub mod key;
mod lists;
mod model;
mod protect;
mod recipients;
mod reclassify;
mod review;
mod rules;
mod scope;
mod settings;
pub mod stats;

pub use accounts::Account;
pub use erase::Forgotten;
pub use ingest::{IngestSummary, Prepared, Source};
pub use key::{Protection, StoreKey};
pub use lists::StoredList;
pub use model::Retrained;
pub use protect::{Converted, Protect};
pub use recipients::{
    ByHand, HistoryBounce, RECIPIENTS_SHOWN, RecipientFilter, RecipientHistory, RecipientRow,
    StateChange, SuppressedRow,
};
pub use reclassify::{ReclassifySummary, VerdictChange};
pub use review::{LabelUndo, ReviewExample, ReviewGroup, suggested_phrase};
pub use rules::RuleChange;
pub use settings::{SETTING_KEYS, Settings, Theme};

use crate::policy::Thresholds;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Messages per transaction: big enough to amortise the commit, small enough that a killed
/// ingest or sync loses little work.
pub const BATCH: usize = 500;

/// The schema, one SQL file per version; a file's position is its version number.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_table_order.sql"),
    include_str!("migrations/0003_rules.sql"),
    include_str!("migrations/0004_suppressed_by_hand.sql"),
    include_str!("migrations/0005_raw_removed.sql"),
    include_str!("migrations/0006_oauth_accounts.sql"),
];

/// What can go wrong with the store, each with the step that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error(
        "{path}: cannot open the Bounce Desk store ({source}); check the folder exists and is writable"
    )]
    Open {
        /// The store file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The folder for the store could not be created.
    #[error("{path}: cannot create the folder for the store ({source})")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The file was written by a newer Bounce Desk.
    #[error(
        "the store is at schema version {found}, this Bounce Desk knows up to {known}; update Bounce Desk or use another --db"
    )]
    NewerSchema {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A query or write failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored raw mail could not be compressed or decompressed.
    #[error("store: compressed mail is damaged ({0})")]
    Compression(#[source] std::io::Error),
    /// A stored value could not be read back.
    #[error("store: a stored value is damaged: {0}")]
    Damaged(String),
    /// The thing asked for is not in the store.
    #[error("{0} is not in the store")]
    NotFound(String),
    /// What was asked cannot be done as asked; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// The file is encrypted and no key for it is at hand.
    #[error(
        "{path} is encrypted and no key for it was found: give its passphrase in ${variable} (the window asks for it), or open it where the OS keyring that made it is",
        variable = key::PASSPHRASE_VARIABLE
    )]
    Locked {
        /// The store file.
        path: PathBuf,
    },
    /// No key at hand opens the file.
    #[error(
        "{path}: the passphrase (or key) does not open this store; nothing was changed — check the passphrase"
    )]
    WrongKey {
        /// The store file.
        path: PathBuf,
    },
    /// A file operation on the store failed.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
}

/// The store file and the WAL and shared-memory files SQLite keeps beside it.
fn store_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

/// A connection to the file at `path`, given `key` before anything reads it.
fn connect(path: &Path, key: Option<&StoreKey>) -> Result<Connection> {
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_error)?;
    // Writers take turns (a sync's batch, a rule's chunk, a policy re-evaluated over every
    // recipient, the demo being built): each waits for the lock rather than failing — from
    // the first statement on, since switching to WAL needs the lock too. All of them run off
    // the window's thread.
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(open_error)?;
    // A wrong key is our error to report, in words; SQLCipher would also print its own.
    conn.pragma_update(None, "cipher_log_level", "NONE")
        .map_err(open_error)?;
    if let Some(key) = key {
        key.apply(&conn).map_err(open_error)?;
    }
    Ok(conn)
}

/// Opens the encrypted store at `path` with the first key at hand that opens it.
fn unlock(path: &Path) -> Result<(Connection, Protection)> {
    let mut tried = false;
    for (candidate, origin) in key::candidates(path) {
        tried = true;
        let conn = connect(path, Some(&candidate))?;
        // A wrong key shows on the first read: the pages do not decrypt.
        let opens = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                row.get::<_, i64>(0)
            })
            .is_ok();
        if opens {
            let protection = match origin {
                key::Origin::Keyring => Protection::Keyring,
                key::Origin::Environment => Protection::Passphrase,
                key::Origin::Remembered => key::protection_of(&candidate),
            };
            key::remember(path, candidate);
            return Ok((conn, protection));
        }
    }
    let path = path.to_path_buf();
    Err(if tried {
        StoreError::WrongKey { path }
    } else {
        StoreError::Locked { path }
    })
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
pub struct Store {
    conn: Connection,
    /// The file, and how it is protected.
    path: PathBuf,
    protection: Protection,
    /// True when this open made the file.
    created: bool,
    /// The account whose mail alone this connection shows, and the store's data version
    /// when its roll-ups were taken (see `scope`).
    scoped: Option<(String, i64)>,
}

impl Store {
    /// Opens (or creates) the store at `path`, bringing its schema up to date. An encrypted
    /// store opens with the key remembered for it, `$BOUNCEDESK_STORE_PASSPHRASE` or the OS
    /// keyring's key; a new one is encrypted with the first of those at hand (see `key`).
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        let file_error = |source| StoreError::File {
            path: path.to_path_buf(),
            source,
        };
        let existing = std::fs::metadata(path).is_ok_and(|meta| meta.len() > 0);
        let created = !existing;
        let (conn, protection) = if key::is_encrypted(path).map_err(file_error)? {
            unlock(path)?
        } else if existing {
            let why = "it was made without encryption".to_string();
            (connect(path, None)?, Protection::Plain { why })
        } else {
            let (new_key, protection) = key::for_new_store(path);
            key::create_owner_only(path).map_err(file_error)?;
            let conn = connect(path, new_key.as_ref())?;
            if let Some(new_key) = new_key {
                key::remember(path, new_key);
            }
            (conn, protection)
        };
        // WAL lets the window read while a sync writes; NORMAL survives a killed process
        // (a power cut may lose the last commit, never corrupt the file).
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
            // What is deleted (a forgotten address, raw mail past its retention) is
            // overwritten, not left in free pages.
            .and_then(|()| conn.pragma_update(None, "secure_delete", "ON"))
            // Dashboard queries read the same few thousand pages again and again: keep them
            // in memory (64 MiB of cache, the file mapped) instead of asking the OS each time.
            .and_then(|()| conn.pragma_update(None, "cache_size", -65_536))
            .and_then(|()| conn.pragma_update(None, "mmap_size", 1_i64 << 30))
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        for file in store_files(path) {
            key::owner_only(&file).map_err(file_error)?;
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            protection,
            created,
            scoped: None,
        };
        store.migrate()?;
        Ok(store)
    }

    /// How this store is protected (encrypted with the keyring's key or a passphrase, or
    /// plain and why).
    pub fn protection(&self) -> &Protection {
        &self.protection
    }

    /// True when opening it made the file (a new store).
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQL connection, for diagnostics and for tests that age or damage a store on
    /// purpose; the app's own code goes through the store's methods.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The default store file: `bouncedesk.sqlite` in the OS data folder for the app.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "Bounce Desk", "bouncedesk")
            .map(|dirs| dirs.data_dir().join("bouncedesk.sqlite"))
    }

    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        let found: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found == known {
            return Ok(());
        }
        // Each step takes the write lock first and reads the version under it, so that two
        // connections opening a store at once (the window's writer and a sync, say) never
        // both run the same step.
        loop {
            let tx = self.write_transaction()?;
            let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
            if found > known {
                return Err(StoreError::NewerSchema { found, known });
            }
            let index = usize::try_from(found)
                .map_err(|_| StoreError::Damaged(format!("schema version {found}")))?;
            let Some(sql) = MIGRATIONS.get(index) else {
                return Ok(());
            };
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", found + 1)?;
            tx.commit()?;
        }
    }

    /// Begins a transaction that writes. It takes the write lock at once: a deferred
    /// transaction that has read cannot become a writer after another connection (a sync,
    /// the window's writer, a rule change) committed, and SQLite then fails at once instead of
    /// waiting out the busy timeout. Taken first, the lock is waited for like any other.
    fn write_transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// A setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The policy thresholds in force: the stored settings, defaults for the rest.
    pub fn thresholds(&self) -> Result<Thresholds> {
        Ok(self.settings()?.thresholds)
    }

    /// Stored messages.
    pub fn message_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM messages", [], |row| row.get(0))?)
    }

    /// True when no message is stored yet (the window's first run), without counting them.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM messages)", [], |row| {
                row.get(0)
            })?)
    }

    /// Counts of stored messages and bounces, for tests and benches.
    pub fn counts(&self) -> Result<(i64, i64)> {
        let messages = self.message_count()?;
        let bounces = self
            .conn
            .query_row("SELECT COUNT(*) FROM bounces", [], |row| row.get(0))?;
        Ok((messages, bounces))
    }
}

/// The current time as Unix seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// `value` as JSON, for the columns that keep lists (a failure would be a bug, reported as
/// damage rather than a panic).
fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|error| StoreError::Damaged(error.to_string()))
}

/// Today's day number (UTC), as `day` columns count days.
pub fn today() -> i64 {
    now().div_euclid(stats::DAY)
}

/// The key under which an address is compared: the one normal form of [`crate::address`].
pub fn recipient_key(address: &str) -> String {
    crate::address::normalize(address)
}

pub use crate::address::domain_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_creates_and_reopens() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("store.sqlite");
        let store = Store::open(&path).expect("created");
        store.set_setting("policy.soft_bounces", "4").expect("set");
        drop(store);
        let store = Store::open(&path).expect("reopened");
        assert_eq!(store.thresholds().expect("read").soft_bounces, 4);
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.sqlite");
        drop(Store::open(&path).expect("created"));
        let conn = Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", 99).expect("bump");
        drop(conn);
        let error = Store::open(&path).err().expect("refused");
        assert!(error.to_string().contains("schema version 99"), "{error}");
    }

    #[test]
    fn keys() {
        assert_eq!(recipient_key(" <Ann@Example.COM> "), "ann@example.com");
    }
}
