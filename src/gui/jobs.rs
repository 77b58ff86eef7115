//! Work the window starts and must not wait for: syncing accounts, testing a connection,
//! applying a rule change over the stored history, storing an imported list and writing an
//! export.
//! Each runs on its own thread with its own store connection and reports through a channel;
//! the window drains it every frame and is woken for each report.

use super::rule_form::EXAMPLES;
use crate::lists::{ExportFormat, ExportPlan, ImportedList};
use crate::store::{Account, ReclassifySummary, RuleChange, Store};
use crate::sync::{self, SyncError, SyncEvent, SyncSummary};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// A report from a job thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEvent {
    /// A sync of `account` moved on.
    Progress {
        /// The account.
        account: String,
        /// What happened.
        event: SyncEvent,
    },
    /// A sync of `account` ended.
    SyncDone {
        /// The account.
        account: String,
        /// What it did, or why it stopped, in words.
        result: Result<SyncSummary, String>,
        /// The server refused the password.
        password_refused: bool,
        /// The account's OAuth sign-in was revoked or expired: sign in again.
        sign_in_again: bool,
    },
    /// Every account of the run is done.
    AllDone,
    /// A rule change was made and the history re-classified (or why not).
    RuleChanged {
        /// The rule's number and what changed, or why nothing did.
        result: Result<(i64, ReclassifySummary), String>,
    },
    /// The history was checked for messages an older engine classified, or replayed by
    /// today's: what it would change or changed (`None`: nothing to offer), or why not.
    EngineUpgrade {
        /// The outcome.
        result: Result<Option<EngineUpgrade>, String>,
    },
    /// A list import or an export ended: what was done in words, or why not.
    ListDone {
        /// The outcome.
        result: Result<String, String>,
    },
    /// A connection test ended.
    Tested {
        /// The account.
        account: String,
        /// What worked, step by step, or what failed.
        result: Result<Vec<String>, TestFailure>,
    },
}

/// Messages classified by an older engine, and what today's would change in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineUpgrade {
    /// Stored messages an older engine classified.
    pub outdated: i64,
    /// What replaying the history changes (`applied` once written).
    pub effect: ReclassifySummary,
}

/// A failed connection test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    /// The error in words.
    pub message: String,
    /// What the TLS library said, for a person who wants the detail.
    pub technical: Option<String>,
    /// The server certificate's fingerprint, when the failure is that it is not trusted.
    pub untrusted_fingerprint: Option<String>,
}

impl From<SyncError> for TestFailure {
    fn from(error: SyncError) -> Self {
        let (untrusted_fingerprint, technical) = match &error {
            SyncError::UntrustedCertificate {
                fingerprint,
                reason,
                ..
            } => (Some(fingerprint.clone()), Some(reason.clone())),
            _ => (None, None),
        };
        TestFailure {
            message: error.in_words(),
            technical,
            untrusted_fingerprint,
        }
    }
}

/// Where a running sync is, for the progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// The account being synced.
    pub account: String,
    /// The folder being read.
    pub folder: String,
    /// What it is doing, in words.
    pub phase: String,
    /// Messages of the folder stored so far.
    pub done: usize,
    /// Messages of the folder to fetch.
    pub total: usize,
}

impl SyncProgress {
    /// Share done, 0 to 1 (0 before a folder is open, 1 when it holds nothing new).
    pub fn fraction(&self) -> f32 {
        if self.folder.is_empty() {
            0.0
        } else if self.total == 0 {
            1.0
        } else {
            (self.done as f32 / self.total as f32).min(1.0)
        }
    }

    fn apply(&mut self, event: SyncEvent) {
        match event {
            SyncEvent::Connecting(attempt) => {
                self.phase = if attempt > 1 {
                    format!("Connecting (attempt {attempt})")
                } else {
                    "Connecting".to_string()
                };
            }
            SyncEvent::Folder { folder, new } => {
                self.phase = format!("Downloading {new} new message(s)");
                self.folder = folder;
                self.total = new;
                self.done = 0;
            }
            SyncEvent::Committed { done, total, .. } => {
                self.phase = "Classifying and storing".to_string();
                self.done = done;
                self.total = total;
            }
            SyncEvent::Retrying(why) => self.phase = format!("Connection lost ({why}); retrying"),
        }
    }
}

