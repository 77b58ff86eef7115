//! OAuth 2.0 sign-in against real parts: a throwaway Dovecot whose `oauth2` passdb checks
//! every token with a local authorization server (tests/support/authserver.rs), GNOME
//! Keyring's Secret Service on a private bus as the OS keyring, and a "browser" (a Python
//! one-liner as `$BROWSER`) that follows the authorization redirect back to the app's
//! loopback listener, as a person's browser does once they said yes.
//!
//! One test, in order, because the keyring is this process's for its whole life: sign in
//! (PKCE + loopback) and sync 1,000 messages over XOAUTH2 → the access token expires → the
//! next sync refreshes once and goes on → a second account signs in with a device code and
//! syncs over OAUTHBEARER → the grant is revoked → that account stops with "sign in again"
//! and loses nothing, the other goes on → signed in again, it resumes with exactly the
//! server's messages. No token in the store file, its WAL, or anything printed.

mod support;

use bouncedesk::mailbox::SignIn;
use bouncedesk::oauth::{self, Authorizer, OAuthError};
use bouncedesk::store::Store;
use bouncedesk::sync::{self, ImapSettings, Login, SyncError};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::AtomicBool;
use support::authserver::AuthServer;
use support::dovecot::{Dovecot, USER};
use support::keyring::SecretService;
use support::{HOUR, T0, hard, store_bytes};

const CLIENT_ID: &str = "bouncedesk-test-client";

fn reports(from: usize, count: usize) -> Vec<String> {
    (from..from + count)
        .map(|i| hard(i, &format!("reader{i}@example.com"), T0 + i as i64 * HOUR))
        .collect()
}

