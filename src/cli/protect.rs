//! `bouncedesk store status|encrypt|decrypt|rekey|backup` and `bouncedesk forget ADDRESS…`:
//! how the store's data is protected, and removing an address on request.

use super::store::{fail, open};
use crate::store::key::{self, PASSPHRASE_VARIABLE};
use crate::store::{Protect, Store, StoreKey};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The environment variable with the passphrase a store is to get (encrypt, rekey).
const NEW_PASSPHRASE_VARIABLE: &str = "BOUNCEDESK_STORE_NEW_PASSPHRASE";

/// `bouncedesk store status`
pub fn status(db: Option<PathBuf>) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    say!(
        "{}: {}",
        store.path().display(),
        store.protection().describe()
    );
    ExitCode::SUCCESS
}

/// `bouncedesk store encrypt|decrypt|rekey`: rewrites the store with its new protection.
pub fn convert(db: Option<PathBuf>, target: Protect) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let path = store.path().to_path_buf();
    match store.convert(target) {
        Ok(done) => {
            say!(
                "{}: {} message(s), {} bounce result(s); was {}; now {}",
                path.display(),
                done.messages,
                done.bounces,
                done.before.describe(),
                done.after.describe()
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

/// The protection `--passphrase` (or the keyring) asks for: a new passphrase from
/// `$BOUNCEDESK_STORE_NEW_PASSPHRASE` (for `encrypt`, also `$BOUNCEDESK_STORE_PASSPHRASE`),
/// else typed twice; without `--passphrase`, the keyring (`fresh`: a new key).
pub fn target(passphrase: bool, fresh: bool) -> Result<Protect, ExitCode> {
    if !passphrase {
        return Ok(Protect::Keyring { fresh });
    }
    let from_environment = std::env::var(NEW_PASSPHRASE_VARIABLE).ok().or_else(|| {
        (!fresh)
            .then(|| std::env::var(PASSPHRASE_VARIABLE).ok())
            .flatten()
    });
    let text = match from_environment {
        Some(text) => text,
        None => typed_twice().map_err(fail)?,
    };
    StoreKey::passphrase(text)
        .map(Protect::Passphrase)
        .map_err(fail)
}

fn typed_twice() -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "no passphrase: set {NEW_PASSPHRASE_VARIABLE} or run this in a terminal"
        ));
    }
    let first = rpassword::prompt_password("New store passphrase: ")
        .map_err(|error| format!("cannot read the passphrase ({error})"))?;
    let second = rpassword::prompt_password("The same again: ")
        .map_err(|error| format!("cannot read the passphrase ({error})"))?;
    if first != second {
        return Err("the two passphrases differ; nothing was changed".to_string());
    }
    Ok(first)
}

/// `bouncedesk store backup FILE`
pub fn backup(db: Option<PathBuf>, file: &Path) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match store.backup(file) {
        Ok(()) => {
            say!(
                "{}: backed up ({}); open it with --db {}",
                file.display(),
                store.protection().describe(),
                file.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

/// `bouncedesk forget ADDRESS…`
pub fn forget(db: Option<PathBuf>, addresses: &[String]) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    for address in addresses {
        match store.forget(address) {
            Ok(forgotten) => say!("{}", forgotten.describe()),
            Err(error) => return fail(error),
        }
    }
    ExitCode::SUCCESS
}

/// Asks for the passphrase of the locked store at `path` in a terminal and remembers it for
/// this run; false where there is no terminal to ask in.
pub fn ask_passphrase(path: &Path) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let prompt = format!("Passphrase for the store {}: ", path.display());
    match rpassword::prompt_password(prompt).map(StoreKey::passphrase) {
        Ok(Ok(key)) => {
            key::remember(path, key);
            true
        }
        _ => false,
    }
}

/// Says, on standard error, that a store just made is not encrypted, and how to change that.
pub fn warn_if_plain(store: &Store) {
    if store.was_created() && matches!(store.protection(), crate::store::Protection::Plain { .. }) {
        eprintln!(
            "bouncedesk: note: the new store {} is {}",
            store.path().display(),
            store.protection().describe()
        );
    }
}