/// The jobs the window has running and what the finished ones said.
pub struct Jobs {
    store_path: PathBuf,
    sender: Sender<JobEvent>,
    events: Receiver<JobEvent>,
    wake: Arc<dyn Fn() + Send + Sync>,
    cancel: Arc<AtomicBool>,
    /// The sync under way, if any.
    pub sync: Option<SyncProgress>,
    /// How the last sync of each account ended (newest last).
    pub outcomes: Vec<(String, Result<SyncSummary, String>)>,
    /// Accounts whose password the server refused in the last sync (the window forgets
    /// those passwords, so the next sync asks).
    pub refused: Vec<String>,
    /// OAuth accounts whose sign-in the provider no longer accepts (the window offers to
    /// sign in again).
    pub sign_in_needed: Vec<String>,
    /// The connection test under way (account name), if any.
    pub testing: Option<String>,
    /// The last connection test's account and result.
    pub tested: Option<(String, Result<Vec<String>, TestFailure>)>,
    /// True while a rule change is being applied.
    pub changing_rule: bool,
    /// How the last rule change ended (taken by the window when it reloads).
    pub rule_changed: Option<Result<(i64, ReclassifySummary), String>>,
    /// True while the history is checked or replayed after an engine upgrade.
    pub upgrading: bool,
    /// What the last check or replay found (taken by the window).
    pub upgrade: Option<Result<Option<EngineUpgrade>, String>>,
    /// True while a list is being stored or an export written.
    pub list_work: bool,
    /// How the last list import or export ended (taken by the window).
    pub list_done: Option<Result<String, String>>,
}

impl Jobs {
    /// Jobs on the store at `store_path`; `wake` repaints the window.
    pub fn new(store_path: PathBuf, wake: impl Fn() + Send + Sync + 'static) -> Jobs {
        let (sender, events) = channel();
        Jobs {
            store_path,
            sender,
            events,
            wake: Arc::new(wake),
            cancel: Arc::new(AtomicBool::new(false)),
            sync: None,
            outcomes: Vec::new(),
            refused: Vec::new(),
            sign_in_needed: Vec::new(),
            testing: None,
            tested: None,
            changing_rule: false,
            rule_changed: None,
            upgrading: false,
            upgrade: None,
            list_work: false,
            list_done: None,
        }
    }

    /// Stores `list` under `name` (replacing a list of that name).
    pub fn start_import(&mut self, name: String, source: PathBuf, list: Arc<ImportedList>) {
        self.list_job(move |store| {
            store
                .save_list(&name, &source.to_string_lossy(), &list)
                .map(|_| format!("{name}: {} subscriber(s) imported", list.rows.len()))
                .map_err(|error| error.to_string())
        });
    }

    /// Writes `format` (the cleaned list from the list called `list`) to `path`, whole or
    /// not at all.
    pub fn start_export(&mut self, path: PathBuf, format: ExportFormat, list: Option<String>) {
        self.list_job(move |store| {
            let suppressed = store.suppressed().map_err(|error| error.to_string())?;
            let stored = match format {
                ExportFormat::Cleaned => store
                    .load_list(list.as_deref())
                    .map_err(|error| error.to_string())?,
                _ => None,
            };
            let list = stored.as_ref().map(|stored| &stored.list);
            let plan = ExportPlan::new(format, list, &suppressed);
            crate::lists::export_to(&path, format, list, &suppressed)
                .map(|_| format!("{}: {}", path.display(), plan.describe(format)))
                .map_err(|error| format!("{}: cannot write ({error})", path.display()))
        });
    }

    /// Runs `work` on its own store connection, one list job at a time.
    fn list_job(
        &mut self,
        work: impl FnOnce(&mut Store) -> Result<String, String> + Send + 'static,
    ) {
        if self.list_work {
            return;
        }
        self.list_work = true;
        self.store_job("list", work, |result| JobEvent::ListDone { result });
    }

