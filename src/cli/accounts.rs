//! `bouncedesk account …` and `bouncedesk sync`: set up mailboxes and fetch their new mail.

use super::AccountAction;
use super::sign_in::{provider_server, sign_in};
use super::store::{fail, open};
use crate::mailbox::{AfterSync, OAuthApp, SignIn, TlsMode};
use crate::oauth::{self, built_in_client_id};
use crate::secrets;
use crate::store::Account;
use crate::sync::{self, Login, SyncEvent};
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
            oauth,
            client_id,
            client_secret,
            scopes,
            device_code,
        } => {
            let Some(tls) = TlsMode::from_name(&tls) else {
                return fail("--tls must be implicit or starttls");
            };
            let sign_in_with = match oauth {
                Some(provider) => {
                    let Some(client_id) =
                        client_id.or_else(|| built_in_client_id(&provider).map(str::to_string))
                    else {
                        return fail(
                            "--oauth needs --client-id: the application ID you registered \
                             with the provider (the README says how, in a few steps)",
                        );
                    };
                    SignIn::OAuth(OAuthApp {
                        provider,
                        client_id,
                        client_secret: client_secret
                            .or_else(|| std::env::var("BOUNCEDESK_OAUTH_CLIENT_SECRET").ok()),
                        scopes,
                        device_code,
                    })
                }
                None => SignIn::Password,
            };
            let server = match &sign_in_with {
                SignIn::OAuth(app) => provider_server(&app.provider),
                SignIn::Password => None,
            };
            let Some((host, port)) = host
                .zip(port)
                .or_else(|| server.map(|(host, port)| (host.to_string(), port)))
            else {
                return fail("give the server with --host and --port");
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
                sign_in: sign_in_with,
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
            if let SignIn::OAuth(_) = account.sign_in {
                return sign_in(&account);
            }
            ExitCode::SUCCESS
        }
        AccountAction::Login { name } => match store.account(&name) {
            Ok(account) => sign_in(&account),
            Err(error) => fail(error),
        },
        AccountAction::List => match store.accounts() {
            Ok(accounts) => {
                for account in accounts {
                    let signs_in = match &account.sign_in {
                        SignIn::Password => "password".to_string(),
                        SignIn::OAuth(app) => format!("oauth {}", app.provider),
                    };
                    say!(
                        "{:<16} {}@{}:{} {} {signs_in} folders: {}{}",
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
            let login = match login(&account, true) {
                Ok(login) => login,
                Err(code) => return code,
            };
            match sync::test_connection(&sync::ImapSettings::for_account(&account), &login) {
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
                if let Err(why) = oauth::forget_grant(&name) {
                    eprintln!("bouncedesk: {why}");
                }
                say!("account {name} removed; its mail stays in the store");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        },
    }
}

/// How `account` signs in: its OAuth grant, or its password.
fn login(account: &Account, only_account: bool) -> Result<Login, ExitCode> {
    match &account.sign_in {
        SignIn::OAuth(app) => Ok(Login::OAuth(oauth::Authorizer::new(&account.name, app))),
        SignIn::Password => password(account, only_account).map(|text| Login::password(&text)),
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
        let login = match login(&account, only_account) {
            Ok(login) => login,
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
            &sync::ImapSettings::for_account(&account),
            &login,
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
