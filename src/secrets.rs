//! Account passwords in the OS keyring (Secret Service, macOS Keychain, Windows Credential
//! Manager), never in the store, a config file or a log.
//!
//! A machine may have no keyring (a server, a minimal desktop): then every function says so
//! in words, and the callers fall back to `$BOUNCEDESK_PASSWORD` or asking.

/// The keyring "service" under which Bounce Desk keeps passwords.
const SERVICE: &str = "bouncedesk";

fn entry(account: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, account).map_err(|error| in_words(&error))
}

/// The keyring on this system, as a person knows it.
const KEYRING: &str = if cfg!(target_os = "macos") {
    "the macOS Keychain"
} else if cfg!(target_os = "windows") {
    "the Windows Credential Manager"
} else {
    "a Secret Service keyring (GNOME Keyring or KWallet, started with a desktop session)"
};

/// A keyring failure said for the person at the keyboard: what it means for their password
/// and what to do, rather than the library's wording ("No default store has been set").
pub fn in_words(error: &keyring::Error) -> String {
    match error {
        keyring::Error::NoDefaultStore => format!(
            "this computer offers no password keyring to Bounce Desk (it uses {KEYRING}), so the \
             password is not saved: type it when you sync, or set BOUNCEDESK_PASSWORD"
        ),
        keyring::Error::NoStorageAccess(_) => format!(
            "the password keyring is locked or refused access; unlock {KEYRING} (log in to \
             the desktop session) and try again, or type the password when you sync"
        ),
        other => format!(
            "the password keyring failed ({other}); type the password when you sync, or set \
             BOUNCEDESK_PASSWORD"
        ),
    }
}

/// The password saved for `account`, if the keyring holds one.
pub fn load(account: &str) -> Result<Option<String>, String> {
    match entry(account)?.get_password() {
        Ok(password) => Ok(Some(password)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(in_words(&error)),
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
        .map_err(|error| in_words(&error))
}

/// Forgets the password for `account` (nothing to do when none was saved).
pub fn forget(account: &str) -> Result<(), String> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(in_words(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_failures_are_said_for_a_person() {
        let missing = in_words(&keyring::Error::NoDefaultStore);
        assert!(missing.contains("no password keyring"), "{missing}");
        assert!(missing.contains("type it when you sync"), "{missing}");
        assert!(!missing.contains("default store"), "{missing}");
    }
}

/// A password (or client secret) as typed into a field: printed as `***` by `Debug`, so that
/// no log or panic message shows it, and wiped from memory when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Typed(String);

impl Typed {
    /// Holds `text`.
    pub fn new(text: String) -> Typed {
        Typed(text)
    }

    /// The text, to send where it belongs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The text for an input field to edit in place.
    pub fn field(&mut self) -> &mut String {
        &mut self.0
    }

    /// True when nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Typed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Typed {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}
