//! The accounts view: the mailboxes Bounce Desk reads, a form to add or edit one (server, TLS
//! mode, a password or "Sign in with Microsoft / Google / another provider" with how to
//! register the application, folders, what to do on the server after a sync), and a connection
//! test that says what failed in words, offering to trust a certificate it cannot verify.
//!
//! The view only collects what the operator wants; the window does it (store, keyring, jobs).

use super::jobs::TestFailure;
use crate::mailbox::{AfterSync, OAuthApp, SignIn, TlsMode};
use crate::secrets::Typed;
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
        password: Option<Typed>,
        /// Keep the password in the OS keyring.
        in_keyring: bool,
        /// Sign in once saved (a new OAuth account, or one whose sign-in changed).
        sign_in: bool,
    },
    /// Sign this OAuth account in (again).
    SignIn(Account),
    /// Remove the account (its mail stays in the store).
    Remove(String),
    /// Test the account as the form has it, with the typed password if any.
    Test {
        /// The account.
        account: Account,
        /// A password typed in the form.
        password: Option<Typed>,
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

/// How the form's account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignInChoice {
    Password,
    Microsoft,
    Google,
    Other,
}

impl SignInChoice {
    const ALL: [SignInChoice; 4] = [
        SignInChoice::Password,
        SignInChoice::Microsoft,
        SignInChoice::Google,
        SignInChoice::Other,
    ];