    /// Runs `work` on its own thread and store connection and reports its outcome as the
    /// event `report` makes of it (also when the thread cannot start).
    fn store_job<T: Send + 'static>(
        &self,
        thread: &str,
        work: impl FnOnce(&mut Store) -> Result<T, String> + Send + 'static,
        report: fn(Result<T, String>) -> JobEvent,
    ) {
        let (path, sender, wake) = (
            self.store_path.clone(),
            self.sender.clone(),
            self.wake.clone(),
        );
        let failed = report(Err(format!("cannot start the {thread} thread")));
        self.spawn(failed, move || {
            let result = Store::open(&path)
                .map_err(|error| error.to_string())
                .and_then(|mut store| work(&mut store));
            let _ = sender.send(report(result));
            wake();
        });
    }

    /// Makes `change` on its own store connection and re-classifies the history it touches,
    /// unless a rule change runs already.
    pub fn start_rule_change(&mut self, change: RuleChange) {
        if self.changing_rule {
            return;
        }
        self.changing_rule = true;
        let work = move |store: &mut Store| {
            let (id, mut summary) = store
                .change_rule(&change)
                .map_err(|error| error.to_string())?;
            summary.keep_examples(EXAMPLES);
            Ok((id, summary))
        };
        self.store_job("rule", work, |result| JobEvent::RuleChanged { result });
    }

    /// Looks for stored messages an older engine classified; when there are, replays them
    /// without writing to tell what today's engine would change. A replay that would change
    /// nothing is applied at once (it only marks the messages as read by today's engine), so
    /// the question is not asked again.
    pub fn start_upgrade_check(&mut self) {
        self.upgrade_job(false);
    }

    /// Replays the whole history with today's engine (and the operator's rules) and writes
    /// what changes.
    pub fn start_upgrade(&mut self) {
        self.upgrade_job(true);
    }

    fn upgrade_job(&mut self, apply: bool) {
        if self.upgrading {
            return;
        }
        self.upgrading = true;
        let work = move |store: &mut Store| {
            replay_history(store, apply).map_err(|error| error.to_string())
        };
        self.store_job("re-classification", work, |result| {
            JobEvent::EngineUpgrade { result }
        });
    }

    /// Syncs `accounts` (each with its password) one after the other, unless a sync runs.
    pub fn start_sync(&mut self, accounts: Vec<(Account, sync::Login)>) {
        if self.sync.is_some() || accounts.is_empty() {
            return;
        }
        self.cancel = Arc::new(AtomicBool::new(false));
        self.outcomes.clear();
        self.sync = Some(SyncProgress {
            account: accounts[0].0.name.clone(),
            phase: "Starting".to_string(),
            ..SyncProgress::default()
        });
        let (path, sender, wake, cancel) = (
            self.store_path.clone(),
            self.sender.clone(),
            self.wake.clone(),
            self.cancel.clone(),
        );
        let failed = JobEvent::SyncDone {
            account: String::new(),
            result: Err("cannot start the sync thread".into()),
            password_refused: false,
            sign_in_again: false,
        };
        self.spawn(failed, move || {
            sync_all(&path, accounts, &cancel, &|event| {
                let _ = sender.send(event);
                wake();
            });
        });
    }

    /// Asks the running sync to stop after the batch it is storing.
    pub fn cancel_sync(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// True once a cancel was asked for and the sync has not stopped yet.
    pub fn cancelling(&self) -> bool {
        self.sync.is_some() && self.cancel.load(Ordering::Relaxed)
    }

    /// Tests `account`, signing in with `login` (step by step, nothing stored).
    pub fn start_test(&mut self, account: Account, login: sync::Login) {
        if self.testing.is_some() {
            return;
        }
        self.testing = Some(account.name.clone());
        self.tested = None;
        let (sender, wake) = (self.sender.clone(), self.wake.clone());
        let failed = JobEvent::Tested {
            account: account.name.clone(),
            result: Err(TestFailure {
                message: "cannot start the connection test".into(),
                technical: None,
                untrusted_fingerprint: None,
            }),
        };
        self.spawn(failed, move || {
            let result = sync::test_connection(&sync::ImapSettings::for_account(&account), &login)
                .map_err(TestFailure::from);
            let _ = sender.send(JobEvent::Tested {
                account: account.name,
                result,
            });
            wake();
        });
    }

    /// Runs `work` on its own thread; if no thread can start, reports `failed` (and ends the
    /// sync run) so that the window never waits for a job that never began.
    fn spawn(&self, failed: JobEvent, work: impl FnOnce() + Send + 'static) {
        if std::thread::Builder::new().spawn(work).is_err() {
            let ends_sync = matches!(failed, JobEvent::SyncDone { .. });
            let _ = self.sender.send(failed);
            if ends_sync {
                let _ = self.sender.send(JobEvent::AllDone);
            }
        }
    }

    /// Takes in every report; returns true when a sync or a rule change finished (the views
    /// reload then).
    pub fn receive(&mut self) -> bool {
        let mut finished = false;
        while let Ok(event) = self.events.try_recv() {
            finished |= self.apply(event);
        }
        finished
    }

    /// Applies one report; returns true when it ends a sync run or a rule change.
    fn apply(&mut self, event: JobEvent) -> bool {
        match event {
            JobEvent::Progress { account, event } => {
                if let Some(progress) = &mut self.sync {
                    if progress.account != account {
                        *progress = SyncProgress {
                            account,
                            ..SyncProgress::default()
                        };
                    }
                    progress.apply(event);
                }
            }
            JobEvent::SyncDone {
                account,
                result,
                password_refused,
                sign_in_again,
            } => {
                if password_refused {
                    self.refused.push(account.clone());
                }
                self.sign_in_needed.retain(|other| *other != account);
                if sign_in_again {
                    self.sign_in_needed.push(account.clone());
                }
                self.outcomes.push((account, result));
            }
            JobEvent::AllDone => {
                self.sync = None;
                return true;
            }
            JobEvent::Tested { account, result } => {
                self.testing = None;
                self.tested = Some((account, result));
            }
            JobEvent::RuleChanged { result } => {
                self.changing_rule = false;
                self.rule_changed = Some(result);
                return true;
            }
            JobEvent::EngineUpgrade { result } => {
                self.upgrading = false;
                let applied = matches!(&result, Ok(Some(upgrade)) if upgrade.effect.applied);
                self.upgrade = Some(result);
                return applied;
            }
            JobEvent::ListDone { result } => {
                self.list_work = false;
                self.list_done = Some(result);
                return true;
            }
        }
        false
    }
}