/// `bouncedesk --db DB ARGS…` with the keyring's bus (or none) and the following browser.
fn bouncedesk<A: AsRef<std::ffi::OsStr>>(
    db: &Path,
    bus: Option<&str>,
    browser: &Path,
    args: &[A],
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bouncedesk"));
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOUNCEDESK_STORE_PASSPHRASE")
        .env_remove("BOUNCEDESK_PASSWORD")
        .env("BROWSER", format!("python3 {} %s", browser.display()))
        .stdin(Stdio::null());
    match bus {
        Some(bus) => command.env("DBUS_SESSION_BUS_ADDRESS", bus),
        None => command.env_remove("DBUS_SESSION_BUS_ADDRESS"),
    };
    command.output().expect("bouncedesk runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn succeeds(output: Output, printed: &mut String) -> String {
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    printed.push_str(&said);
    said
}

/// `account add NAME` for an account that signs in at `auth` and reads `server`, with `more`.
fn oauth_account<'a>(
    name: &'a str,
    auth: &'a AuthServer,
    server: &Dovecot,
    more: &[&'a str],
) -> Vec<String> {
    let (port, pin) = (server.tls_port.to_string(), server_pin(server));
    let args = [
        "account",
        "add",
        name,
        "--oauth",
        &auth.issuer,
        "--client-id",
        CLIENT_ID,
        "--host",
        "localhost",
        "--port",
        &port,
        "--user",
        USER,
        "--pin-sha256",
        &pin,
    ];
    args.iter().chain(more).map(|arg| arg.to_string()).collect()
}

/// Messages stored from `account`'s mailbox.
fn stored_from(db: &Path, account: &str) -> i64 {
    let store = Store::open(db).expect("store");
    store
        .connection()
        .query_row(
            "SELECT count(*) FROM message_sources WHERE account = ?1",
            [account],
            |row| row.get(0),
        )
        .expect("count")
}

fn server_pin(server: &Dovecot) -> String {
    native_tls::Certificate::from_pem(&server.server_pem)
        .and_then(|cert| cert.to_der())
        .map(|der| sync::fingerprint(&der))
        .expect("server certificate")
}

fn sync_in_process(db: &Path, account: &str) -> Result<sync::SyncSummary, SyncError> {
    let mut store = Store::open(db).expect("store");
    let account = store.account(account).expect("account");
    let SignIn::OAuth(app) = &account.sign_in else {
        panic!("an OAuth account");
    };
    let login = Login::OAuth(Authorizer::new(&account.name, app));
    let never = AtomicBool::new(false);
    sync::run(
        &ImapSettings::for_account(&account),
        &login,
        &mut store,
        &never,
        &mut |_| {},
    )
}

#[test]
fn oauth_accounts_sign_in_sync_refresh_and_sign_in_again() {
    let keyring = SecretService::start();
    keyring.use_here();
    let auth = AuthServer::start(CLIENT_ID, USER);
    let xoauth2 = Dovecot::start_oauth(&reports(0, 1000), &auth.introspection_url(), "xoauth2");
    let bearer = Dovecot::start_oauth(
        &reports(5000, 300),
        &auth.introspection_url(),
        "oauthbearer",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let browser = dir.path().join("browser.py");
    std::fs::write(
        &browser,
        "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=20).read()\n",
    )
    .expect("browser");
    let mut printed = String::new();
    // A plain store (made where there is no keyring), so that its bytes can be searched.
    succeeds(bouncedesk(&db, None, &browser, &["stats"]), &mut printed);

    // Sign in with the browser while adding the account, then sync over XOAUTH2.
    let said = succeeds(
        bouncedesk(
            &db,
            Some(&keyring.bus),
            &browser,
            &oauth_account("work", &auth, &xoauth2, &[]),
        ),
        &mut printed,
    );
    assert!(said.contains("work: signed in"), "{said}");
    assert!(
        oauth::has_grant("work").expect("keyring"),
        "the grant is in the keyring"
    );
    let said = succeeds(
        bouncedesk(&db, Some(&keyring.bus), &browser, &["sync", "work"]),
        &mut printed,
    );
    assert!(said.contains("1000 fetched, 1000 new"), "{said}");

    // In this process: a token in memory, then the provider expires it; the next sync is
    // refused once, refreshes, and goes on without asking anybody.
    xoauth2.add_messages(&reports(1000, 20));
    let summary = sync_in_process(&db, "work").expect("sync");
    assert_eq!(summary.new_messages, 20);
    let refreshes = auth.refreshes();
    auth.expire_access_tokens();
    xoauth2.add_messages(&reports(1020, 5));
    let summary = sync_in_process(&db, "work").expect("a sync after the token expired");
    assert_eq!(summary.new_messages, 5);
    assert_eq!(auth.refreshes(), refreshes + 1, "refreshed once");

    // A second account signs in from the command line with a device code (the person types
    // the code it prints on another device), and syncs over OAUTHBEARER.
    let mut adding = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(&db)
        .args(oauth_account(
            "lab",
            &auth,
            &bearer,
            &[
                "--device-code",
                "--scope",
                "imap",
                "--scope",
                "offline_access",
            ],
        ))
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring.bus)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bouncedesk runs");
    let stderr = adding.stderr.take().expect("stderr");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let code = loop {
        let line = lines
            .next()
            .expect("the device code is shown")
            .expect("a line");
        printed.push_str(&line);
        if let Some(rest) = line.split("enter the code ").nth(1) {
            break rest.split(' ').next().expect("a code").to_string();
        }
    };
    auth.approve_device(&code);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    printed.push_str(&rest.join("\n"));
    let added = adding.wait_with_output().expect("bouncedesk ends");
    let said = text(&added);
    printed.push_str(&said);
    assert!(added.status.success(), "{said} {rest:?}");
    assert!(said.contains("lab: signed in"), "{said}");
    let lab = Store::open(&db)
        .expect("store")
        .account("lab")
        .expect("lab");
    let SignIn::OAuth(lab_app) = &lab.sign_in else {
        panic!("lab signs in with OAuth");
    };
    assert!(lab_app.device_code);
    let summary = sync_in_process(&db, "lab").expect("sync over OAUTHBEARER");
    assert_eq!(summary.new_messages, 300);

    // The provider revokes every grant; "lab" signs in again, "work" does not yet.
    auth.revoke_everything();
    let before = stored_from(&db, "work");
    match sync_in_process(&db, "work") {
        Err(SyncError::OAuth(OAuthError::SignInAgain { account, .. })) => {
            assert_eq!(account, "work")
        }
        other => panic!("expected sign in again, got {other:?}"),
    }
    assert_eq!(stored_from(&db, "work"), before, "nothing lost");
    oauth::sign_in_with_device_code("lab", lab_app, &mut |code| {
        auth.approve_device(&code.user_code)
    })
    .expect("device sign-in again");
    xoauth2.add_messages(&reports(1025, 7));
    bearer.add_messages(&reports(5300, 3));
    let output = bouncedesk(&db, Some(&keyring.bus), &browser, &["sync"]);
    let said = text(&output);
    printed.push_str(&said);
    assert!(!output.status.success(), "one account failed: {said}");
    assert!(said.contains("work: sign in again"), "{said}");
    assert!(said.contains("bouncedesk account login work"), "{said}");
    assert!(
        said.contains("lab: 3 fetched, 3 new"),
        "the other account goes on: {said}"
    );

    // Signed in again, "work" resumes with exactly the server's messages.
    succeeds(
        bouncedesk(
            &db,
            Some(&keyring.bus),
            &browser,
            &["account", "login", "work"],
        ),
        &mut printed,
    );
    let said = succeeds(
        bouncedesk(&db, Some(&keyring.bus), &browser, &["sync", "work"]),
        &mut printed,
    );
    assert!(said.contains("7 fetched, 7 new"), "{said}");
    assert_eq!(stored_from(&db, "work"), 1032);
    assert_eq!(stored_from(&db, "lab"), 303);

    // No token anywhere but the keyring and memory.
    let issued = auth.issued();
    assert!(issued.len() >= 10, "tokens were issued: {}", issued.len());
    let bytes = store_bytes(&db);
    for token in &issued {
        assert!(
            memchr::memmem::find(&bytes, token.as_bytes()).is_none(),
            "a token is in the store file"
        );
        assert!(!printed.contains(token.as_str()), "a token was printed");
    }
    assert!(
        !xoauth2.log().contains(&issued[0]),
        "Dovecot's log has no token"
    );
}