    fn label(self) -> &'static str {
        match self {
            SignInChoice::Password => "Password",
            SignInChoice::Microsoft => "Sign in with Microsoft",
            SignInChoice::Google => "Sign in with Google",
            SignInChoice::Other => "Sign in with another provider",
        }
    }

    /// The provider's word and IMAP server, for the built-in ones.
    fn preset(self) -> Option<(&'static str, (&'static str, u16))> {
        match self {
            SignInChoice::Microsoft => crate::oauth::Provider::microsoft()
                .imap
                .map(|server| ("microsoft", server)),
            SignInChoice::Google => crate::oauth::Provider::google()
                .imap
                .map(|server| ("google", server)),
            SignInChoice::Password | SignInChoice::Other => None,
        }
    }

    /// How to register an application with the provider, step by step (the README says the
    /// same).
    fn registration(self) -> &'static [&'static str] {
        match self {
            SignInChoice::Password => &[],
            SignInChoice::Microsoft => &[
                "Open entra.microsoft.com › App registrations › New registration; name it Bounce Desk.",
                "Supported account types: accounts in any organizational directory and personal Microsoft accounts.",
                "Redirect URI: platform \"Public client/native (mobile & desktop)\", http://localhost",
                "API permissions › Add › APIs my organization uses › Office 365 Exchange Online › Delegated › IMAP.AccessAsUser.All (and offline_access).",
                "For \"a code on another device\": Authentication › Allow public client flows › Yes.",
                "Copy the Application (client) ID here.",
            ],
            SignInChoice::Google => &[
                "Open console.cloud.google.com, make a project, and enable the Gmail API.",
                "OAuth consent screen: add the scope https://mail.google.com/ and yourself as a test user.",
                "Credentials › Create credentials › OAuth client ID › Application type \"Desktop app\".",
                "Copy the client ID and the client secret here (a desktop app's secret is not confidential, Google says).",
            ],
            SignInChoice::Other => &[
                "Give the issuer's address (its /.well-known/openid-configuration is read).",
                "Register a public client with the redirect http://127.0.0.1 (any port), and copy its ID here.",
                "Name the scopes your mail server wants, if the provider does not grant IMAP access by default.",
            ],
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
    password: Typed,
    sign_in_choice: SignInChoice,
    client_id: String,
    client_secret: Typed,
    issuer: String,
    scopes: String,
    device_code: bool,
    /// How the account signed in when the form opened (to tell whether to sign in again).
    saved_sign_in: Option<SignIn>,
    in_keyring: bool,
    folders: String,
    after: AfterChoice,
    move_to: String,
    all_mail: bool,
    pin: Option<String>,
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
            password: Typed::default(),
            sign_in_choice: SignInChoice::Password,
            client_id: String::new(),
            client_secret: Typed::default(),
            issuer: String::new(),
            scopes: String::new(),
            device_code: false,
            saved_sign_in: None,
            in_keyring: true,
            folders: "INBOX".to_string(),
            after: AfterChoice::Keep,
            move_to: "Processed".to_string(),
            all_mail: false,
            pin: None,
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
        let app = match &account.sign_in {
            SignIn::OAuth(app) => Some(app),
            SignIn::Password => None,
        };
        let sign_in_choice = match app.map(|app| app.provider.as_str()) {
            None => SignInChoice::Password,
            Some("microsoft") => SignInChoice::Microsoft,
            Some("google") => SignInChoice::Google,
            Some(_) => SignInChoice::Other,
        };
        AccountForm {
            editing: Some(account.name.clone()),
            name: account.name.clone(),
            host: account.host.clone(),
            port: account.port.to_string(),
            tls: account.tls,
            user: account.user.clone(),
            password: Typed::default(),
            sign_in_choice,
            client_id: app.map(|app| app.client_id.clone()).unwrap_or_default(),
            client_secret: Typed::new(
                app.and_then(|app| app.client_secret.clone())
                    .unwrap_or_default(),
            ),
            issuer: match sign_in_choice {
                SignInChoice::Other => app.map(|app| app.provider.clone()).unwrap_or_default(),
                _ => String::new(),
            },
            scopes: app.map(|app| app.scopes.join(" ")).unwrap_or_default(),
            device_code: app.is_some_and(|app| app.device_code),
            saved_sign_in: Some(account.sign_in.clone()),
            in_keyring: true,
            folders: account.folders.join(", "),
            after,
            move_to,
            all_mail: account.all_mail,
            pin: account.pin_sha256.clone(),
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
            sign_in: self.sign_in()?,
        })
    }

    /// How the account is to sign in, or what is missing.
    fn sign_in(&self) -> Result<SignIn, String> {
        let provider = match self.sign_in_choice {
            SignInChoice::Password => return Ok(SignIn::Password),
            SignInChoice::Other if self.issuer.trim().is_empty() => {
                return Err("Give the provider's address (its issuer URL).".to_string());
            }
            SignInChoice::Other => self.issuer.trim().to_string(),
            choice => choice
                .preset()
                .map_or_else(String::new, |(word, _)| word.to_string()),
        };
        let client_id = match self.client_id.trim() {
            "" => crate::oauth::built_in_client_id(&provider)
                .map(str::to_string)
                .ok_or("Give the application (client) ID you registered; the steps are below.")?,
            typed => typed.to_string(),
        };
        // Only what the chosen provider's rows show (a secret typed for Google is not sent
        // to Microsoft, which refuses one from a desktop app).
        let choice = self.sign_in_choice;
        let secret = self.client_secret.expose().trim();
        Ok(SignIn::OAuth(OAuthApp {
            provider,
            client_id,
            client_secret: (choice != SignInChoice::Microsoft && !secret.is_empty())
                .then(|| secret.to_string()),
            scopes: match choice {
                SignInChoice::Other => self.scopes.split_whitespace().map(str::to_string).collect(),
                _ => Vec::new(),
            },
            device_code: choice != SignInChoice::Google && self.device_code,
        }))
    }

    /// True when saving this form should sign in: an OAuth account that is new, or whose
    /// provider or application changed.
    fn signs_in_after_saving(&self, account: &Account) -> bool {
        matches!(account.sign_in, SignIn::OAuth(_))
            && self.saved_sign_in.as_ref() != Some(&account.sign_in)
    }

    fn typed_password(&self) -> Option<Typed> {
        (!self.password.is_empty() && self.sign_in_choice == SignInChoice::Password)
            .then(|| self.password.clone())
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
        ui.label("The bounce mailboxes Bounce Desk reads over IMAP. Passwords and sign-ins go to the OS keyring, never to a file.");
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
                    if let SignIn::OAuth(_) = account.sign_in
                        && ui
                            .button(format!("Sign in {}", account.name))
                            .on_hover_text(
                                "Sign in again: after a revoked sign-in, or on a new computer",
                            )
                            .clicked()
                    {
                        action = Some(AccountAction::SignIn(account.clone()));
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

/// The sign-in rows: a password, or a provider with the application's ID (and secret, issuer,
/// scopes where they apply) and how to register one.
fn sign_in_rows(ui: &mut Ui, form: &mut AccountForm) {
    let label = ui.label("Sign-in");
    let before = form.sign_in_choice;
    egui::ComboBox::from_id_salt("sign-in")
        .selected_text(form.sign_in_choice.label())
        .show_ui(ui, |ui| {
            for choice in SignInChoice::ALL {
                ui.selectable_value(&mut form.sign_in_choice, choice, choice.label());
            }
        })
        .response
        .labelled_by(label.id);
    ui.end_row();
    if form.sign_in_choice != before
        && let Some((_, (host, port))) = form.sign_in_choice.preset()
    {
        form.host = host.to_string();
        form.port = port.to_string();
        form.tls = TlsMode::Implicit;
    }
    if form.sign_in_choice == SignInChoice::Password {
        let hint = if form.editing.is_some() {
            "leave empty to keep the saved one"
        } else {
            "the mailbox password"
        };
        field(ui, "Password", form.password.field(), hint, true);
        ui.label("");
        ui.checkbox(&mut form.in_keyring, "Keep the password in the OS keyring");
        ui.end_row();
        return;
    }
    if form.sign_in_choice == SignInChoice::Other {
        field(
            ui,
            "Provider address",
            &mut form.issuer,
            "https://login.example.org",
            false,
        );
    }
    field(
        ui,
        "Application (client) ID",
        &mut form.client_id,
        "from your app registration",
        false,
    );
    if form.sign_in_choice != SignInChoice::Microsoft {
        field(
            ui,
            "Client secret",
            form.client_secret.field(),
            "only if the provider gave one",
            true,
        );
    }
    if form.sign_in_choice == SignInChoice::Other {
        field(
            ui,
            "Scopes",
            &mut form.scopes,
            "e.g. imap offline_access",
            false,
        );
    }
    if form.sign_in_choice != SignInChoice::Google {
        ui.label("");
        ui.checkbox(
            &mut form.device_code,
            "Sign in with a code on another device (no browser here)",
        );
        ui.end_row();
    }
    ui.label("");
    ui.collapsing("How to get an application ID", |ui| {
        for (number, step) in form.sign_in_choice.registration().iter().enumerate() {
            ui.add(egui::Label::new(format!("{}. {step}", number + 1)).wrap());
        }
    });
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
            sign_in_rows(ui, form);
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
        let sign_in = checked
            .as_ref()
            .is_ok_and(|account| form.signs_in_after_saving(account));
        let save = if sign_in { "Save and sign in" } else { "Save" };
        if ui.add_enabled(ready, egui::Button::new(save)).clicked()
            && let Ok(account) = &checked
        {
            action = Some(AccountAction::Save {
                account: account.clone(),
                replaces: form.editing.clone(),
                password: form.typed_password(),
                in_keyring: form.in_keyring,
                sign_in,
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
