//! Changing how a store is protected, in place and safely — encrypt, decrypt, change the key
//! — and backups with the same key.
//!
//! A conversion writes the whole store anew beside the old file (SQLCipher's
//! `sqlcipher_export`), opens the copy with its new key and checks it (SQLite's quick check,
//! the schema version, the same counts), syncs it to disk and only then renames it over the
//! old file. Until the rename the old file is untouched; after it the new one is whole: a
//! crash at any point leaves one store or the other, plus at most a stray `.converting` file,
//! which the next conversion removes. A key kept in the keyring changes there before the
//! rename, and the keys it replaces stay as retired ones, so either file (and older backups)
//! open. From the first step to the rename the store is locked for this connection alone:
//! another program's write waits (or fails with "database is locked"), never lands in the
//! old file after the copy was taken.

use super::key::{self, Protection, StoreKey};
use super::{MIGRATIONS, Result, Store, StoreError, connect, store_files};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};

/// What a conversion should make of the store.
#[derive(Debug, Clone)]
pub enum Protect {
    /// Encrypted with the OS keyring's key (a new one when `fresh`, as for a rekey).
    Keyring {
        /// Make a new keyring key (the current one stays as the previous key).
        fresh: bool,
    },
    /// Encrypted with this passphrase.
    Passphrase(StoreKey),
    /// Not encrypted.
    Plain,
}

/// What a conversion did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// How the store was protected before.
    pub before: Protection,
    /// How it is protected now.
    pub after: Protection,
    /// Messages and bounces in it, the same before and after.
    pub messages: i64,
    /// Bounce results in it.
    pub bounces: i64,
}

impl Store {
    /// Rewrites the store as `target` says (see the module's notes on safety). Takes the
    /// store: its connection is closed before the new file takes the old one's place, so
    /// close every other connection (the window) first.
    pub fn convert(self, target: Protect) -> Result<Converted> {
        let path = self.path.clone();
        let before = self.protection.clone();
        let (new_key, after, promote) = match (&target, &before) {
            (Protect::Plain, Protection::Plain { .. }) => {
                return Err(StoreError::Invalid(format!(
                    "{} is not encrypted; nothing to decrypt",
                    path.display()
                )));
            }
            (Protect::Keyring { fresh: false }, Protection::Keyring) => {
                return Err(StoreError::Invalid(format!(
                    "{} is already encrypted with the OS keyring's key (bouncedesk store rekey \
                     makes a new one)",
                    path.display()
                )));
            }
            (Protect::Plain, _) => (None, plain("it was decrypted"), false),
            (Protect::Passphrase(phrase), _) => {
                (Some(phrase.clone()), Protection::Passphrase, false)
            }
            (Protect::Keyring { fresh }, _) => {
                let made = if *fresh {
                    key::new_keyring_key()
                } else {
                    key::keyring_store_key()
                };
                let new_key = made.map_err(|why| {
                    StoreError::Invalid(format!(
                        "no OS keyring for the store key ({why}); use --passphrase"
                    ))
                })?;
                (Some(new_key), Protection::Keyring, *fresh)
            }
        };
        // Held until the connection closes, just before the rename (WAL in exclusive locking
        // mode keeps the lock it takes with its first write).
        self.conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        self.conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")?;
        let (messages, bounces) = self.counts()?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy != 0 {
            return Err(StoreError::Invalid(format!(
                "{} is in use by another program (the window, a sync): close it and try again",
                path.display()
            )));
        }
        let converting = sibling(&path, ".converting");
        remove_store_files(&converting)?;
        key::create_owner_only(&converting).map_err(|source| file_error(&converting, source))?;
        let key_text = new_key
            .as_ref()
            .map(|key| key.attach_value().expose_secret().to_string())
            .unwrap_or_default();
        self.conn.execute(
            "ATTACH DATABASE ?1 AS converted KEY ?2",
            rusqlite::params![converting.to_string_lossy(), key_text],
        )?;
        self.conn
            .query_row("SELECT sqlcipher_export('converted')", [], |_| Ok(()))?;
        self.conn
            .pragma_update(Some("converted"), "user_version", MIGRATIONS.len() as i64)?;
        self.conn.execute("DETACH DATABASE converted", [])?;
        check_copy(&converting, new_key.as_ref(), messages, bounces)?;
        sync_file(&converting).map_err(|source| file_error(&converting, source))?;
        if let (true, Some(new_key)) = (promote, &new_key) {
            key::promote_keyring_key(new_key).map_err(StoreError::Invalid)?;
        }
        // Closed (and its lock given up) only now, right before the rename: Windows cannot
        // rename over an open file.
        drop(self);
        // The old store was checkpointed and closed: its WAL holds nothing to keep.
        for file in store_files(&path).iter().skip(1) {
            remove_if_there(file)?;
        }
        std::fs::rename(&converting, &path).map_err(|source| file_error(&path, source))?;
        sync_folder(&path);
        key::forget_remembered(&path);
        if let Some(new_key) = new_key {
            key::remember(&path, new_key);
        }
        Ok(Converted {
            before,
            after,
            messages,
            bounces,
        })
    }

    /// Copies the store to `to` with SQLite's online backup, in one step under one read
    /// (consistent while a sync writes), encrypted with the same key, readable by the user
    /// only; written beside `to` and renamed, so a failed backup leaves no half file.
    pub fn backup(&self, to: &Path) -> Result<()> {
        let partial = sibling(to, ".partial");
        remove_store_files(&partial)?;
        key::create_owner_only(&partial).map_err(|source| file_error(&partial, source))?;
        let same_key = match self.protection {
            Protection::Plain { .. } => None,
            _ => key::remembered(&self.path),
        };
        {
            let mut copy = connect(&partial, same_key.as_ref())?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            if backup.step(-1)? != rusqlite::backup::StepResult::Done {
                return Err(StoreError::Invalid(
                    "the store was locked by another writer for too long; back up again".into(),
                ));
            }
        }
        sync_file(&partial).map_err(|source| file_error(&partial, source))?;
        std::fs::rename(&partial, to).map_err(|source| file_error(to, source))?;
        sync_folder(to);
        key::owner_only(to).map_err(|source| file_error(to, source))
    }
}

/// Flushes `path` to disk (opened for writing: Windows flushes only a writable handle).
fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .sync_all()
}

fn plain(why: &str) -> Protection {
    Protection::Plain {
        why: why.to_string(),
    }
}

/// Opens the converted copy with its key and checks it before it replaces anything.
fn check_copy(path: &Path, key: Option<&StoreKey>, messages: i64, bounces: i64) -> Result<()> {
    let conn = connect(path, key)?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let counted: (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM bounces)",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if check != "ok" || version != MIGRATIONS.len() as i64 || counted != (messages, bounces) {
        return Err(StoreError::Damaged(format!(
            "the converted copy did not check out ({check}, version {version}, {counted:?} \
             instead of {:?}); the store was left as it was",
            (messages, bounces)
        )));
    }
    Ok(())
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn file_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::File {
        path: path.to_path_buf(),
        source,
    }
}

fn remove_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(file_error(path, source)),
    }
}

/// Removes a store file with its WAL and shared-memory files (a stray copy of a crashed run).
fn remove_store_files(path: &Path) -> Result<()> {
    store_files(path)
        .iter()
        .try_for_each(|file| remove_if_there(file))
}

/// Makes a rename in `path`'s folder durable (Unix; elsewhere the rename is).
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::File::open(folder).and_then(|dir| dir.sync_all());
    }
    #[cfg(not(unix))]
    let _ = path;
}
