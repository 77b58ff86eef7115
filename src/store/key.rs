//! The store's encryption: which key opens a store file, where that key lives, and how a
//! file tells whether it is encrypted at all.
//!
//! The store is SQLCipher: every page of the file (and of its WAL) is encrypted, so a copy of
//! the data folder shows no address and no returned newsletter. A new store gets a random
//! 256-bit key kept in the OS keyring (one per user: the store, its backups and any `--db`
//! store share it); where the user prefers a passphrase, or there is no keyring, the key is a
//! passphrase from `$BOUNCEDESK_STORE_PASSPHRASE` or typed (SQLCipher stretches it with
//! PBKDF2). Where neither can be had, the store is created plain and says why.
//!
//! Every connection to a store needs the key (the window has several), so a key that opened a
//! store is remembered for that file for the rest of the process — never on disk.

use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The environment variable that holds a store's passphrase (scripts, CI, no keyring).
pub const PASSPHRASE_VARIABLE: &str = "BOUNCEDESK_STORE_PASSPHRASE";

/// The keyring "service" of the store key (apart from account passwords).
const KEYRING_SERVICE: &str = "bouncedesk-store";
/// The keyring entry of the key new stores are made with.
const CURRENT_KEY: &str = "store-key";
/// Every key a `store rekey` retired, newest first (one entry, the keys separated by
/// spaces): stores and backups made with any of them still open.
const PREVIOUS_KEY: &str = "store-key-previous";

/// What the first 16 bytes of a plain SQLite file say; an encrypted one starts with its salt.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A key that opens an encrypted store. Never printed: `Debug` shows `***`.
#[derive(Clone)]
pub enum StoreKey {
    /// 32 random bytes (kept in the OS keyring).
    Random(std::sync::Arc<SecretBox<[u8; 32]>>),
    /// A passphrase, stretched by SQLCipher.
    Passphrase(SecretString),
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreKey::Random(_) => f.write_str("StoreKey::Random(***)"),
            StoreKey::Passphrase(_) => f.write_str("StoreKey::Passphrase(***)"),
        }
    }
}

impl StoreKey {
    /// A new random key from the operating system's generator.
    pub fn random() -> Result<StoreKey, String> {
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|error| format!("no random numbers for a store key ({error})"))?;
        Ok(StoreKey::Random(std::sync::Arc::new(SecretBox::new(
            Box::new(bytes),
        ))))
    }

    /// A passphrase key; an empty passphrase is refused (it would mean "no encryption").
    pub fn passphrase(text: String) -> Result<StoreKey, String> {
        if text.is_empty() {
            return Err("the store passphrase is empty".to_string());
        }
        Ok(StoreKey::Passphrase(SecretString::from(text)))
    }

    /// The value of `PRAGMA key`: a raw key as `x'…'` (used as is), a passphrase as text.
    fn pragma_value(&self) -> SecretString {
        match self {
            StoreKey::Random(bytes) => {
                SecretString::from(format!("x'{}'", hex::encode_upper(bytes.expose_secret())))
            }
            StoreKey::Passphrase(text) => text.clone(),
        }
    }

    /// Hands the key to SQLCipher on a fresh connection (before anything reads the file).
    pub(super) fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.pragma_update(None, "key", self.pragma_value().expose_secret())
    }

    /// The key as `ATTACH … KEY` takes it (the same text as `PRAGMA key`).
    pub(super) fn attach_value(&self) -> SecretString {
        self.pragma_value()
    }

    fn from_hex(text: &str) -> Option<StoreKey> {
        let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
        Some(StoreKey::Random(std::sync::Arc::new(SecretBox::new(
            Box::new(bytes),
        ))))
    }

    fn to_hex(&self) -> Option<SecretString> {
        match self {
            StoreKey::Random(bytes) => {
                Some(SecretString::from(hex::encode_upper(bytes.expose_secret())))
            }
            StoreKey::Passphrase(_) => None,
        }
    }
}

/// How a store is protected, for the window, `stats` and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    /// Encrypted with the random key in the OS keyring.
    Keyring,
    /// Encrypted with a passphrase.
    Passphrase,
    /// Not encrypted; why, and how to encrypt it.
    Plain {
        /// Why it is plain, in words.
        why: String,
    },
}

