//! "Sign in with …" in the window (egui_kittest), against the same real parts as
//! imap_oauth.rs: the Accounts form offers Microsoft, Google and another provider with how to
//! register an application; saving signs in through the browser (`$BROWSER`, a Python
//! one-liner that follows the redirect), the sync then needs no password; when the provider
//! revokes the sign-in, the sync says so and "Sign in … again" brings the account back.
//!
//! One test: the keyring and `$BROWSER` are this process's for its whole life.

mod support;

use bouncedesk::mailbox::SignIn;
use bouncedesk::store::Store;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use support::authserver::AuthServer;
use support::dovecot::{Dovecot, USER};
use support::keyring::SecretService;
use support::window::{click, settle, shows, type_into, wait_until, window};
use support::{HOUR, T0, hard};

const CLIENT_ID: &str = "bouncedesk-window-client";

#[test]
fn the_window_signs_an_account_in_and_back_in_after_a_revocation() {
    let keyring = SecretService::start();
    keyring.use_here();
    let dir = tempfile::tempdir().expect("temp dir");
    let browser = dir.path().join("browser.py");
    std::fs::write(
        &browser,
        "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1], timeout=20).read()\n",
    )
    .expect("browser");
    // SAFETY: before the window (or anything else) starts a thread.
    unsafe { std::env::set_var("BROWSER", format!("python3 {} %s", browser.display())) };
    let auth = AuthServer::start(CLIENT_ID, USER);
    let mail: Vec<String> = (0..200)
        .map(|i| hard(i, &format!("reader{i}@example.org"), T0 + i as i64 * HOUR))
        .collect();
    let server = Dovecot::start_oauth(&mail, &auth.introspection_url(), "xoauth2");
    let pin = native_tls::Certificate::from_pem(&server.server_pem)
        .and_then(|cert| cert.to_der())
        .map(|der| bouncedesk::sync::fingerprint(&der))
        .expect("server certificate");
    let db = dir.path().join("store.sqlite");

    let mut harness = window(&db, false);
    settle(&mut harness);
    click(&mut harness, "Add account");
    click(&mut harness, "Sign-in");
    click(&mut harness, "Sign in with Microsoft");
    let server_field = harness.get_by_label("Server").accesskit_node().value();
    assert_eq!(server_field.as_deref(), Some("outlook.office365.com"));
    click(&mut harness, "How to get an application ID");
    assert!(shows(&harness, "IMAP.AccessAsUser.All"));
    type_into(&mut harness, "Name", "Newsletter");
    type_into(&mut harness, "User name", "bounces@example.onmicrosoft.com");
    type_into(
        &mut harness,
        "Application (client) ID",
        "00000000-0000-0000-0000-000000000000",
    );
    harness.snapshot("accounts-sign-in");

    // Another provider: the local authorization server, found by discovery.
    click(&mut harness, "Sign-in");
    click(&mut harness, "Sign in with another provider");
    type_into(&mut harness, "Provider address", &auth.issuer);
    type_into(&mut harness, "Application (client) ID", CLIENT_ID);
    type_into(&mut harness, "Scopes", "imap offline_access");
    type_into(&mut harness, "Server", "localhost");
    type_into(&mut harness, "Port", &server.tls_port.to_string());
    type_into(&mut harness, "User name", USER);
    // The test server's certificate is its own CA's: trusted for this account, as the
    // connection test's "Trust this certificate" does.
    harness
        .state_mut()
        .accounts
        .form
        .as_mut()
        .expect("the form")
        .trust(&pin);
    click(&mut harness, "Save and sign in");
    wait_until(&mut harness, "the sign-in", |harness| {
        shows(harness, "Newsletter: signed in")
    });
    let store = Store::open(&db).expect("store");
    let account = store.account("Newsletter").expect("saved");
    assert!(matches!(account.sign_in, SignIn::OAuth(ref app) if app.provider == auth.issuer));

    // No password is asked: the sync signs in with the token.
    click(&mut harness, "Sync now");
    wait_until(&mut harness, "the sync", |harness| {
        shows(harness, "Newsletter: 200 fetched, 200 new")
    });

    // Revoked at the provider: the sync says to sign in again, and the button does it.
    auth.revoke_everything();
    server.add_messages(
        &(200..210)
            .map(|i| hard(i, &format!("reader{i}@example.org"), T0 + i as i64 * HOUR))
            .collect::<Vec<_>>(),
    );
    click(&mut harness, "Sync now");
    wait_until(&mut harness, "the refused sync", |harness| {
        harness.state().jobs.sync.is_none() && shows(harness, "sign in again")
    });
    click(&mut harness, "Sign in Newsletter again");
    wait_until(&mut harness, "the new sign-in", |harness| {
        !shows(harness, "sign in again")
    });
    assert!(shows(&harness, "Newsletter: signed in"));
    click(&mut harness, "Sync now");
    wait_until(&mut harness, "the sync after signing in again", |harness| {
        shows(harness, "Newsletter: 10 fetched, 10 new")
    });
    settle(&mut harness);
}
