//! The accounts view: the mailboxes Bounce Desk reads, a form to add or edit one (server, TLS
//! mode, folders, what to do on the server after a sync), and a connection test that says
//! what failed in words, offering to trust a certificate it cannot verify.
//!
//! The view only collects what the operator wants; the window does it (store, keyring, jobs).

use super::jobs::TestFailure;
use crate::mailbox::{AfterSync, SignIn, TlsMode};
use crate::store::Account;
use egui::{RichText, Ui};

/// What the operator asked for in this view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountAction {
    /// Save this account (replacing `replaces`, when renamed), with a password typed in the
    /// form to keep (in the keyring when `in_keyring`).
    Save {
        /// The account.
        account: Account,
        /// The name it had before an edit.
        replaces: Option<String>,
        /// A newly typed password.
        password: Option<String>,
        /// Keep the password in the OS keyring.
        in_keyring: bool,
    },
    /// Remove the account (its mail stays in the store).
    Remove(String),
    /// Test the account as the form has it, with the typed password if any.
    Test {
        /// The account.
        account: Account,
        /// A password typed in the form.
        password: Option<String>,
    },
    /// Switch syncing on start-up on or off.
    SyncOnStart(bool),
}

/// What the operator chooses to happen on the server after a message is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterChoice {
    Keep,
    MarkSeen,
    Move,
    Delete,
}

impl AfterChoice {
    const ALL: [AfterChoice; 4] = [
        AfterChoice::Keep,
        AfterChoice::MarkSeen,
        AfterChoice::Move,
        AfterChoice::Delete,
    ];

    fn label(self) -> &'static str {
        match self {
            AfterChoice::Keep => "Leave it as it is",
            AfterChoice::MarkSeen => "Mark it as read",
            AfterChoice::Move => "Move it to a folder",
            AfterChoice::Delete => "Delete it",
        }
    }
}

/// The add/edit form, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountForm {
    editing: Option<String>,
    name: String,
    host: String,
    port: String,
    tls: TlsMode,
    user: String,
    password: String,
    in_keyring: bool,
    folders: String,
    after: AfterChoice,
    move_to: String,
    all_mail: bool,
    pin: Option<String>,
    sign_in: SignIn,
}

impl AccountForm {
    /// An empty form with the usual defaults (implicit TLS on 993, INBOX).
    pub fn new() -> AccountForm {
        AccountForm {
            editing: None,
            name: String::new(),
            host: String::new(),
            port: "993".to_string(),
            tls: TlsMode::Implicit,
            user: String::new(),
            password: String::new(),
            in_keyring: true,
            folders: "INBOX".to_string(),
            after: AfterChoice::Keep,
            move_to: "Processed".to_string(),
            all_mail: false,
            pin: None,
            sign_in: SignIn::Password,
        }
    }

    /// The form filled with `account`.
    pub fn edit(account: &Account) -> AccountForm {
        let (after, move_to) = match &account.after_sync {
            AfterSync::Keep => (AfterChoice::Keep, "Processed".to_string()),
            AfterSync::MarkSeen => (AfterChoice::MarkSeen, "Processed".to_string()),
            AfterSync::MoveTo(folder) => (AfterChoice::Move, folder.clone()),
            AfterSync::Delete => (AfterChoice::Delete, "Processed".to_string()),
        };
        AccountForm {
            editing: Some(account.name.clone()),
            name: account.name.clone(),
            host: account.host.clone(),
            port: account.port.to_string(),
            tls: account.tls,
            user: account.user.clone(),
            password: String::new(),
            in_keyring: true,
            folders: account.folders.join(", "),
            after,
            move_to,
            all_mail: account.all_mail,
            pin: account.pin_sha256.clone(),
            sign_in: account.sign_in.clone(),
        }
    }

    /// Trusts the certificate with this fingerprint for the account (saved with it).
    pub fn trust(&mut self, fingerprint: &str) {
        self.pin = Some(fingerprint.to_string());
    }