impl Protection {
    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Protection::Keyring => {
                "encrypted (SQLCipher, AES-256); its key is in the OS keyring".to_string()
            }
            Protection::Passphrase => {
                "encrypted (SQLCipher, AES-256) with a passphrase".to_string()
            }
            Protection::Plain { why } => format!(
                "NOT encrypted ({why}); `bouncedesk store encrypt` encrypts it (with the OS \
                 keyring, or --passphrase)"
            ),
        }
    }
}

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// Remembered by this process (it opened the file before, or a person typed it).
    Remembered,
    /// `$BOUNCEDESK_STORE_PASSPHRASE`.
    Environment,
    /// The OS keyring (current or previous key).
    Keyring,
}

/// True when the file at `path` is an encrypted store (it exists, is not empty and does not
/// start with SQLite's plain header).
pub(super) fn is_encrypted(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(error),
    };
    let mut header = [0_u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read > 0 && (read < header.len() || &header != PLAIN_HEADER))
}

fn remembered_keys() -> &'static Mutex<HashMap<PathBuf, StoreKey>> {
    static KEYS: OnceLock<Mutex<HashMap<PathBuf, StoreKey>>> = OnceLock::new();
    KEYS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The path a key is remembered under: the same file however it was named.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Remembers `key` for the store at `path` for the rest of this process (a passphrase typed
/// in the window, so that its other connections open the store too).
pub fn remember(path: &Path, key: StoreKey) {
    if let Ok(mut keys) = remembered_keys().lock() {
        keys.insert(canonical(path), key);
    }
}

/// Forgets the key remembered for `path` (after a conversion changed it).
pub(super) fn forget_remembered(path: &Path) {
    if let Ok(mut keys) = remembered_keys().lock() {
        keys.remove(&canonical(path));
    }
}

/// The key this process opened the store at `path` with, if it is encrypted.
pub(super) fn remembered(path: &Path) -> Option<StoreKey> {
    remembered_keys()
        .lock()
        .ok()
        .and_then(|keys| keys.get(&canonical(path)).cloned())
}

/// A new random key for the keyring (a rekey): it becomes the keyring's key only when the
/// store encrypted with it is in place (see [`promote_keyring_key`]).
pub(super) fn new_keyring_key() -> Result<StoreKey, String> {
    // Fail now, before any work, where there is no keyring to keep it in.
    keyring_entry(CURRENT_KEY)?;
    StoreKey::random()
}

/// The keys to try on an encrypted store at `path`, in order, with where each came from. The
/// keyring is asked only when the keys before it did not open the store: every connection
/// (the window's reader, each job) opens the store, and the one it opened with is remembered.
pub(super) fn candidates(path: &Path) -> impl Iterator<Item = (StoreKey, Origin)> {
    let keyring = || {
        let current = keyring_key(CURRENT_KEY).ok().flatten();
        current
            .into_iter()
            .chain(retired_keys().unwrap_or_default())
            .map(|key| (key, Origin::Keyring))
    };
    remembered(path)
        .map(|key| (key, Origin::Remembered))
        .into_iter()
        .chain(environment_passphrase().map(|key| (key, Origin::Environment)))
        .chain(std::iter::once_with(keyring).flatten())
}

/// The passphrase in `$BOUNCEDESK_STORE_PASSPHRASE`, if set and not empty.
pub fn environment_passphrase() -> Option<StoreKey> {
    std::env::var(PASSPHRASE_VARIABLE)
        .ok()
        .and_then(|text| StoreKey::passphrase(text).ok())
}

/// How a new store at `path` is to be made: the key remembered for it or the environment's
/// passphrase, else the keyring's key (made on first use), else plain with the reason.
pub(super) fn for_new_store(path: &Path) -> (Option<StoreKey>, Protection) {
    if let Some(key) = remembered(path) {
        let protection = protection_of(&key);
        return (Some(key), protection);
    }
    if let Some(key) = environment_passphrase() {
        return (Some(key), Protection::Passphrase);
    }
    match keyring_store_key() {
        Ok(key) => (Some(key), Protection::Keyring),
        Err(_) => (
            None,
            Protection::Plain {
                why: format!(
                    "there is no OS keyring to keep its key in, and no {PASSPHRASE_VARIABLE}"
                ),
            },
        ),
    }
}

/// The protection a key gives.
pub(super) fn protection_of(key: &StoreKey) -> Protection {
    match key {
        StoreKey::Random(_) => Protection::Keyring,
        StoreKey::Passphrase(_) => Protection::Passphrase,
    }
}

/// The keyring's store key, made (and saved) on first use.
pub fn keyring_store_key() -> Result<StoreKey, String> {
    if let Some(key) = keyring_key(CURRENT_KEY)? {
        return Ok(key);
    }
    let key = StoreKey::random()?;
    save_keyring_key(CURRENT_KEY, &key)?;
    Ok(key)
}

/// Makes `key` the keyring's store key; the one it replaces becomes the previous key, so
/// that a store (or backup) still encrypted with it keeps opening.
pub(super) fn promote_keyring_key(key: &StoreKey) -> Result<(), String> {
    if let Some(current) = keyring_key(CURRENT_KEY)? {
        let mut retired = vec![current];
        retired.extend(retired_keys()?);
        let hex: Vec<SecretString> = retired.iter().filter_map(StoreKey::to_hex).collect();
        let joined = hex
            .iter()
            .map(|key| key.expose_secret())
            .collect::<Vec<_>>()
            .join(" ");
        keyring_entry(PREVIOUS_KEY)?
            .set_password(&joined)
            .map_err(|error| crate::secrets::in_words(&error))?;
    }
    save_keyring_key(CURRENT_KEY, key)
}

/// The keys earlier rekeys retired, newest first.
fn retired_keys() -> Result<Vec<StoreKey>, String> {
    match keyring_entry(PREVIOUS_KEY)?.get_password() {
        Ok(text) => Ok(text
            .split_whitespace()
            .filter_map(StoreKey::from_hex)
            .collect()),
        Err(keyring::Error::NoEntry) => Ok(Vec::new()),
        Err(error) => Err(crate::secrets::in_words(&error)),
    }
}

fn keyring_entry(name: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(KEYRING_SERVICE, name).map_err(|error| crate::secrets::in_words(&error))
}

fn keyring_key(name: &str) -> Result<Option<StoreKey>, String> {
    match keyring_entry(name)?.get_password() {
        Ok(text) => Ok(StoreKey::from_hex(&text)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(crate::secrets::in_words(&error)),
    }
}

fn save_keyring_key(name: &str, key: &StoreKey) -> Result<(), String> {
    let Some(hex) = key.to_hex() else {
        return Err("only a random key is kept in the keyring".to_string());
    };
    keyring_entry(name)?
        .set_password(hex.expose_secret())
        .map_err(|error| crate::secrets::in_words(&error))
}

/// Makes the store file (and its WAL and shared-memory files, and backups) readable by the
/// user only: a bounce store is a list of people's addresses.
pub(super) fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            }
            Ok(_) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }
    #[cfg(not(unix))]
    {
        // Windows: the file inherits the user's profile folder's ACL (owner only).
        let _ = path;
        Ok(())
    }
}

