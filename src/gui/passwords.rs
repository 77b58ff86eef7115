//! Where the window finds an account's password, and how it asks for one it lacks.
//!
//! Order: what was typed since the app started (kept in memory only, never written anywhere),
//! then the OS keyring, then `$BOUNCEDESK_PASSWORD` when there is a single account. A password
//! the server refuses is forgotten everywhere, so the next sync asks instead of failing again.
//!
//! The memory part lives here, on the UI thread; the keyring calls are functions the window
//! runs on its writer thread, because a locked keyring can hold a call until its owner answers
//! the system's unlock prompt.

use crate::mailbox::SignIn;
use crate::oauth::Authorizer;
use crate::secrets;
use crate::store::Account;
use crate::sync::Login;
use egui::{Key, RichText};
use std::collections::HashMap;

/// Passwords typed in this run of the app.
#[derive(Default)]
pub struct Passwords {
    typed: HashMap<String, String>,
}

impl Passwords {
    /// The password typed for `account` in this run, if any.
    pub fn typed(&self, account: &str) -> Option<String> {
        self.typed.get(account).cloned()
    }

    /// Keeps `password` for `account` in memory until the app closes.
    pub fn remember(&mut self, account: &str, password: &str) {
        self.typed.insert(account.to_string(), password.to_string());
    }

    /// Moves `old`'s typed password to the account's new name.
    pub fn rename(&mut self, old: &str, new: &str) {
        if let Some(typed) = self.typed.remove(old) {
            self.typed.insert(new.to_string(), typed);
        }
    }

    /// Forgets `account`'s typed password (removed, or refused by the server).
    pub fn forget(&mut self, account: &str) {
        self.typed.remove(account);
    }
}

/// How each account signs in: an OAuth account with its grant (read from the keyring at sync
/// time), a password account with `typed` (one entry per account), else the OS keyring's,
/// else `$BOUNCEDESK_PASSWORD` when there is a single account; `None` where a password must
/// be asked for. Blocking: run it off the UI thread.
pub fn look_up(
    accounts: Vec<Account>,
    typed: Vec<Option<String>>,
) -> Vec<(Account, Option<Login>)> {
    let only = accounts.len() == 1;
    accounts
        .into_iter()
        .zip(typed)
        .map(|(account, typed)| {
            let found = match &account.sign_in {
                SignIn::OAuth(app) => Some(Login::OAuth(Authorizer::new(&account.name, app))),
                SignIn::Password => typed
                    .or_else(|| secrets::stored(&account.name, only).0)
                    .map(|password| Login::password(&password)),
            };
            (account, found)
        })
        .collect()
}

/// Saves `password` in the OS keyring; says where the password is kept, in words. Blocking.
pub fn save_in_keyring(account: &str, password: &str) -> String {
    match secrets::save(account, password) {
        Ok(()) => "The password is saved in the OS keyring.".to_string(),
        Err(error) => format!(
            "{error}. The password is kept in memory only: Bounce Desk will ask for it again \
             next time it starts."
        ),
    }
}

/// Moves `old`'s keyring password to `new` (an account renamed). Blocking.
pub fn rename_in_keyring(old: &str, new: &str) {
    if let Ok(Some(saved)) = secrets::load(old)
        && secrets::save(new, &saved).is_ok()
    {
        let _ = secrets::forget(old);
    }
}

/// Forgets `account`'s keyring password (removed, or refused by the server). Blocking.
pub fn forget_in_keyring(account: &str) {
    let _ = secrets::forget(account);
}

/// A labelled secret field (a password, a passphrase) that takes the keyboard the first time
/// it is drawn (`focused` remembers that); true when Enter was pressed in it.
pub fn secret_field(ui: &mut egui::Ui, name: &str, text: &mut String, focused: &mut bool) -> bool {
    let label = ui.label(name);
    let field = ui
        .add(egui::TextEdit::singleline(text).password(true))
        .labelled_by(label.id);
    if !*focused {
        field.request_focus();
        *focused = true;
    }
    field.lost_focus() && ui.input(|input| input.key_pressed(Key::Enter))
}

/// A sync waiting for passwords the app does not know: asks for each in turn.
pub struct PasswordPrompt {
    asking: Vec<Account>,
    ready: Vec<(Account, Login)>,
    typed: String,
    in_keyring: bool,
    focused: bool,
    to_keyring: Vec<(String, String)>,
}

/// Where a prompt stands after a frame.
pub enum Prompted {
    /// Still asking.
    Asking,
    /// Every account has its password (typed ones the operator wants kept go to the keyring).
    Ready {
        /// The accounts with how each signs in.
        accounts: Vec<(Account, Login)>,
        /// Accounts whose typed password goes to the OS keyring, with it.
        to_keyring: Vec<(String, String)>,
    },
    /// The operator cancelled.
    Cancelled,
}

impl PasswordPrompt {
    /// The accounts with how each signs in, or a prompt for the passwords still missing
    /// (`found` is what [`look_up`] found).
    pub fn for_accounts(
        found: Vec<(Account, Option<Login>)>,
    ) -> Result<Vec<(Account, Login)>, PasswordPrompt> {
        let mut prompt = PasswordPrompt {
            asking: Vec::new(),
            ready: Vec::new(),
            typed: String::new(),
            in_keyring: true,
            focused: false,
            to_keyring: Vec::new(),
        };
        for (account, password) in found {
            match password {
                Some(login) => prompt.ready.push((account, login)),
                None => prompt.asking.push(account),
            }
        }
        if prompt.asking.is_empty() {
            Ok(prompt.ready)
        } else {
            Err(prompt)
        }
    }

    /// Asks for the next password in a modal window; keeps what is typed in `passwords`.
    pub fn show(&mut self, ctx: &egui::Context, passwords: &mut Passwords) -> Prompted {
        let Some(account) = self.asking.first().cloned() else {
            return self.ready();
        };
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("password prompt")).show(ctx, |ui| {
            ui.heading(format!("Password for {}", account.name));
            ui.label(format!("{}@{}", account.user, account.host));
            let entered = secret_field(ui, "Password", &mut self.typed, &mut self.focused);
            ui.checkbox(&mut self.in_keyring, "Keep it in the OS keyring");
            ui.horizontal(|ui| {
                let typed = !self.typed.is_empty();
                if ui.add_enabled(typed, egui::Button::new("Sync")).clicked() || (typed && entered)
                {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
            ui.label(
                RichText::new("Without the keyring, it is kept only until Bounce Desk closes.")
                    .weak(),
            );
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(false);
        }
        match answer {
            Some(true) => {
                let typed = std::mem::take(&mut self.typed);
                passwords.remember(&account.name, &typed);
                if self.in_keyring {
                    self.to_keyring.push((account.name.clone(), typed.clone()));
                }
                self.asking.remove(0);
                self.ready.push((account, Login::password(&typed)));
                self.focused = false;
                if self.asking.is_empty() {
                    self.ready()
                } else {
                    Prompted::Asking
                }
            }
            Some(false) => Prompted::Cancelled,
            None => Prompted::Asking,
        }
    }

    fn ready(&mut self) -> Prompted {
        Prompted::Ready {
            accounts: std::mem::take(&mut self.ready),
            to_keyring: std::mem::take(&mut self.to_keyring),
        }
    }
}