    /// The account the form describes, or what is missing, in words.
    pub fn account(&self) -> Result<Account, String> {
        let name = self.name.trim();
        let host = self.host.trim();
        let user = self.user.trim();
        if name.is_empty() || host.is_empty() || user.is_empty() {
            return Err("Fill in a name, the server and the user name.".to_string());
        }
        let port: u16 = self.port.trim().parse().map_err(|_| {
            format!(
                "\"{}\" is not a port number (993 or 143, usually).",
                self.port
            )
        })?;
        let folders: Vec<String> = self
            .folders
            .split(',')
            .map(|folder| folder.trim().to_string())
            .filter(|folder| !folder.is_empty())
            .collect();
        if folders.is_empty() {
            return Err("Name at least one folder to read (INBOX, usually).".to_string());
        }
        let after_sync = match self.after {
            AfterChoice::Keep => AfterSync::Keep,
            AfterChoice::MarkSeen => AfterSync::MarkSeen,
            AfterChoice::Delete => AfterSync::Delete,
            AfterChoice::Move if self.move_to.trim().is_empty() => {
                return Err("Name the folder to move stored messages to.".to_string());
            }
            AfterChoice::Move => AfterSync::MoveTo(self.move_to.trim().to_string()),
        };
        Ok(Account {
            name: name.to_string(),
            host: host.to_string(),
            port,
            tls: self.tls,
            user: user.to_string(),
            folders,
            pin_sha256: self.pin.clone(),
            after_sync,
            all_mail: self.all_mail,
            sign_in: self.sign_in.clone(),
        })
    }

    fn typed_password(&self) -> Option<String> {
        (!self.password.is_empty()).then(|| self.password.clone())
    }
}

impl Default for AccountForm {
    fn default() -> Self {
        AccountForm::new()
    }
}

/// What the accounts view shows.
#[derive(Debug, Default)]
pub struct AccountsView {
    /// The accounts in the store.
    pub accounts: Vec<Account>,
    /// The form, when adding or editing.
    pub form: Option<AccountForm>,
    /// The last thing to tell the operator (true when it is an error).
    pub note: Option<(bool, String)>,
    /// Sync every account when the app starts.
    pub sync_on_start: bool,
}

impl AccountsView {
    /// Draws the view; `testing` is the account under test, `tested` the last test's result.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        testing: Option<&str>,
        tested: Option<&(String, Result<Vec<String>, TestFailure>)>,
    ) -> Option<AccountAction> {
        let mut action = None;
        ui.heading("Accounts");
        ui.label("The bounce mailboxes Bounce Desk reads over IMAP. Passwords go to the OS keyring, never to a file.");
        ui.add_space(6.0);
        if self.accounts.is_empty() {
            ui.label("No account yet.");
        }
        egui::Grid::new("account list")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for account in &self.accounts {
                    ui.label(RichText::new(&account.name).strong());
                    ui.label(format!(
                        "{}@{}:{} ({}), {}",
                        account.user,
                        account.host,
                        account.port,
                        tls_label(account.tls),
                        account.folders.join(", ")
                    ));
                    if ui.button(format!("Edit {}", account.name)).clicked() {
                        self.form = Some(AccountForm::edit(account));
                        self.note = None;
                    }
                    if ui.button(format!("Remove {}", account.name)).clicked() {
                        action = Some(AccountAction::Remove(account.name.clone()));
                    }
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            if ui.button("Add account").clicked() {
                self.form = Some(AccountForm::new());
                self.note = None;
            }
            let mut on_start = self.sync_on_start;
            if ui
                .checkbox(&mut on_start, "Sync when Bounce Desk starts")
                .changed()
            {
                action = Some(AccountAction::SyncOnStart(on_start));
            }
        });
        if let Some((error, note)) = &self.note {
            let color = if *error {
                super::look::WARNING
            } else {
                ui.visuals().text_color()
            };
            ui.label(RichText::new(note).color(color));
        }
        if let Some(form) = &mut self.form {
            ui.separator();
            action = form_ui(ui, form, testing, tested).or(action);
        }
        action
    }
}

fn tls_label(tls: TlsMode) -> &'static str {
    match tls {
        TlsMode::Implicit => "TLS",
        TlsMode::Starttls => "STARTTLS",
    }
}

/// A label and a single-line field named by it.
fn field(ui: &mut Ui, name: &str, value: &mut String, hint: &str, password: bool) {
    let label = ui.label(name);
    ui.add(
        egui::TextEdit::singleline(value)
            .hint_text(hint)
            .password(password)
            .desired_width(280.0),
    )
    .labelled_by(label.id);
    ui.end_row();
}