/// Creates an empty file at `path` readable by the user only, unless one is there, so that
/// SQLite (which gives its WAL the database's mode) never makes a world-readable store.
pub(super) fn create_owner_only(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_print_and_raw_keys_round_trip() {
        let key = StoreKey::random().expect("random");
        assert_eq!(format!("{key:?}"), "StoreKey::Random(***)");
        let hex = key.to_hex().expect("hex");
        assert_eq!(hex.expose_secret().len(), 64);
        let back = StoreKey::from_hex(hex.expose_secret()).expect("parsed");
        assert_eq!(
            back.pragma_value().expose_secret(),
            key.pragma_value().expose_secret()
        );
        let phrase = StoreKey::passphrase("correct horse".into()).expect("phrase");
        assert_eq!(format!("{phrase:?}"), "StoreKey::Passphrase(***)");
        assert!(StoreKey::passphrase(String::new()).is_err());
    }

    #[test]
    fn a_plain_file_is_told_from_an_encrypted_one() {
        let dir = tempfile::tempdir().expect("dir");
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"SQLite format 3\0 and pages").expect("write");
        let salted = dir.path().join("salted");
        std::fs::write(&salted, [7_u8; 64]).expect("write");
        assert!(!is_encrypted(&plain).expect("read"));
        assert!(is_encrypted(&salted).expect("read"));
        assert!(!is_encrypted(&dir.path().join("missing")).expect("read"));
    }
}
