//! Signing an OAuth account in from the command line: the browser (its address printed too,
//! for a browser on another screen) or a code typed on another device.

use super::store::fail;
use crate::mailbox::{OAuthApp, SignIn};
use crate::oauth::{self, DeviceCode, Provider};
use crate::store::Account;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How long the browser has to come back.
const BROWSER_WAIT: Duration = Duration::from_secs(300);

/// The provider's IMAP server, for `account add --oauth microsoft|google` without --host.
pub fn provider_server(provider: &str) -> Option<(&'static str, u16)> {
    match provider {
        "microsoft" => Provider::microsoft().imap,
        "google" => Provider::google().imap,
        _ => None,
    }
}

/// Signs `account` in the way its app says; says how it went.
pub fn sign_in(account: &Account) -> ExitCode {
    let SignIn::OAuth(app) = &account.sign_in else {
        return fail(format!(
            "{} signs in with a password; `account login` is for accounts added with --oauth",
            account.name
        ));
    };
    let result = if app.device_code {
        oauth::sign_in_with_device_code(&account.name, app, &mut show_device_code)
    } else {
        with_browser(account, app)
    };
    match result {
        Ok(()) => {
            say!(
                "{}: signed in; the sign-in is kept in the OS keyring",
                account.name
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

fn with_browser(account: &Account, app: &OAuthApp) -> Result<(), oauth::OAuthError> {
    let open = |url: &str| {
        eprintln!(
            "Signing in {} in your browser. If it does not open, open this address:\n  {url}",
            account.name
        );
        webbrowser::open(url)
    };
    let cancel = AtomicBool::new(false);
    oauth::sign_in_with_browser(
        &account.name,
        app,
        &account.user,
        &open,
        &cancel,
        BROWSER_WAIT,
    )
}

fn show_device_code(code: &DeviceCode) {
    eprintln!(
        "On any device, open {} and enter the code {} (good for {} minutes).",
        code.verification_uri,
        code.user_code,
        code.expires_in.as_secs() / 60
    );
    if let Some(complete) = &code.complete_uri {
        eprintln!("Or open {complete}");
    }
}
