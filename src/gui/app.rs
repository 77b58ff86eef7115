//! The window as a whole: which view is shown, the top bar (views, period, sync), and the
//! wiring between the views, the reader thread and the jobs. Views draw and say what the
//! operator asked; this module does it.

use super::accounts::{AccountAction, AccountForm, AccountsView};
use super::automation::{Automation, Seen, Step};
use super::dashboard::Dashboard;
use super::dialogs::{DialogEvent, Dialogs, Saving};
use super::jobs::{EngineUpgrade, Jobs};
use super::labelling::ManualLabel;
use super::lists_view::{ListsAction, ListsView};
use super::look;
use super::passwords::{self, PasswordPrompt, Passwords, Prompted};
use super::range::Range;
use super::reader::Reader;
use super::recipients::{RecipientsAction, RecipientsView};
use super::review::{Decision, ReviewAction, ReviewView};
use super::rules_view::{RulesAction, RulesView};
use super::settings_view::{SettingsAction, SettingsView};
use super::sign_in::SignIns;
use super::table::BounceTable;
use super::table::DetailAction;
use super::unlock::{UnlockPrompt, Unlocking};
use super::upgrade::{self, UpgradeChoice};
use super::welcome::{self, Welcome};
use super::writer::{Then, Writer};
use crate::store::browse::BounceSort;
use crate::store::stats::DAY;
use crate::store::{Account, Protection, RuleChange, Settings, Store, StoreError};
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use std::path::{Path, PathBuf};

/// The views of the window.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum View {
    /// First run: add an account or open the demo.
    Welcome,
    /// Headline numbers, alerts and charts.
    #[default]
    Dashboard,
    /// The bounce table and one bounce in full.
    Bounces,
    /// The bounces the engine could not decide, grouped, to label a group at a time.
    Review,
    /// The operator's own rules.
    Rules,
    /// Any address: where it stands, its bounces, keep or suppress it by hand.
    Recipients,
    /// Subscriber lists in, cleaned lists and suppression lists out (`--view export` too).
    #[value(alias = "export")]
    Lists,
    /// Mailboxes to read.
    Accounts,
    /// The policy, the dashboard's lines, VERP, the theme.
    Settings,
}

/// What the window remembers between runs (eframe keeps it beside the window size).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Remembered {
    view: View,
    range: Range,
    sort: BounceSort,
    by_rate: bool,
}

/// How the window was asked to start.
#[derive(Debug, Default)]
pub struct Start {
    /// The store to open.
    pub store: PathBuf,
    /// Open the demo mailbox instead.
    pub demo: bool,
    /// Start on this view (else the one shown last time).
    pub view: Option<View>,
    /// A scripted run (screenshot, frame times) instead of an operator.
    pub automation: Option<Automation>,
    /// The time to take as now (Unix seconds), for pictures that must not change from day
    /// to day; `None` is the clock.
    pub now: Option<i64>,
}

/// The Bounce Desk window.
pub struct BounceDesk {
    /// The operator's own store (the one to go back to from the demo).
    home: PathBuf,
    store_path: PathBuf,
    demo: Option<tempfile::TempDir>,
    fixed_now: Option<i64>,
    /// Makes every change to the store (and the keyring) off the UI thread.
    writer: Writer<BounceDesk>,
    /// True from asking for a store until it is open (and its schema up to date).
    opening: bool,
    /// The view shown.
    pub view: View,
    /// The period shown.
    pub range: Range,
    /// The account whose mail is shown (`None`: all mail).
    pub account: Option<String>,
    /// The reader thread's answers.
    pub reader: Reader,
    /// Syncs and connection tests.
    pub jobs: Jobs,
    /// Dashboard state.
    pub dashboard: Dashboard,
    /// Table state.
    pub table: BounceTable,
    /// Review queue state.
    pub review: ReviewView,
    /// Rules view state.
    pub rules: RulesView,
    /// Recipients view state.
    pub recipients: RecipientsView,
    /// Settings view state.
    pub settings: SettingsView,
    /// Lists view state.
    pub lists: ListsView,
    /// The system's file dialogs and list reads under way.
    dialogs: Dialogs,
    /// Accounts view state.
    pub accounts: AccountsView,
    passwords: Passwords,
    prompt: Option<PasswordPrompt>,
    /// An OAuth sign-in under way.
    sign_ins: SignIns,
    /// Asking for the store's passphrase (it is encrypted and no key at hand opens it).
    unlock: Option<UnlockPrompt>,
    /// How the open store is protected (shown in Settings; a plain one is pointed out once).
    pub protection: Option<Protection>,
    /// True once this run said that the store is not encrypted.
    plain_said: bool,
    automation: Option<Automation>,
    /// Something that went wrong outside any one view, in words.
    pub problem: Option<String>,
    /// The last thing done that the operator should see confirmed (a label stored).
    pub notice: Option<String>,
    /// True once a label was given in this session: the window then offers to retrain the
    /// reason model with the labels, so that the next unknowns like them decide themselves.
    pub retrain_offer: bool,
    /// What re-classifying the history would change after an engine upgrade, while offered.
    pub upgrade_offer: Option<EngineUpgrade>,
    started: bool,
    ctx: egui::Context,
}

impl BounceDesk {
    /// Opens the window's state: the store (or a fresh demo store), the reader thread, and
    /// what was remembered from last time.
    pub fn new(cc: &eframe::CreationContext<'_>, start: Start) -> BounceDesk {
        let ctx = cc.egui_ctx.clone();
        let remembered: Remembered = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
            .unwrap_or_default();
        let (demo, problem) = match start.demo.then(demo_folder) {
            Some(Ok(dir)) => (Some(dir), None),
            Some(Err(why)) => (None, Some(why)),
            None => (None, None),
        };
        let (path, demo_at) = match &demo {
            Some(dir) => (
                dir.path().join(DEMO_FILE),
                Some(start.now.unwrap_or_else(crate::store::now)),
            ),
            None => (start.store.clone(), None),
        };
        let mut app = BounceDesk {
            home: start.store.clone(),
            store_path: path.clone(),
            fixed_now: start.now,
            writer: writer(&ctx, path.clone(), demo_at),
            opening: true,
            view: remembered.view,
            range: remembered.range,
            account: None,
            // Each opens the store when first asked, which the views do once it is open.
            reader: reader(&ctx, path.clone()),
            jobs: jobs(&ctx, path),
            dashboard: Dashboard {
                by_rate: remembered.by_rate,
                ..Dashboard::default()
            },
            table: BounceTable::sorted(remembered.sort),
            review: ReviewView::default(),
            rules: RulesView::default(),
            recipients: RecipientsView::default(),
            settings: SettingsView::default(),
            lists: ListsView::default(),
            dialogs: {
                let ctx = ctx.clone();
                Dialogs::new(move || ctx.request_repaint())
            },
            accounts: AccountsView::default(),
            passwords: Passwords::default(),
            prompt: None,
            unlock: None,
            sign_ins: {
                let ctx = ctx.clone();
                SignIns::new(move || ctx.request_repaint())
            },
            protection: None,
            plain_said: false,
            automation: start.automation,
            problem,
            notice: None,
            retrain_offer: false,
            upgrade_offer: None,
            started: false,
            demo,
            ctx,
        };
        if app.demo.is_some() {
            app.view = View::Dashboard;
        }
        if let Some(view) = start.view {
            app.view = view;
        }
        app
    }

