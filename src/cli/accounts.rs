//! `bouncedesk account …` and `bouncedesk sync`: set up mailboxes and fetch their new mail.

use super::AccountAction;
use super::store::{fail, open};
use crate::store::Account;
use crate::sync::{self, AfterSync, SyncEvent, TlsMode};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Runs an account subcommand.
pub fn run(db: Option<PathBuf>, action: AccountAction) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match action {
        AccountAction::Add {
            name,
            host,
            port,
            tls,
            user,
            folders,
            pin_sha256,
            after,
            move_to,
            all_mail,
        } => {
            let Some(tls) = TlsMode::from_name(&tls) else {
                return fail("--tls must be implicit or starttls");
            };
            let after_sync = match (after.as_str(), move_to) {
                ("seen", _) => AfterSync::MarkSeen,
                ("move", Some(folder)) => AfterSync::MoveTo(folder),
                ("move", None) => return fail("--after move needs --move-to FOLDER"),
                ("delete", _) => AfterSync::Delete,
                _ => AfterSync::Keep,
            };
            let account = Account {
                name,
                host,
                port,
                tls,
                user,
                folders: if folders.is_empty() {
                    vec!["INBOX".to_string()]
                } else {
                    folders
                },
                pin_sha256,
                after_sync,
                all_mail,
            };
            match store.save_account(&account) {
                Ok(()) => {
                    say!(
                        "account {} saved ({}:{} {})",
                        account.name,
                        account.host,
                        account.port,
                        account.tls.as_str()
                    );
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            }
        }
        AccountAction::List => match store.accounts() {
            Ok(accounts) => {
                for account in accounts {
                    say!(
                        "{:<16} {}@{}:{} {} folders: {}{}",
                        account.name,
                        account.user,
                        account.host,
                        account.port,
                        account.tls.as_str(),
                        account.folders.join(", "),
                        account
                            .pin_sha256
                            .map_or_else(String::new, |pin| format!(" pinned: {pin}"))
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
        AccountAction::Test { name } => {
            let account = match store.account(&name) {
                Ok(account) => account,
                Err(error) => return fail(error),
            };
            let password = match password(&account) {
                Ok(password) => password,
                Err(code) => return code,
            };
            match sync::test_connection(&account.settings(), &password) {
                Ok(report) => {
                    for line in report {
                        say!("OK  {line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            }
        }
        AccountAction::Remove { name } => match store.remove_account(&name) {
            Ok(()) => {
                say!("account {name} removed; its mail stays in the store");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
    }
}

/// The password: `$BOUNCEDESK_PASSWORD`, else asked for on the terminal.
fn password(account: &Account) -> Result<String, ExitCode> {
    if let Ok(password) = std::env::var("BOUNCEDESK_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(fail(format!(
            "no password for {}: set BOUNCEDESK_PASSWORD or run in a terminal",
            account.name
        )));
    }
    rpassword::prompt_password(format!("Password for {}@{}: ", account.user, account.host))
        .map_err(|error| fail(format!("cannot read the password: {error}")))
}

/// `bouncedesk sync [NAME]`
pub fn sync(db: Option<PathBuf>, name: Option<&str>) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let accounts = match name {
        Some(name) => store.account(name).map(|account| vec![account]),
        None => store.accounts(),
    };
    let accounts = match accounts {
        Ok(accounts) if accounts.is_empty() => {
            return fail("no account yet: add one with `bouncedesk account add`");
        }
        Ok(accounts) => accounts,
        Err(error) => return fail(error),
    };
    let cancel = AtomicBool::new(false);
    let mut failed = false;
    for account in accounts {
        let password = match password(&account) {
            Ok(password) => password,
            Err(code) => return code,
        };
        let mut progress = |event: SyncEvent| match event {
            SyncEvent::Connecting(attempt) if attempt > 1 => {
                eprintln!("{}: reconnecting (attempt {attempt})", account.name);
            }
            SyncEvent::Folder { folder, new } => {
                eprintln!("{}/{folder}: {new} new message(s)", account.name);
            }
            SyncEvent::Committed {
                folder,
                done,
                total,
            } => {
                eprintln!("{}/{folder}: {done}/{total} stored", account.name);
            }
            SyncEvent::Retrying(why) => eprintln!("{}: {why}; retrying", account.name),
            SyncEvent::Connecting(_) => {}
        };
        match sync::run(
            &account.settings(),
            &password,
            &mut store,
            &cancel,
            &mut progress,
        ) {
            Ok(summary) => say!(
                "{}: {} fetched, {} new, {} already stored, {} reconnection(s), after-sync action on {}",
                account.name,
                summary.fetched,
                summary.new_messages,
                summary.already_stored,
                summary.reconnections,
                summary.acted_on
            ),
            Err(error) => {
                failed = true;
                eprintln!("bouncedesk: {}: {error}", account.name);
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
