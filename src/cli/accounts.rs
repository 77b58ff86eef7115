//! `bouncedesk account …` and `bouncedesk sync`: set up mailboxes and fetch their new mail.

use super::AccountAction;
use super::store::{fail, open};
use crate::secrets;
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
            save_password,
        } => {
            let Some(tls) = TlsMode::from_name(&tls) else {
                return fail("--tls must be implicit or starttls");
            };
            // clap allows only the known words, so only `move` without a folder is left.
            let Some(after_sync) = AfterSync::from_word(&after, move_to) else {
                return fail("--after move needs --move-to FOLDER");
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
            if let Err(error) = store.save_account(&account) {
                return fail(error);
            }
            say!(
                "account {} saved ({}:{} {})",
                account.name,
                account.host,
                account.port,
                account.tls.as_str()
            );
            if save_password {
                let saved = ask(&account)
                    .map_err(|()| "no password typed".to_string())
                    .and_then(|password| secrets::save(&account.name, &password));
                match saved {
                    Ok(()) => say!("password kept in the OS keyring"),
                    Err(why) => return fail(why),
                }
            }
            ExitCode::SUCCESS
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
            let password = match password(&account, true) {
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
                if let Err(why) = secrets::forget(&name) {
                    eprintln!("bouncedesk: {why}");
                }
                say!("account {name} removed; its mail stays in the store");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
    }
}

/// The password: the OS keyring, else `$BOUNCEDESK_PASSWORD` (only when one account is in
/// play, so one account's password is never sent to another's server), else asked for.
fn password(account: &Account, only_account: bool) -> Result<String, ExitCode> {
    let (found, keyring_failure) = secrets::stored(&account.name, only_account);
    if let Some(why) = keyring_failure
        && std::io::stdin().is_terminal()
    {
        eprintln!("bouncedesk: {why}");
    }
    if let Some(password) = found {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(fail(format!(
            "no password for {}: set BOUNCEDESK_PASSWORD, keep one in the OS keyring \
             (account add --save-password), or run in a terminal",
            account.name
        )));
    }
    ask(account).map_err(|()| ExitCode::FAILURE)
}

/// Asks for the password on the terminal.
fn ask(account: &Account) -> Result<String, ()> {
    rpassword::prompt_password(format!("Password for {}@{}: ", account.user, account.host))
        .map_err(|error| eprintln!("bouncedesk: cannot read the password: {error}"))
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
    let only_account = accounts.len() == 1;
    for account in accounts {
        let password = match password(&account, only_account) {
            Ok(password) => password,
            Err(code) => return code,
        };
        // A progress bar on a terminal; nothing on a pipe or in a cron job.
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let mut progress = |event: SyncEvent| match event {
            SyncEvent::Connecting(attempt) => {
                bar.set_message(format!("connecting (attempt {attempt})"));
            }
            SyncEvent::Folder { folder, new } => {
                bar.set_prefix(format!("{}/{folder}", account.name));
                bar.set_length(new as u64);
                bar.set_position(0);
                bar.set_message(format!("{new} new"));
            }
            SyncEvent::Committed { done, .. } => {
                bar.set_position(done as u64);
                bar.set_message("stored");
            }
            SyncEvent::Retrying(why) => bar.println(format!("{}: {why}; retrying", account.name)),
        };
        let result = sync::run(
            &account.settings(),
            &password,
            &mut store,
            &cancel,
            &mut progress,
        );
        bar.finish_and_clear();
        match result {
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