    /// True when what the views show is all in: nothing asked and unanswered, no search
    /// waiting for typing to pause (screenshots and tests wait for this).
    pub fn settled(&self) -> bool {
        !self.opening
            && !self.writer.busy()
            && !self.table.typing()
            && !self.table.changed
            && !self.jobs.changing_rule
            && !self.jobs.list_work
            && !self.jobs.upgrading
            && self.lists.reading.is_none()
            && !self.reader.busy()
            && self.reader.summaries.is_some()
            && self.reader.matches.is_some()
            && (self.view != View::Recipients || self.reader.recipients.is_some())
    }

    /// The store shown (the demo's throwaway file when showing the demo).
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    /// True when showing the demo mailbox.
    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }

    fn now(&self) -> i64 {
        self.fixed_now.unwrap_or_else(crate::store::now)
    }

    /// Today's day number (from the clock, so that a window left open past midnight moves on).
    fn today(&self) -> i64 {
        self.now().div_euclid(DAY)
    }

    /// Shows the store at `path`: the writer opens it (bringing its schema up to date) and
    /// the views ask for its data once it is open.
    fn open_store(&mut self, path: PathBuf) {
        self.open(path, None);
    }

    /// Opens the store at `path` on a new writer (building the demo there first when
    /// `demo_at` is the demo's "now"), with a new reader and new jobs for it.
    fn open(&mut self, path: PathBuf, demo_at: Option<i64>) {
        self.opening = true;
        self.upgrade_offer = None;
        // What was said about the store shown before is not about this one.
        self.notice = None;
        self.store_path = path.clone();
        self.writer = writer(&self.ctx, path.clone(), demo_at);
        self.reader = reader(&self.ctx, path.clone());
        self.jobs = jobs(&self.ctx, path);
    }

    /// The writer opened the store: show what it holds and ask for the views' data.
    fn store_opened(&mut self, opened: Opened) {
        self.opening = false;
        self.problem = None;
        if let Protection::Plain { .. } = &opened.protection
            && !self.is_demo()
            && !self.plain_said
        {
            self.plain_said = true;
            self.notice = Some(format!(
                "Your bounce data is {}. Settings › Your data says more.",
                opened.protection.describe()
            ));
        }
        self.protection = Some(opened.protection);
        match opened.settings {
            Ok(settings) => {
                apply_theme(&self.ctx, settings.theme);
                self.settings.load(settings);
            }
            Err(error) => self.problem = Some(error),
        }
        self.show_accounts(opened.accounts);
        if opened.empty && self.accounts.accounts.is_empty() && self.demo.is_none() {
            self.view = View::Welcome;
        } else if self.view == View::Welcome {
            self.view = View::Dashboard;
        }
        self.jobs.start_upgrade_check();
        self.reload();
    }

    /// The store cannot be opened (or a change was asked of a store that could not be): an
    /// encrypted one is asked for its passphrase, anything else is said.
    fn store_unavailable(&mut self, why: NotOpened) {
        self.opening = false;
        match why {
            NotOpened::Locked { wrong } => {
                if self.unlock.is_none() {
                    self.unlock = Some(UnlockPrompt::new(&self.store_path, wrong));
                }
            }
            NotOpened::Failed(why) => {
                self.problem = Some(format!("The store is not available: {why}"));
            }
        }
    }

    /// Asks for the store's passphrase while it is locked; opens it with the one given.
    fn ask_passphrase(&mut self) {
        let Some(prompt) = &mut self.unlock else {
            return;
        };
        match prompt.show(&self.ctx) {
            Unlocking::Asking => {}
            Unlocking::Try(key) => {
                self.unlock = None;
                crate::store::key::remember(&self.store_path, key);
                let path = self.store_path.clone();
                self.open_store(path);
            }
            Unlocking::ShowDemo => {
                self.unlock = None;
                self.open_demo();
            }
        }
    }

    /// Builds the demo mailbox in a throwaway folder and shows it.
    pub fn open_demo(&mut self) {
        match demo_folder() {
            Ok(dir) => {
                let path = dir.path().join(DEMO_FILE);
                self.demo = Some(dir);
                self.view = View::Dashboard;
                let now = self.now();
                self.open(path, Some(now));
            }
            Err(error) => self.problem = Some(error),
        }
    }

    /// Leaves the demo for the operator's own store (the demo's folder is deleted).
    fn leave_demo(&mut self) {
        self.demo = None;
        let home = self.home.clone();
        self.open_store(home);
    }

    /// Reads the accounts again (on the writer, after the last change) and shows them.
    fn ask_accounts(&mut self) {
        self.writer.change(|store| {
            let accounts = AccountsNow::read(store);
            Box::new(move |app| app.show_accounts(accounts))
        });
    }

    fn show_accounts(&mut self, now: AccountsNow) {
        match now.accounts {
            Ok(accounts) => self.accounts.accounts = accounts,
            Err(error) => self.accounts.note = Some((true, error)),
        }
        self.accounts.sync_on_start = now.sync_on_start;
        // An account removed (or a store switched) while its mail was shown: show all.
        let known = |name: &String| self.accounts.accounts.iter().any(|a| &a.name == name);
        if self.account.as_ref().is_some_and(|name| !known(name)) {
            self.account = None;
            self.reload();
        }
    }

    /// Asks the reader again for everything shown (after a sync, a period change).
    fn reload(&mut self) {
        self.ask_summaries();
        self.table.selected = None;
        self.ask_matches();
        self.reader.ask_review(self.account.clone());
        self.reader.ask_rules();
        self.ask_recipients();
        self.lists.changed = true;
    }

    /// Shows another period; a day picked on the chart no longer applies.
    fn set_range(&mut self, range: Range) {
        self.range = range;
        self.table.days = None;
        self.reload();
    }

    fn ask_summaries(&mut self) {
        self.reader
            .ask_summaries(self.range, self.today(), self.account.clone());
    }

    fn ask_matches(&mut self) {
        let period = self.range.period(self.today());
        self.reader.ask_matches(
            self.table.query(period),
            self.table.sort,
            self.account.clone(),
        );
        self.table.changed = false;
    }

    /// Starts a sync of every account, asking for passwords it does not know (the keyring
    /// is read on the writer thread).
    pub fn sync_now(&mut self) {
        let accounts = self.accounts.accounts.clone();
        self.look_up_passwords(accounts, |app, found| {
            match PasswordPrompt::for_accounts(found) {
                Ok(ready) => app.jobs.start_sync(ready),
                Err(prompt) => app.prompt = Some(prompt),
            }
        });
    }

    /// Finds the passwords of `accounts` (typed in this run, else from the keyring) on the
    /// writer thread, then `then` does what they were wanted for.
    fn look_up_passwords(
        &mut self,
        accounts: Vec<Account>,
        then: fn(&mut BounceDesk, FoundPasswords),
    ) {
        let typed = accounts
            .iter()
            .map(|account| self.passwords.typed(&account.name))
            .collect();
        self.writer.change(move |_| {
            let found = passwords::look_up(accounts, typed);
            Box::new(move |app| then(app, found))
        });
    }

    /// Does what the operator asked in the accounts view.
    fn act(&mut self, action: AccountAction) {
        match action {
            AccountAction::Save {
                account,
                replaces,
                password,
                in_keyring,
                sign_in,
            } => self.save_account(account, replaces, password, in_keyring, sign_in),
            AccountAction::SignIn(account) => self.sign_ins.start(account),
            AccountAction::Remove(name) => {
                self.passwords.forget(&name);
                self.writer.change(move |store| {
                    let removed = store.remove_account(&name);
                    if removed.is_ok() {
                        passwords::forget_in_keyring(&name);
                        // Its sign-in would otherwise outlive it in the keyring.
                        let _ = crate::oauth::forget_grant(&name);
                    }
                    let now = AccountsNow::read(store);
                    Box::new(move |app| {
                        app.accounts.note = Some(match removed {
                            Ok(()) => (
                                false,
                                format!("Removed {name}; its mail stays in the store."),
                            ),
                            Err(error) => (true, format!("Not removed: {error}")),
                        });
                        app.show_accounts(now);
                    })
                });
            }
            AccountAction::Test {
                account,
                password: Some(password),
            } => self
                .jobs
                .start_test(account, crate::sync::Login::password(password.expose())),
            AccountAction::Test {
                account,
                password: None,
            } => {
                self.look_up_passwords(vec![account], |app, found| {
                    match found.into_iter().next() {
                        Some((account, Some(login))) => app.jobs.start_test(account, login),
                        _ => {
                            app.accounts.note = Some((
                                true,
                                "Type the password to test the connection.".to_string(),
                            ))
                        }
                    }
                });
            }
            AccountAction::SyncOnStart(on) => self.writer.change(move |store| {
                let set = store.set_setting("gui.sync_on_start", if on { "1" } else { "0" });
                Box::new(move |app| match set {
                    Ok(()) => app.accounts.sync_on_start = on,
                    Err(error) => app.accounts.note = Some((true, error.to_string())),
                })
            }),
        }
    }

    /// Saves an account from the form (renamed from `replaces`, if so), with the password
    /// typed kept in memory and, when asked, in the keyring.
    fn save_account(
        &mut self,
        account: Account,
        replaces: Option<String>,
        password: Option<crate::secrets::Typed>,
        in_keyring: bool,
        sign_in: bool,
    ) {
        let taken =
            self.accounts.accounts.iter().any(|other| {
                other.name == account.name && replaces.as_deref() != Some(&account.name)
            });
        if taken {
            self.accounts.note = Some((
                true,
                format!(
                    "There is already an account named {}; pick another name.",
                    account.name
                ),
            ));
            return;
        }
        let renamed = replaces.filter(|old| *old != account.name);
        if let Some(old) = &renamed {
            self.passwords.rename(old, &account.name);
        }
        if let Some(password) = &password {
            self.passwords.remember(&account.name, password.expose());
        }
        self.writer.change(move |store| {
            let saved = store.save_account(&account).and_then(|()| match &renamed {
                Some(old) => store.remove_account(old),
                None => Ok(()),
            });
            let kept = saved.as_ref().ok().map(|()| {
                if let Some(old) = &renamed {
                    passwords::rename_in_keyring(old, &account.name);
                    let _ = crate::oauth::rename_grant(old, &account.name);
                }
                match password {
                    Some(password) if in_keyring => {
                        passwords::save_in_keyring(&account.name, password.expose())
                    }
                    Some(_) => "The password is kept in memory until Bounce Desk closes.".into(),
                    None => String::new(),
                }
            });
            let now = AccountsNow::read(store);
            Box::new(move |app| {
                app.accounts.note = Some(match (saved, kept) {
                    (Ok(()), kept) => {
                        app.accounts.form = None;
                        if sign_in {
                            app.sign_ins.start(account.clone());
                        }
                        (
                            false,
                            format!("Saved {}. {}", account.name, kept.unwrap_or_default()),
                        )
                    }
                    (Err(error), _) => (true, format!("Not saved: {error}")),
                });
                app.show_accounts(now);
            })
        });
    }

    /// Stores a label given by hand, then shows everything again with the selection kept,
    /// so that in a list of unknowns the next one moves up to be labelled.
    fn store_label(&mut self, label: &ManualLabel) {
        let done = format!(
            "Labelled {} / {} by hand.",
            look::class_label(label.class.as_str()),
            label.reason.as_str()
        );
        let label = label.clone();
        self.writer.change(move |store| {
            let result = store
                .label(label.bounce_id, label.class, label.reason, &label.note)
                .map_err(|error| error.to_string());
            Box::new(move |app| {
                if app.take_change(result, done, "The label was not saved") {
                    app.retrain_offer = true;
                }
            })
        });
    }

    /// Retrains the reason model with every label given by hand, so that later syncs guess
    /// the unknowns that look like the labelled ones.
    fn retrain_model(&mut self) {
        self.retrain_offer = false;
        self.writer.change(|store| {
            let result = store.retrain_model();
            Box::new(move |app| match result {
                Ok(done) => {
                    app.notice = Some(format!(
                        "The reason model now learns from {} label(s) of yours ({} bounces in \
                         all); the next sync uses it (bouncedesk reclassify --dry-run shows what \
                         it changes in the history).",
                        done.labels, done.documents
                    ));
                }
                Err(error) => app.problem = Some(format!("The model was not retrained: {error}")),
            })
        });
    }

    /// Does what the operator asked in the review queue.
    fn act_on_review(&mut self, action: ReviewAction) {
        match action {
            ReviewAction::Label {
                group,
                class,
                reason,
            } => {
                let note = format!("review queue: {} bounces alike", group.ids.len());
                self.writer.change(move |store| {
                    let labelled = store.label_bounces(&group.ids, class, reason, &note);
                    Box::new(move |app| match labelled {
                        Ok(undo) => {
                            app.notice = Some(format!(
                                "Labelled {} bounce(s) {} / {reason} by hand.",
                                undo.bounces(),
                                look::class_label(class.as_str())
                            ));
                            app.review.last = Some(Decision {
                                undo,
                                group,
                                class,
                                reason,
                            });
                            app.review.rule = None;
                            app.retrain_offer = true;
                            app.reload_after_edit();
                        }
                        Err(error) => {
                            app.problem = Some(format!("The group was not labelled: {error}"))
                        }
                    })
                });
            }
            ReviewAction::Undo => {
                let Some(decision) = self.review.last.take() else {
                    return;
                };
                self.review.rule = None;
                let done = format!(
                    "Took back the label of {} bounce(s).",
                    decision.undo.bounces()
                );
                self.change_store(done, "Not undone", move |store| {
                    store.undo_labels(&decision.undo)
                });
            }
            ReviewAction::Preview(change) => self.reader.ask_rule_effect(change),
            ReviewAction::Save(change) => self.save_rule(change),
        }
    }

    /// Does what the operator asked in the Rules view.
    fn act_on_rules(&mut self, action: RulesAction) {
        match action {
            RulesAction::Preview(change) => self.reader.ask_rule_effect(change),
            RulesAction::Save(change) => self.save_rule(change),
        }
    }

    /// Makes a rule change on the jobs thread (it re-classifies the history it touches).
    fn save_rule(&mut self, change: RuleChange) {
        self.jobs.start_rule_change(change);
    }

    /// Asks again for what an edit of the store can change: the numbers, the table, the
    /// review queue and the rules.
    fn reload_after_edit(&mut self) {
        self.reader.forget_detail();
        self.ask_summaries();
        self.ask_matches();
        self.reader.ask_review(self.account.clone());
        self.reader.ask_rules();
        self.ask_recipients();
        self.lists.changed = true;
    }

    /// Asks for the recipients the view searches for, and the one shown in full.
    fn ask_recipients(&mut self) {
        self.recipients.changed = false;
        self.reader.ask_recipients(self.recipients.filter.clone());
        if let Some(address) = self.recipients.selected.clone() {
            self.reader.ask_history(address);
        }
    }

    /// Stores the settings the operator saved; a new policy re-evaluates every recipient
    /// (on the writer thread: over a large store that takes a while).
    fn save_settings(&mut self, settings: Settings) {
        self.writer.change(move |store| {
            let result = store.save_settings(&settings);
            Box::new(move |app| match result {
                Ok(changed) => {
                    apply_theme(&app.ctx, settings.theme);
                    app.settings.load(settings);
                    app.notice = Some(if changed > 0 {
                        format!(
                            "Settings saved; {changed} recipient state(s) changed under the new \
                             policy."
                        )
                    } else {
                        "Settings saved.".to_string()
                    });
                    app.reload_after_edit();
                }
                Err(error) => app.problem = Some(format!("The settings were not saved: {error}")),
            })
        });
    }

    /// Does what the operator asked in the Lists view.
    fn act_on_lists(&mut self, action: ListsAction) {
        match action {
            ListsAction::ChooseFile => self.dialogs.open_list(),
            ListsAction::Import { name, path, list } => {
                self.lists.preview = None;
                self.jobs.start_import(name, path, list);
            }
            ListsAction::ChooseTarget => self
                .dialogs
                .save_as(Saving::Export, self.lists.format.file_name().to_string()),
            ListsAction::Export(path) => {
                self.jobs
                    .start_export(path, self.lists.format, self.lists.list.clone());
            }
        }
    }

    /// Reads a list file the operator chose or dropped (its preview comes next).
    pub fn read_list_file(&mut self, path: PathBuf) {
        self.view = View::Lists;
        self.lists.reading(path.clone());
        self.dialogs.read_list(path);
    }

    /// Writes the export chosen in the Lists view to `path` (the save dialog's answer),
    /// asking first when a file is there.
    pub fn export_to(&mut self, path: PathBuf) {
        if let Some(action) = self.lists.target(path) {
            self.act_on_lists(action);
        }
    }

    /// Takes in what the file dialogs and list reads found, and files dropped on the window.
    fn take_file_news(&mut self, ui: &Ui) {
        let dropped: Vec<PathBuf> = ui.ctx().input(|input| {
            input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_path_buf())
                .filter(|path| !path.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.read_list_file(path);
        }
        for event in self.dialogs.receive() {
            match event {
                DialogEvent::Opened(Some(path)) => self.read_list_file(path),
                DialogEvent::SaveTo(Saving::Export, Some(path)) => self.export_to(path),
                DialogEvent::SaveTo(Saving::Backup, Some(path)) => self.back_up_to(path),
                DialogEvent::Opened(None) | DialogEvent::SaveTo(_, None) => {}
                DialogEvent::Read { path, result } => self.lists.read(path, result),
            }
        }
    }

    /// Does what the operator asked in the Recipients view.
    fn act_on_recipients(&mut self, action: RecipientsAction) {
        match action {
            RecipientsAction::Show(address) => self.reader.ask_history(address),
            RecipientsAction::Decide {
                address,
                decision,
                note,
            } => {
                let done = match decision {
                    crate::store::ByHand::Keep => format!("{address} is kept on the list."),
                    crate::store::ByHand::Suppress => format!("{address} is suppressed by hand."),
                    crate::store::ByHand::Release => {
                        format!("{address} is back under the policy.")
                    }
                };
                self.recipients.note.clear();
                self.change_store(done, "Not changed", move |store| {
                    store.decide_by_hand(&address, decision, &note)
                });
            }
            RecipientsAction::Forget(address) => self.forget(address),
        }
    }

    /// Removes every trace of `address` (on the writer) and says what went.
    fn forget(&mut self, address: String) {
        self.writer.change(move |store| {
            let result = store
                .forget(&address)
                .map(|forgotten| forgotten.describe())
                .map_err(|error| error.to_string());
            Box::new(move |app| match result {
                Ok(removed) => {
                    app.recipients.selected = None;
                    app.reader.history = None;
                    app.notice = Some(format!("Forgotten: {removed}."));
                    app.reload_after_edit();
                }
                Err(error) => app.problem = Some(format!("Not forgotten: {error}")),
            })
        });
    }

    /// Copies the store to `to` (on the writer, after the changes asked before).
    fn back_up_to(&mut self, to: PathBuf) {
        let done = format!("Backed up to {}.", to.display());
        self.writer.change(move |store| {
            let result = store.backup(&to).map_err(|error| error.to_string());
            Box::new(move |app| match result {
                Ok(()) => app.notice = Some(done),
                Err(error) => app.problem = Some(format!("Not backed up: {error}")),
            })
        });
    }

    /// Keeps `address` on the list whatever it bounces, or hands it back to the policy.
    fn keep(&mut self, address: &str, keep: bool) {
        let done = if keep {
            format!("{address} is kept on the list; its bounces no longer count.")
        } else {
            format!("{address} is back under the policy.")
        };
        let address = address.to_string();
        self.change_store(done, "Not changed", move |store| {
            store.keep(&address, keep, "from the window")
        });
    }

    /// Makes one change the operator asked for in the store on the writer thread, then says
    /// so (or why not) and shows everything again with the table's selection kept.
    fn change_store(
        &mut self,
        done: String,
        failed: &'static str,
        change: impl FnOnce(&mut Store) -> crate::store::Result<()> + Send + 'static,
    ) {
        self.writer.change(move |store| {
            let result = change(store).map_err(|error| error.to_string());
            Box::new(move |app| {
                app.take_change(result, done, failed);
            })
        });
    }

    /// Says that a change was made and shows everything again, or says why it was not;
    /// true when it was made.
    fn take_change(&mut self, result: Result<(), String>, done: String, failed: &str) -> bool {
        match result {
            Ok(()) => {
                self.notice = Some(done);
                self.reload_after_edit();
                true
            }
            Err(error) => {
                self.problem = Some(format!("{failed}: {error}"));
                false
            }
        }
    }

    /// Takes in what the jobs reported: a finished sync or rule change reloads the views; a
    /// refused password is forgotten so that the next sync asks for it.
    fn take_job_news(&mut self) {
        let finished = self.jobs.receive();
        if let Some(result) = self.jobs.upgrade.take() {
            self.take_upgrade(result);
        }
        if finished {
            for account in std::mem::take(&mut self.jobs.refused) {
                self.passwords.forget(&account);
                self.writer.change(move |_| {
                    passwords::forget_in_keyring(&account);
                    Box::new(|_| {})
                });
            }
            if let Some(result) = self.jobs.list_done.take() {
                match result {
                    Ok(done) => self.notice = Some(done),
                    Err(error) => self.problem = Some(error),
                }
            }
            if let Some(result) = self.jobs.rule_changed.take() {
                self.reader.forget_rule_effect();
                match result {
                    Ok((id, summary)) => {
                        self.review.rule = None;
                        self.notice = Some(format!(
                            "Rule {id} saved: {} bounce(s) of the history changed; later mail \
                             follows it.",
                            look::count(summary.changed_bounces() as i64)
                        ));
                    }
                    Err(error) => self.problem = Some(format!("The rule was not saved: {error}")),
                }
            }
            self.reload();
            self.ask_accounts();
        }
    }

    /// What the engine-upgrade job found: an offer to show, the replay done, or why not.
    fn take_upgrade(&mut self, result: Result<Option<EngineUpgrade>, String>) {
        match result {
            Ok(Some(upgrade)) if upgrade.effect.applied => {
                self.upgrade_offer = None;
                self.notice = Some(format!(
                    "Re-classified the history with today's engine: {} bounce(s) changed.",
                    look::count(upgrade.effect.changed_bounces() as i64)
                ));
            }
            Ok(offer) => self.upgrade_offer = offer,
            Err(error) => {
                self.upgrade_offer = None;
                self.problem = Some(format!(
                    "The history could not be checked against today's engine: {error}"
                ));
            }
        }
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.heading("Bounce Desk");
            if self.is_demo() {
                ui.label(
                    RichText::new("demo mailbox")
                        .italics()
                        .color(look::class_color("auto_reply")),
                )
                .on_hover_text("Generated reports in a throwaway store; nothing here is yours");
            }
            ui.separator();
            for (view, name, key) in [
                (View::Dashboard, "Dashboard", "Ctrl+1"),
                (View::Bounces, "Bounces", "Ctrl+2"),
                (View::Review, "Review", "Ctrl+3"),
                (View::Rules, "Rules", "Ctrl+4"),
                (View::Recipients, "Recipients", "Ctrl+5"),
                (View::Lists, "Lists", "Ctrl+6"),
                (View::Accounts, "Accounts", "Ctrl+7"),
                (View::Settings, "Settings", "Ctrl+8"),
            ] {
                ui.selectable_value(&mut self.view, view, name)
                    .on_hover_text(key);
            }
            ui.separator();
            let before = self.range;
            egui::ComboBox::from_label("Period")
                .selected_text(self.range.label())
                .show_ui(ui, |ui| {
                    for range in Range::ALL {
                        ui.selectable_value(&mut self.range, range, range.label());
                    }
                });
            if self.range != before {
                self.set_range(self.range);
            }
            self.account_choice(ui);
            // Anchored to the right edge, so that nothing moves "Sync now" from under the
            // pointer when the bar's other parts change.
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                self.sync_controls(ui);
            });
        });
    }

    /// The account whose mail the dashboard and the table show; always in the bar (greyed
    /// while there is no account) so that adding the first account moves nothing.
    fn account_choice(&mut self, ui: &mut Ui) {
        let before = self.account.clone();
        let has_accounts = !self.accounts.accounts.is_empty();
        ui.add_enabled_ui(has_accounts, |ui| {
            egui::ComboBox::from_label("Account")
                .selected_text(self.account.as_deref().unwrap_or("All mail"))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.account, None, "All mail");
                    for account in &self.accounts.accounts {
                        let name = Some(account.name.clone());
                        ui.selectable_value(&mut self.account, name, &account.name);
                    }
                })
        })
        .response
        .on_disabled_hover_text("Add an account to sync, then show one account's mail here");
        if self.account != before {
            self.reload();
        }
    }

    /// "Sync now", or while a sync runs, "Cancel sync" in its place and the progress left of
    /// it (the bar lays out right to left).
    fn sync_controls(&mut self, ui: &mut Ui) {
        if let Some(progress) = &self.jobs.sync {
            let text = format!(
                "{} {}: {} — {} of {}",
                progress.account,
                progress.folder,
                progress.phase,
                look::count(progress.done as i64),
                look::count(progress.total as i64)
            );
            let fraction = progress.fraction();
            if self.jobs.cancelling() {
                ui.label("Cancelling after this batch…");
            } else if ui.button("Cancel sync").clicked() {
                self.jobs.cancel_sync();
            }
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(320.0)
                    .text(text),
            );
            return;
        }
        let can_sync = !self.accounts.accounts.is_empty() && !self.is_demo() && !self.opening;
        let button = ui
            .add_enabled(can_sync, egui::Button::new("Sync now"))
            .on_disabled_hover_text("Add an account first (the demo mailbox has none)");
        if button.clicked() {
            self.sync_now();
        }
    }

    /// Problems and the last sync's outcome per account, errors where they happened; after
    /// a label, the offer to retrain the model (true when the operator took it).
    fn notes(&self, ui: &mut Ui) -> Option<NoteAction> {
        let mut asked = None;
        if let Some(account) = &self.sign_ins.running {
            ui.horizontal_wrapped(|ui| {
                ui.spinner();
                match &self.sign_ins.code {
                    Some(code) => ui.label(format!(
                        "{account}: on any device, open {} and enter the code {} (good for {} \
                         minutes).",
                        code.verification_uri,
                        code.user_code,
                        code.expires_in.as_secs() / 60
                    )),
                    None => ui.label(format!(
                        "{account}: sign in in your browser; Bounce Desk waits for it."
                    )),
                };
                if ui.button("Cancel sign-in").clicked() {
                    asked = Some(NoteAction::CancelSignIn);
                }
            });
        }
        for problem in [&self.problem, &self.reader.error].into_iter().flatten() {
            ui.label(RichText::new(problem).color(look::WARNING));
        }
        if let Some(notice) = &self.notice {
            ui.label(notice);
        }
        if self.retrain_offer {
            ui.horizontal(|ui| {
                ui.label("Done labelling for now? Let the engine learn from your labels:");
                if ui
                    .button("Retrain the reason model")
                    .on_hover_text(
                        "Bounces the rules cannot decide are then guessed from the ones you \
                         labelled; your labels themselves always stay as you gave them",
                    )
                    .clicked()
                {
                    asked = Some(NoteAction::Retrain);
                }
            });
        }
        for (account, result) in &self.jobs.outcomes {
            match result {
                Ok(done) => {
                    let reconnections = if done.reconnections > 0 {
                        format!(", {} reconnection(s)", done.reconnections)
                    } else {
                        String::new()
                    };
                    ui.label(format!(
                        "{account}: {} fetched, {} new, {} already stored{reconnections}",
                        done.fetched, done.new_messages, done.already_stored,
                    ));
                }
                Err(why) => {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(format!("{account}: {why}")).color(look::WARNING));
                        if self.jobs.sign_in_needed.contains(account)
                            && self.sign_ins.running.is_none()
                            && ui.button(format!("Sign in {account} again")).clicked()
                        {
                            asked = Some(NoteAction::SignIn(account.clone()));
                        }
                    });
                }
            }
        }
        asked
    }

    /// Says how a sign-in ended.
    fn take_sign_in_news(&mut self) {
        for (account, result) in self.sign_ins.receive() {
            match result {
                Ok(()) => {
                    // Its "sign in again" from the last sync is no longer true.
                    self.jobs.sign_in_needed.retain(|other| *other != account);
                    self.jobs
                        .outcomes
                        .retain(|(name, result)| *name != account || result.is_ok());
                    self.notice = Some(format!(
                        "{account}: signed in; the sign-in is kept in the OS keyring."
                    ));
                }
                Err(why) => self.problem = Some(format!("{account}: not signed in: {why}")),
            }
        }
    }

    fn shortcuts(&mut self, ui: &Ui) {
        for (key, view) in [
            (Key::Num1, View::Dashboard),
            (Key::Num2, View::Bounces),
            (Key::Num3, View::Review),
            (Key::Num4, View::Rules),
            (Key::Num5, View::Recipients),
            (Key::Num6, View::Lists),
            (Key::Num7, View::Accounts),
            (Key::Num8, View::Settings),
        ] {
            if ui.input_mut(|input| {
                input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, key))
            }) {
                self.view = view;
            }
        }
    }

    fn central(&mut self, ui: &mut Ui) {
        match self.view {
            View::Welcome => match welcome::show(ui) {
                Some(Welcome::AddAccount) => {
                    self.accounts.form = Some(AccountForm::new());
                    self.view = View::Accounts;
                }
                Some(Welcome::OpenDemo) => self.open_demo(),
                None => {}
            },
            View::Dashboard => {
                if self.reader.summaries_pending && self.reader.summaries.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Counting… (the numbers below are the last ones)");
                    });
                }
                let drill = egui::ScrollArea::vertical()
                    .id_salt("dashboard")
                    .show(ui, |ui| match &self.reader.summaries {
                        Some(summaries) => self.dashboard.show(ui, summaries),
                        None => {
                            ui.spinner();
                            None
                        }
                    })
                    .inner;
                if let Some(drill) = drill {
                    self.table.drill(drill);
                    self.view = View::Bounces;
                }
            }
            View::Bounces => match self.table.show(ui, &mut self.reader) {
                Some(DetailAction::Label(label)) => self.store_label(&label),
                Some(DetailAction::Keep { address, keep }) => self.keep(&address, keep),
                None => {}
            },
            View::Review => {
                let effect = self.reader.rule_effect.as_deref();
                let action = self.review.show(
                    ui,
                    self.reader.review.as_deref(),
                    effect,
                    self.reader.rule_effect_pending,
                    self.jobs.changing_rule,
                );
                if let Some(action) = action {
                    self.act_on_review(action);
                }
            }
            View::Rules => {
                let effect = self.reader.rule_effect.as_deref();
                let action = egui::ScrollArea::vertical()
                    .id_salt("rules")
                    .show(ui, |ui| {
                        self.rules.show(
                            ui,
                            self.reader.rules.as_deref(),
                            effect,
                            self.reader.rule_effect_pending,
                            self.jobs.changing_rule,
                        )
                    })
                    .inner;
                if let Some(action) = action {
                    self.act_on_rules(action);
                }
            }
            View::Recipients => {
                let action = self.recipients.show(
                    ui,
                    self.reader.recipients.as_deref(),
                    self.reader.history.as_deref(),
                );
                if self.recipients.changed {
                    self.ask_recipients();
                }
                if let Some(action) = action {
                    self.act_on_recipients(action);
                }
            }
            View::Lists => {
                if self.lists.changed {
                    self.lists.changed = false;
                    self.reader
                        .ask_lists(self.lists.format, self.lists.list.clone());
                }
                let action = egui::ScrollArea::vertical()
                    .id_salt("lists")
                    .show(ui, |ui| {
                        self.lists.show(
                            ui,
                            self.reader.lists.as_deref(),
                            self.jobs.list_work || self.dialogs.open,
                        )
                    })
                    .inner;
                if let Some(action) = action {
                    self.act_on_lists(action);
                }
            }
            View::Settings => {
                let folder = self
                    .store_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let action = egui::ScrollArea::vertical()
                    .id_salt("settings")
                    .show(ui, |ui| {
                        let demo = self.demo.is_some();
                        self.settings
                            .show(ui, &folder, self.protection.as_ref(), demo)
                    })
                    .inner;
                match action {
                    Some(SettingsAction::Save(settings)) => self.save_settings(settings),
                    Some(SettingsAction::BackUp) => {
                        let name =
                            format!("bouncedesk-backup-{}.sqlite", look::day_iso(self.today()));
                        self.dialogs.save_as(Saving::Backup, name);
                    }
                    None => {}
                }
            }
            View::Accounts if self.is_demo() => {
                ui.heading("Accounts");
                ui.label(
                    "The demo mailbox has no accounts: it is a throwaway store. Leave the demo \
                     to add your own bounce mailbox.",
                );
                if ui.button("Leave the demo").clicked() {
                    self.leave_demo();
                }
            }
            View::Accounts => {
                let testing = self.jobs.testing.clone();
                let action = egui::ScrollArea::vertical()
                    .id_salt("accounts")
                    .show(ui, |ui| {
                        self.accounts
                            .show(ui, testing.as_deref(), self.jobs.tested.as_ref())
                    })
                    .inner;
                if let Some(action) = action {
                    self.act(action);
                }
            }
        }
    }

    /// Does what a scripted run asks.
    fn follow(&mut self, ctx: &egui::Context, step: Step) {
        match step {
            Step::Wait => {}
            Step::View(view) => self.view = view,
            Step::Range(range) => self.set_range(range),
            Step::Scroll(offset) => self.table.scroll_offset = Some(offset),
            Step::SelectFirst => self.select_first(),
            Step::StartWrites => self.start_writes(),
            Step::Fail(why) => {
                self.problem = Some(why);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            Step::Close => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }
}

impl BounceDesk {
    /// The writes a `--frame-times writes` run measures the window during: a sync of every
    /// account, and the review queue's biggest group made a rule (hard / user unknown, as a
    /// press of `h` and "Make this a rule" would), at once.
    fn start_writes(&mut self) {
        self.sync_now();
        let biggest = self
            .reader
            .review
            .as_ref()
            .and_then(|groups| groups.first());
        if let Some(group) = biggest {
            let form = super::rule_form::RuleForm::from_decision(
                group,
                crate::classify::Class::Hard,
                crate::classify::Reason::UserUnknown,
            );
            self.save_rule(form.change());
        }
    }

    /// Opens the first row of the view in full: the table's first bounce, or the first
    /// suppressed recipient (whose history has the most to show).
    fn select_first(&mut self) {
        if self.view != View::Recipients {
            self.table.selected = Some(0);
            return;
        }
        let Some(found) = &self.reader.recipients else {
            return;
        };
        let rows = &found.0;
        let first = rows
            .iter()
            .find(|row| row.state == crate::policy::State::Suppressed)
            .or(rows.first());
        if let Some(row) = first {
            self.recipients.selected = Some(row.recipient.clone());
            self.reader.ask_history(row.recipient.clone());
        }
    }
}

/// Shows the window in the colours the operator chose.
fn apply_theme(ctx: &egui::Context, theme: crate::store::Theme) {
    use crate::store::Theme;
    ctx.set_theme(match theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
}

/// Accounts with how each signs in, where that is known without asking.
type FoundPasswords = Vec<(Account, Option<crate::sync::Login>)>;

/// The demo store's file name in its throwaway folder.
const DEMO_FILE: &str = "demo.sqlite";

/// A throwaway folder for the demo mailbox (deleted when the demo is left).
fn demo_folder() -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix("bouncedesk-demo")
        .tempdir()
        .map_err(|error| format!("cannot make a folder for the demo ({error})"))
}

/// What the operator asked in the notes at the bottom.
enum NoteAction {
    /// Retrain the reason model with the labels given.
    Retrain,
    /// Sign this account in again.
    SignIn(String),
    /// Stop waiting for the sign-in.
    CancelSignIn,
}

/// What the window needs from a store it opened.
struct Opened {
    /// No mail yet (a first run offers the demo).
    empty: bool,
    protection: Protection,
    settings: Result<Settings, String>,
    accounts: AccountsNow,
}

/// The accounts as stored, and whether to sync on start.
struct AccountsNow {
    accounts: Result<Vec<Account>, String>,
    sync_on_start: bool,
}

impl AccountsNow {
    fn read(store: &Store) -> AccountsNow {
        AccountsNow {
            accounts: store.accounts().map_err(|error| error.to_string()),
            sync_on_start: matches!(store.setting("gui.sync_on_start"), Ok(Some(on)) if on == "1"),
        }
    }
}

/// Why the writer could not open the store.
#[derive(Debug, Clone)]
enum NotOpened {
    /// It is encrypted and needs a passphrase (`wrong`: the one tried did not open it).
    Locked { wrong: bool },
    /// Anything else, in words.
    Failed(String),
}

impl NotOpened {
    fn from_store(error: StoreError) -> NotOpened {
        match error {
            StoreError::Locked { .. } => NotOpened::Locked { wrong: false },
            StoreError::WrongKey { .. } => NotOpened::Locked { wrong: true },
            other => NotOpened::Failed(other.to_string()),
        }
    }
}

impl From<String> for NotOpened {
    fn from(why: String) -> NotOpened {
        NotOpened::Failed(why)
    }
}

/// The writer for the store at `path`: it builds the demo there first when `demo_at` (the
/// demo's "now") is given, opens the store (bringing its schema up to date) and tells the
/// window what it holds.
fn writer(ctx: &egui::Context, path: PathBuf, demo_at: Option<i64>) -> Writer<BounceDesk> {
    let wake = ctx.clone();
    Writer::start(
        move || {
            if let Some(now) = demo_at {
                crate::demo::build(&path, now).map_err(|error| {
                    NotOpened::Failed(format!("cannot build the demo mailbox: {error}"))
                })?;
            }
            let store = Store::open(&path).map_err(NotOpened::from_store)?;
            let opened = Opened {
                empty: store.is_empty().unwrap_or(false),
                protection: store.protection().clone(),
                settings: store.settings().map_err(|error| error.to_string()),
                accounts: AccountsNow::read(&store),
            };
            let then: Then<BounceDesk> = Box::new(move |app| app.store_opened(opened));
            Ok((store, then))
        },
        |why: NotOpened| Box::new(move |app: &mut BounceDesk| app.store_unavailable(why)),
        move || wake.request_repaint(),
    )
}

fn reader(ctx: &egui::Context, path: PathBuf) -> Reader {
    let ctx = ctx.clone();
    Reader::start(path, move || ctx.request_repaint())
}

fn jobs(ctx: &egui::Context, path: PathBuf) -> Jobs {
    let ctx = ctx.clone();
    Jobs::new(path, move || ctx.request_repaint())
}

impl eframe::App for BounceDesk {
    fn ui(&mut self, ui: &mut Ui, frame: &mut eframe::Frame) {
        for step in self.writer.receive() {
            step(self);
        }
        self.reader.receive();
        self.take_job_news();
        self.take_sign_in_news();
        self.take_file_news(ui);
        if !self.started {
            self.started = true;
            if self.accounts.sync_on_start && !self.is_demo() && self.automation.is_none() {
                self.sync_now();
            }
        }
        self.shortcuts(ui);
        egui::Panel::top("top bar").show(ui, |ui| {
            ui.add_space(4.0);
            self.top_bar(ui);
            ui.add_space(2.0);
        });
        if let Some(offer) = &self.upgrade_offer {
            let choice = egui::Panel::top("engine upgrade")
                .show(ui, |ui| upgrade::show(ui, offer, self.jobs.upgrading))
                .inner;
            match choice {
                Some(UpgradeChoice::Apply) => self.jobs.start_upgrade(),
                Some(UpgradeChoice::NotNow) => self.upgrade_offer = None,
                None => {}
            }
        }
        let notes = self.problem.is_some()
            || self.notice.is_some()
            || self.retrain_offer
            || self.reader.error.is_some()
            || self.sign_ins.running.is_some()
            || !self.jobs.outcomes.is_empty();
        if notes {
            let asked = egui::Panel::bottom("notes")
                .show(ui, |ui| self.notes(ui))
                .inner;
            match asked {
                Some(NoteAction::Retrain) => self.retrain_model(),
                Some(NoteAction::SignIn(name)) => {
                    if let Some(account) = self.accounts.accounts.iter().find(|a| a.name == name) {
                        self.sign_ins.start(account.clone());
                    }
                }
                Some(NoteAction::CancelSignIn) => self.sign_ins.cancel(),
                None => {}
            }
        }
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        self.ask_passphrase();
        if let Some(prompt) = &mut self.prompt {
            match prompt.show(ui.ctx(), &mut self.passwords) {
                Prompted::Asking => {}
                Prompted::Ready {
                    accounts,
                    to_keyring,
                } => {
                    self.prompt = None;
                    self.jobs.start_sync(accounts);
                    for (account, password) in to_keyring {
                        self.writer.change(move |_| {
                            let kept = passwords::save_in_keyring(&account, &password);
                            Box::new(move |app| {
                                app.accounts.note = Some((false, format!("{account}: {kept}")))
                            })
                        });
                    }
                }
                Prompted::Cancelled => self.prompt = None,
            }
        }
        if self.table.changed {
            self.ask_matches();
        }
        let seen = Seen {
            view: self.view,
            ready: self.settled(),
            writing: self.jobs.sync.is_some() || self.jobs.changing_rule || self.writer.busy(),
            failure: self
                .problem
                .clone()
                .or_else(|| self.reader.error.clone())
                .or_else(|| {
                    self.jobs.outcomes.iter().find_map(|(account, outcome)| {
                        outcome
                            .as_ref()
                            .err()
                            .map(|why| format!("{account}: {why}"))
                    })
                }),
        };
        if let Some(automation) = &mut self.automation {
            let step = automation.step(ui.ctx(), frame, seen);
            self.follow(ui.ctx(), step);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered = Remembered {
            view: if self.view == View::Welcome {
                View::Dashboard
            } else {
                self.view
            },
            range: self.range,
            sort: self.table.sort,
            by_rate: self.dashboard.by_rate,
        };
        eframe::set_value(storage, eframe::APP_KEY, &remembered);
    }
}
