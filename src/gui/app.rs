//! The window as a whole: which view is shown, the top bar (views, period, sync), and the
//! wiring between the views, the reader thread and the jobs. Views draw and say what the
//! operator asked; this module does it.

use super::accounts::{AccountAction, AccountsView};
use super::automation::{Automation, Step};
use super::dashboard::Dashboard;
use super::jobs::Jobs;
use super::look;
use super::passwords::Passwords;
use super::range::Range;
use super::reader::Reader;
use super::table::BounceTable;
use crate::store::browse::BounceSort;
use crate::store::{Account, Store};
use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};
use std::path::PathBuf;

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
    /// Mailboxes to read.
    Accounts,
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

/// A sync waiting for passwords the app does not know.
struct PasswordPrompt {
    asking: Vec<Account>,
    ready: Vec<(Account, String)>,
    typed: String,
    in_keyring: bool,
}

/// The Bounce Desk window.
pub struct BounceDesk {
    store_path: PathBuf,
    demo: Option<tempfile::TempDir>,
    now: i64,
    /// Settings and accounts (small writes the operator makes; reading is the reader's job).
    store: Option<Store>,
    /// The view shown.
    pub view: View,
    /// The period shown.
    pub range: Range,
    today: i64,
    /// The reader thread's answers.
    pub reader: Reader,
    /// Syncs and connection tests.
    pub jobs: Jobs,
    /// Dashboard state.
    pub dashboard: Dashboard,
    /// Table state.
    pub table: BounceTable,
    /// Accounts view state.
    pub accounts: AccountsView,
    passwords: Passwords,
    prompt: Option<PasswordPrompt>,
    automation: Option<Automation>,
    /// Something that went wrong outside any one view, in words.
    pub problem: Option<String>,
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
        let now = start.now.unwrap_or_else(crate::store::now);
        let mut app = BounceDesk {
            store_path: start.store.clone(),
            demo: None,
            now,
            store: None,
            view: remembered.view,
            range: remembered.range,
            today: now.div_euclid(86_400),
            reader: reader(&ctx, start.store.clone()),
            jobs: jobs(&ctx, start.store.clone()),
            dashboard: Dashboard {
                by_rate: remembered.by_rate,
                ..Dashboard::default()
            },
            table: BounceTable::sorted(remembered.sort),
            accounts: AccountsView::default(),
            passwords: Passwords::default(),
            prompt: None,
            automation: start.automation,
            problem: None,
            started: false,
            ctx,
        };
        if start.demo {
            app.open_demo();
        } else {
            app.open_store(start.store);
        }
        if let Some(view) = start.view {
            app.view = view;
        }
        app
    }

    /// The store shown (the demo's throwaway file when showing the demo).
    pub fn store_path(&self) -> &std::path::Path {
        &self.store_path
    }

    /// True when showing the demo mailbox.
    pub fn is_demo(&self) -> bool {
        self.demo.is_some()
    }

    fn open_store(&mut self, path: PathBuf) {
        match Store::open(&path) {
            Ok(store) => {
                let empty = store.message_count().unwrap_or(0) == 0;
                self.store = Some(store);
                self.reload_accounts();
                if empty && self.accounts.accounts.is_empty() && self.demo.is_none() {
                    self.view = View::Welcome;
                } else if self.view == View::Welcome {
                    self.view = View::Dashboard;
                }
            }
            Err(error) => {
                self.problem = Some(format!("{error}"));
                self.store = None;
            }
        }
        self.store_path = path.clone();
        self.reader = reader(&self.ctx, path.clone());
        self.jobs = jobs(&self.ctx, path);
        self.table.selected = None;
        self.reload();
    }

    /// Builds the demo mailbox in a throwaway folder and shows it.
    pub fn open_demo(&mut self) {
        let built = tempfile::Builder::new()
            .prefix("bouncedesk-demo")
            .tempdir()
            .map_err(|error| format!("cannot make a folder for the demo ({error})"))
            .and_then(|dir| {
                let path = dir.path().join("demo.sqlite");
                crate::demo::build(&path, self.now)
                    .map(|_| (dir, path))
                    .map_err(|error| format!("cannot build the demo mailbox: {error}"))
            });
        match built {
            Ok((dir, path)) => {
                self.demo = Some(dir);
                self.view = View::Dashboard;
                self.open_store(path);
            }
            Err(error) => self.problem = Some(error),
        }
    }

    fn reload_accounts(&mut self) {
        let Some(store) = &self.store else { return };
        match store.accounts() {
            Ok(accounts) => self.accounts.accounts = accounts,
            Err(error) => self.accounts.note = Some((true, error.to_string())),
        }
        self.accounts.sync_on_start =
            matches!(store.setting("gui.sync_on_start"), Ok(Some(on)) if on == "1");
    }

    /// Asks the reader again for everything shown (after a sync, a period change).
    fn reload(&mut self) {
        let (period, previous) = (
            self.range.period(self.today),
            self.range.previous(self.today),
        );
        self.reader.ask_summaries(period, previous);
        self.reader
            .ask_matches(self.table.query(period), self.table.sort);
        self.table.changed = false;
    }

    /// Starts a sync of every account, asking for passwords it does not know.
    pub fn sync_now(&mut self) {
        let only = self.accounts.accounts.len() == 1;
        let mut prompt = PasswordPrompt {
            asking: Vec::new(),
            ready: Vec::new(),
            typed: String::new(),
            in_keyring: true,
        };
        for account in self.accounts.accounts.clone() {
            match self.passwords.find(&account.name, only) {
                Some(password) => prompt.ready.push((account, password)),
                None => prompt.asking.push(account),
            }
        }
        if prompt.asking.is_empty() {
            self.jobs.start_sync(prompt.ready);
        } else {
            self.prompt = Some(prompt);
        }
    }

    fn act(&mut self, action: AccountAction) {
        let Some(store) = &self.store else { return };
        let note = match action {
            AccountAction::Save {
                account,
                replaces,
                password,
                in_keyring,
            } => {
                let renamed = replaces.filter(|old| *old != account.name);
                let saved = store.save_account(&account).and_then(|()| match &renamed {
                    Some(old) => store.remove_account(old),
                    None => Ok(()),
                });
                match saved {
                    Ok(()) => {
                        if let Some(old) = &renamed {
                            self.passwords.forget(old);
                        }
                        let kept = password.map(|password| {
                            self.passwords.keep(&account.name, &password, in_keyring)
                        });
                        self.accounts.form = None;
                        (
                            false,
                            format!("Saved {}. {}", account.name, kept.unwrap_or_default()),
                        )
                    }
                    Err(error) => (true, format!("Not saved: {error}")),
                }
            }
            AccountAction::Remove(name) => match store.remove_account(&name) {
                Ok(()) => {
                    self.passwords.forget(&name);
                    (
                        false,
                        format!("Removed {name}; its mail stays in the store."),
                    )
                }
                Err(error) => (true, format!("Not removed: {error}")),
            },
            AccountAction::Test { account, password } => {
                let only = self.accounts.accounts.len() <= 1;
                match password.or_else(|| self.passwords.find(&account.name, only)) {
                    Some(password) => {
                        self.jobs.start_test(account, password);
                        return;
                    }
                    None => (
                        true,
                        "Type the password to test the connection.".to_string(),
                    ),
                }
            }
            AccountAction::SyncOnStart(on) => {
                match store.set_setting("gui.sync_on_start", if on { "1" } else { "0" }) {
                    Ok(()) => {
                        self.accounts.sync_on_start = on;
                        return;
                    }
                    Err(error) => (true, error.to_string()),
                }
            }
        };
        self.accounts.note = Some(note);
        self.reload_accounts();
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
                (View::Accounts, "Accounts", "Ctrl+3"),
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
                self.table.days = None;
                self.reload();
            }
            ui.separator();
            self.sync_controls(ui);
        });
    }

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
            ui.add(
                egui::ProgressBar::new(progress.fraction())
                    .desired_width(320.0)
                    .text(text),
            );
            if ui.button("Cancel sync").clicked() {
                self.jobs.cancel_sync();
            }
            return;
        }
        let can_sync = !self.accounts.accounts.is_empty() && !self.is_demo();
        let button = ui
            .add_enabled(can_sync, egui::Button::new("Sync now"))
            .on_disabled_hover_text("Add an account first (the demo mailbox has none)");
        if button.clicked() {
            self.sync_now();
        }
    }

    /// The last sync's outcome per account, errors where they happened.
    fn outcomes(&self, ui: &mut Ui) {
        for (account, result) in &self.jobs.outcomes {
            let (text, error) = match result {
                Ok(done) => (
                    format!(
                        "{account}: {} fetched, {} new, {} already stored{}",
                        done.fetched,
                        done.new_messages,
                        done.already_stored,
                        if done.reconnections > 0 {
                            format!(", {} reconnection(s)", done.reconnections)
                        } else {
                            String::new()
                        }
                    ),
                    false,
                ),
                Err(why) => (format!("{account}: {why}"), true),
            };
            let color = if error {
                look::WARNING
            } else {
                ui.visuals().text_color()
            };
            ui.label(RichText::new(text).color(color));
        }
    }

    fn password_prompt(&mut self, ui: &mut Ui) {
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        let Some(account) = prompt.asking.first().cloned() else {
            return;
        };
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("password prompt")).show(ui.ctx(), |ui| {
            ui.heading(format!("Password for {}", account.name));
            ui.label(format!("{}@{}", account.user, account.host));
            let label = ui.label("Password");
            let field = ui
                .add(egui::TextEdit::singleline(&mut prompt.typed).password(true))
                .labelled_by(label.id);
            field.request_focus();
            ui.checkbox(&mut prompt.in_keyring, "Keep it in the OS keyring");
            ui.horizontal(|ui| {
                let entered = field.lost_focus() && ui.input(|input| input.key_pressed(Key::Enter));
                if ui.button("Sync").clicked() || entered {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(false);
        }
        match answer {
            Some(true) => {
                let typed = std::mem::take(&mut prompt.typed);
                let note = self
                    .passwords
                    .keep(&account.name, &typed, prompt.in_keyring);
                self.accounts.note = Some((false, note));
                prompt.asking.remove(0);
                prompt.ready.push((account, typed));
                if prompt.asking.is_empty()
                    && let Some(done) = self.prompt.take()
                {
                    self.jobs.start_sync(done.ready);
                }
            }
            Some(false) => self.prompt = None,
            None => {}
        }
    }

    fn shortcuts(&mut self, ui: &Ui) {
        for (key, view) in [
            (Key::Num1, View::Dashboard),
            (Key::Num2, View::Bounces),
            (Key::Num3, View::Accounts),
        ] {
            if ui.input_mut(|input| {
                input.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, key))
            }) {
                self.view = view;
            }
        }
    }

    fn welcome(&mut self, ui: &mut Ui) {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading(RichText::new("Welcome to Bounce Desk").size(28.0));
            ui.add_space(8.0);
            ui.label("Bounce Desk reads your newsletter's bounce mailbox, sorts every bounce into hard, soft, sender-side, complaint, auto-reply or unknown, and writes a cleaned list for your newsletter tool.");
            ui.label("Everything stays on this computer.");
            ui.add_space(20.0);
            if ui.button(RichText::new("Add account").size(18.0)).clicked() {
                self.accounts.form = Some(super::accounts::AccountForm::new());
                self.view = View::Accounts;
            }
            ui.add_space(8.0);
            if ui.button(RichText::new("Open the demo mailbox").size(18.0)).clicked() {
                self.open_demo();
            }
            ui.label("A few hundred made-up bounces, to see every view before connecting yours.");
        });
    }

    fn central(&mut self, ui: &mut Ui) {
        match self.view {
            View::Welcome => self.welcome(ui),
            View::Dashboard => {
                let drill = egui::ScrollArea::vertical()
                    .id_salt("dashboard")
                    .show(ui, |ui| match &self.reader.summaries {
                        Some(summaries) => self.dashboard.show(ui, self.range, summaries),
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
            View::Bounces => self.table.show(ui, &mut self.reader),
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
}

impl BounceDesk {
    /// Does what a scripted run asks.
    fn follow(&mut self, ctx: &egui::Context, step: Step) {
        match step {
            Step::Wait => {}
            Step::View(view) => self.view = view,
            Step::Range(range) => {
                self.range = range;
                self.reload();
            }
            Step::Scroll(offset) => self.table.scroll_offset = Some(offset),
            Step::SelectFirst => {
                if let Some(id) = self.reader.row(0).map(|row| row.id) {
                    self.table.selected = Some(0);
                    self.reader.ask_detail(id);
                }
            }
            Step::Close => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }
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
        self.reader.receive();
        if self.jobs.receive() {
            self.reload();
            self.reload_accounts();
        }
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
        let notes =
            self.problem.is_some() || self.reader.error.is_some() || !self.jobs.outcomes.is_empty();
        if notes {
            egui::Panel::bottom("notes").show(ui, |ui| {
                for problem in [&self.problem, &self.reader.error].into_iter().flatten() {
                    ui.label(RichText::new(problem).color(look::WARNING));
                }
                self.outcomes(ui);
            });
        }
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        self.password_prompt(ui);
        if self.table.changed {
            self.table.changed = false;
            let period = self.range.period(self.today);
            self.reader
                .ask_matches(self.table.query(period), self.table.sort);
        }
        if let Some(automation) = &mut self.automation {
            let ready = !self.reader.busy()
                && self.reader.summaries.is_some()
                && self.reader.matches.is_some();
            let step = automation.step(ui.ctx(), frame, self.view, ready);
            self.follow(ui.ctx(), step);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.automation.is_some() {
            return;
        }
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