/// The upgrade job's work: `None` when no message is outdated (or replaying them changes
/// nothing, which is then written at once); else what the replay would change, or changed
/// when `apply`.
fn replay_history(store: &mut Store, apply: bool) -> crate::store::Result<Option<EngineUpgrade>> {
    let outdated = store.messages_by_older_engine()?;
    if outdated == 0 {
        return Ok(None);
    }
    let classifier = store.classifier()?;
    let mut effect = store.reclassify(&classifier, !apply)?;
    effect.keep_examples(EXAMPLES);
    if effect.changed_messages == 0 {
        if !apply {
            store.reclassify(&classifier, false)?;
        }
        return Ok(None);
    }
    Ok(Some(EngineUpgrade { outdated, effect }))
}

/// The sync thread: each account in turn on one store connection, every step reported.
fn sync_all(
    path: &std::path::Path,
    accounts: Vec<(Account, sync::Login)>,
    cancel: &AtomicBool,
    report: &dyn Fn(JobEvent),
) {
    match Store::open(path) {
        Ok(mut store) => {
            for (account, login) in accounts {
                let name = account.name.clone();
                let mut progress = |event| {
                    report(JobEvent::Progress {
                        account: name.clone(),
                        event,
                    });
                };
                let result = sync::run(
                    &sync::ImapSettings::for_account(&account),
                    &login,
                    &mut store,
                    cancel,
                    &mut progress,
                );
                let password_refused = matches!(result, Err(SyncError::WrongPassword { .. }));
                let sign_in_again = matches!(
                    result,
                    Err(SyncError::OAuth(
                        crate::oauth::OAuthError::SignInAgain { .. }
                    ))
                );
                let cancelled = cancel.load(Ordering::Relaxed);
                report(JobEvent::SyncDone {
                    account: account.name,
                    result: result.map_err(|error| error.in_words()),
                    password_refused,
                    sign_in_again,
                });
                if cancelled {
                    break;
                }
            }
        }
        Err(error) => report(JobEvent::SyncDone {
            account: String::new(),
            result: Err(error.to_string()),
            password_refused: false,
            sign_in_again: false,
        }),
    }
    report(JobEvent::AllDone);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_follows_the_sync_events() {
        let mut progress = SyncProgress::default();
        progress.apply(SyncEvent::Connecting(1));
        assert_eq!(progress.fraction(), 0.0);
        progress.apply(SyncEvent::Folder {
            folder: "INBOX".into(),
            new: 400,
        });
        progress.apply(SyncEvent::Committed {
            folder: "INBOX".into(),
            done: 100,
            total: 400,
        });
        assert_eq!(progress.fraction(), 0.25);
        assert_eq!(progress.phase, "Classifying and storing");
        progress.apply(SyncEvent::Folder {
            folder: "Bounces".into(),
            new: 0,
        });
        assert_eq!(progress.fraction(), 1.0);
    }
}
