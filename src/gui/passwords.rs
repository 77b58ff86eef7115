//! Where the window finds an account's password: the OS keyring, else what was typed since
//! the app started (kept in memory only, never written anywhere), else
//! `$BOUNCEDESK_PASSWORD` when there is a single account, else it asks.

use crate::secrets;
use std::collections::HashMap;

/// Passwords typed in this run of the app.
#[derive(Default)]
pub struct Passwords {
    typed: HashMap<String, String>,
}

impl Passwords {
    /// The password for `account`, if one is known without asking.
    pub fn find(&self, account: &str, only_account: bool) -> Option<String> {
        if let Ok(Some(saved)) = secrets::load(account) {
            return Some(saved);
        }
        if let Some(typed) = self.typed.get(account) {
            return Some(typed.clone());
        }
        only_account
            .then(|| std::env::var("BOUNCEDESK_PASSWORD").ok())
            .flatten()
    }

    /// Keeps `password` for `account`: in the OS keyring when asked and one exists, else in
    /// memory until the app closes. Returns where it went, in words.
    pub fn keep(&mut self, account: &str, password: &str, in_keyring: bool) -> String {
        self.typed.insert(account.to_string(), password.to_string());
        if !in_keyring {
            return "Password kept in memory until Bounce Desk closes.".to_string();
        }
        match secrets::save(account, password) {
            Ok(()) => "Password saved in the OS keyring.".to_string(),
            Err(error) => format!(
                "{error}. The password is kept in memory only: Bounce Desk will ask for it \
                 again next time it starts."
            ),
        }
    }

    /// Forgets `account`'s password everywhere.
    pub fn forget(&mut self, account: &str) {
        self.typed.remove(account);
        let _ = secrets::forget(account);
    }
}
