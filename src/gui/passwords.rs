//! Where the window finds an account's password, and how it asks for one it lacks.
//!
//! Order: what was typed since the app started (kept in memory only, never written anywhere),
//! then the OS keyring, then `$BOUNCEDESK_PASSWORD` when there is a single account. A password
//! the server refuses is forgotten everywhere, so the next sync asks instead of failing again.

use crate::secrets;
use crate::store::Account;
use egui::{Key, RichText};
use std::collections::HashMap;

/// Passwords typed in this run of the app.
#[derive(Default)]
pub struct Passwords {
    typed: HashMap<String, String>,
}

impl Passwords {
    /// The password for `account`, if one is known without asking.
    pub fn find(&self, account: &str, only_account: bool) -> Option<String> {
        if let Some(typed) = self.typed.get(account) {
            return Some(typed.clone());
        }
        secrets::stored(account, only_account).0
    }

    /// Keeps `password` for `account`: in memory until the app closes, and in the OS keyring
    /// when asked and one exists. Returns where it went, in words.
    pub fn keep(&mut self, account: &str, password: &str, in_keyring: bool) -> String {
        self.typed.insert(account.to_string(), password.to_string());
        if !in_keyring {
            return "The password is kept in memory until Bounce Desk closes.".to_string();
        }
        match secrets::save(account, password) {
            Ok(()) => "The password is saved in the OS keyring.".to_string(),
            Err(error) => format!(
                "{error}. The password is kept in memory only: Bounce Desk will ask for it \
                 again next time it starts."
            ),
        }
    }

    /// Moves `old`'s password to the account's new name.
    pub fn rename(&mut self, old: &str, new: &str) {
        if let Some(typed) = self.typed.remove(old) {
            self.typed.insert(new.to_string(), typed);
        }
        if let Ok(Some(saved)) = secrets::load(old)
            && secrets::save(new, &saved).is_ok()
        {
            let _ = secrets::forget(old);
        }
    }

    /// Forgets `account`'s password everywhere (removed, or refused by the server).
    pub fn forget(&mut self, account: &str) {
        self.typed.remove(account);
        let _ = secrets::forget(account);
    }
}

/// A sync waiting for passwords the app does not know: asks for each in turn.
pub struct PasswordPrompt {
    asking: Vec<Account>,
    ready: Vec<(Account, String)>,
    typed: String,
    in_keyring: bool,
    focused: bool,
    notes: Vec<String>,
}

/// Where a prompt stands after a frame.
pub enum Prompted {
    /// Still asking.
    Asking,
    /// Every account has its password; the notes say where typed ones were kept.
    Ready {
        /// The accounts with their passwords.
        accounts: Vec<(Account, String)>,
        /// Where each typed password went, in words.
        notes: Vec<String>,
    },
    /// The operator cancelled.
    Cancelled,
}

impl PasswordPrompt {
    /// The accounts with their passwords, or a prompt for those without one.
    pub fn for_accounts(
        accounts: &[Account],
        passwords: &Passwords,
    ) -> Result<Vec<(Account, String)>, PasswordPrompt> {
        let only = accounts.len() == 1;
        let mut prompt = PasswordPrompt {
            asking: Vec::new(),
            ready: Vec::new(),
            typed: String::new(),
            in_keyring: true,
            focused: false,
            notes: Vec::new(),
        };
        for account in accounts {
            match passwords.find(&account.name, only) {
                Some(password) => prompt.ready.push((account.clone(), password)),
                None => prompt.asking.push(account.clone()),
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
            let label = ui.label("Password");
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.typed).password(true))
                .labelled_by(label.id);
            if !self.focused {
                field.request_focus();
                self.focused = true;
            }
            ui.checkbox(&mut self.in_keyring, "Keep it in the OS keyring");
            ui.horizontal(|ui| {
                let typed = !self.typed.is_empty();
                let entered = field.lost_focus() && ui.input(|input| input.key_pressed(Key::Enter));
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
                let note = passwords.keep(&account.name, &typed, self.in_keyring);
                self.notes.push(format!("{}: {note}", account.name));
                self.asking.remove(0);
                self.ready.push((account, typed));
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
            notes: std::mem::take(&mut self.notes),
        }
    }
}
