//! Account passwords in the OS keyring (Secret Service, macOS Keychain, Windows Credential
//! Manager), never in the store, a config file or a log.
//!
//! A machine may have no keyring (a server, a minimal desktop): then every function says so
//! in words, and the callers fall back to `$BOUNCEDESK_PASSWORD` or asking.

/// The keyring "service" under which Bounce Desk keeps passwords.
const SERVICE: &str = "bouncedesk";

fn entry(account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, account).map_err(|error| {
        format!("no OS keyring available ({error}); set BOUNCEDESK_PASSWORD or type the password")
    })
}

/// The password saved for `account`, if the keyring holds one.
pub fn load(account: &str) -> Result<Option<String>, String> {
    match entry(account)?.get_password() {
        Ok(password) => Ok(Some(password)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(format!("the OS keyring failed: {error}")),
    }
}

/// The password for `account` found without asking: the keyring, else
/// `$BOUNCEDESK_PASSWORD` when `only_account` is in play (so that one account's password is
/// never sent to another's server). Also the keyring's failure, in words, for callers that
/// can show it.
pub fn stored(account: &str, only_account: bool) -> (Option<String>, Option<String>) {
    let (saved, failure) = match load(account) {
        Ok(saved) => (saved, None),
        Err(why) => (None, Some(why)),
    };
    let found = saved.or_else(|| {
        only_account
            .then(|| std::env::var("BOUNCEDESK_PASSWORD").ok())
            .flatten()
    });
    (found, failure)
}

/// Saves the password for `account`.
pub fn save(account: &str, password: &str) -> Result<(), String> {
    entry(account)?
        .set_password(password)
        .map_err(|error| format!("the OS keyring did not take the password: {error}"))
}

/// Forgets the password for `account` (nothing to do when none was saved).
pub fn forget(account: &str) -> Result<(), String> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(format!("the OS keyring failed: {error}")),
    }
}