fn form_ui(
    ui: &mut Ui,
    form: &mut AccountForm,
    testing: Option<&str>,
    tested: Option<&(String, Result<Vec<String>, TestFailure>)>,
) -> Option<AccountAction> {
    let mut action = None;
    ui.heading(match &form.editing {
        Some(name) => format!("Edit {name}"),
        None => "New account".to_string(),
    });
    egui::Grid::new("account form")
        .num_columns(2)
        .show(ui, |ui| {
            field(ui, "Name", &mut form.name, "e.g. Newsletter bounces", false);
            field(ui, "Server", &mut form.host, "imap.example.org", false);
            ui.label("Security");
            let before = form.tls;
            egui::ComboBox::from_id_salt("security")
                .selected_text(match form.tls {
                    TlsMode::Implicit => "TLS (port 993)",
                    TlsMode::Starttls => "STARTTLS (port 143)",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut form.tls, TlsMode::Implicit, "TLS (port 993)");
                    ui.selectable_value(&mut form.tls, TlsMode::Starttls, "STARTTLS (port 143)");
                })
                .response
                .on_hover_text("Security");
            if form.tls != before {
                form.port = match form.tls {
                    TlsMode::Implicit => "993",
                    TlsMode::Starttls => "143",
                }
                .to_string();
            }
            ui.end_row();
            field(ui, "Port", &mut form.port, "993", false);
            field(
                ui,
                "User name",
                &mut form.user,
                "bounces@example.org",
                false,
            );
            let hint = if form.editing.is_some() {
                "leave empty to keep the saved one"
            } else {
                "the mailbox password"
            };
            field(ui, "Password", &mut form.password, hint, true);
            ui.label("");
            ui.checkbox(&mut form.in_keyring, "Keep the password in the OS keyring");
            ui.end_row();
            field(ui, "Folders", &mut form.folders, "INBOX, Bounces", false);
            ui.label("After a message is stored");
            egui::ComboBox::from_id_salt("after sync")
                .selected_text(form.after.label())
                .show_ui(ui, |ui| {
                    for choice in AfterChoice::ALL {
                        ui.selectable_value(&mut form.after, choice, choice.label());
                    }
                })
                .response
                .on_hover_text("After a message is stored");
            ui.end_row();
            if form.after == AfterChoice::Move {
                field(ui, "Move to folder", &mut form.move_to, "Processed", false);
            }
            if form.after != AfterChoice::Keep {
                ui.label("");
                ui.checkbox(
                    &mut form.all_mail,
                    "Also for mail that is not a bounce or complaint",
                );
                ui.end_row();
            }
            ui.label("Trusted certificate");
            match form.pin.clone() {
                Some(pin) => {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(&pin).monospace().small());
                        if ui.button("Forget this certificate").clicked() {
                            form.pin = None;
                        }
                    });
                }
                None => {
                    ui.label("the system's certificate authorities");
                }
            }
            ui.end_row();
        });
    ui.add_space(6.0);
    let checked = form.account();
    ui.horizontal(|ui| {
        let ready = checked.is_ok();
        if ui.add_enabled(ready, egui::Button::new("Save")).clicked()
            && let Ok(account) = &checked
        {
            action = Some(AccountAction::Save {
                account: account.clone(),
                replaces: form.editing.clone(),
                password: form.typed_password(),
                in_keyring: form.in_keyring,
            });
        }
        let idle = testing.is_none();
        if ui
            .add_enabled(ready && idle, egui::Button::new("Test connection"))
            .clicked()
            && let Ok(account) = &checked
        {
            action = Some(AccountAction::Test {
                account: account.clone(),
                password: form.typed_password(),
            });
        }
        if testing.is_some() {
            ui.spinner();
            ui.label("Testing…");
        }
    });
    if let Err(missing) = &checked {
        ui.label(RichText::new(missing).weak());
    }
    let testing_name = checked.as_ref().map(|account| account.name.as_str());
    if let Some((account, result)) = tested
        && Ok(account.as_str()) == testing_name
    {
        action = test_result(ui, form, result).or(action);
    }
    action
}

/// What the last test found; for an untrusted certificate, the fingerprint and a choice to
/// trust it (which tests again).
fn test_result(
    ui: &mut Ui,
    form: &mut AccountForm,
    result: &Result<Vec<String>, TestFailure>,
) -> Option<AccountAction> {
    match result {
        Ok(steps) => {
            ui.label(RichText::new("Connection works:").strong());
            for step in steps {
                ui.label(format!("✔ {step}"));
            }
            None
        }
        Err(failure) => {
            ui.add(
                egui::Label::new(RichText::new(&failure.message).color(super::look::WARNING))
                    .wrap(),
            );
            let fingerprint = failure.untrusted_fingerprint.as_ref()?;
            ui.add(
                egui::Label::new(
                    "If your provider (or the fingerprint your server shows) confirms this \
                     SHA-256 fingerprint, trust the certificate for this account only:",
                )
                .wrap(),
            );
            ui.add(egui::Label::new(RichText::new(fingerprint).monospace()).wrap());
            if let Some(technical) = &failure.technical {
                ui.collapsing("What the TLS library said", |ui| {
                    ui.add(egui::Label::new(RichText::new(technical).small()).wrap());
                });
            }
            if ui.button("Trust this certificate").clicked() {
                form.trust(fingerprint);
                return form.account().ok().map(|account| AccountAction::Test {
                    account,
                    password: form.typed_password(),
                });
            }
            None
        }
    }
}
