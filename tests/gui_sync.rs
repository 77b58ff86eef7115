//! The window against a real Dovecot on 127.0.0.1: add an account through the form, see the
//! connection test fail in words (an untrusted certificate, with its fingerprint; a wrong
//! password), trust the certificate, save (the top bar keeps "Sync now" in place), sync with the progress bar moving, and the
//! dashboard showing what arrived.

mod support;

use bouncedesk::gui::View;
use bouncedesk::store::Store;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use std::time::{Duration, Instant};
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::window::{NOW, click, settle, shows, type_into, wait_until, window};
use support::{HOUR, hard};

const MESSAGES: usize = 3_000;

/// A Dovecot holding `MESSAGES` hard bounces of the last three days.
fn mailbox() -> Dovecot {
    let messages: Vec<String> = (0..MESSAGES)
        .map(|i| {
            hard(
                i,
                &format!("reader{i}@example.com"),
                NOW - (i as i64 % 70) * HOUR,
            )
        })
        .collect();
    Dovecot::start(true, &messages)
}

#[test]
fn add_test_trust_save_and_sync_from_the_window() {
    let server = mailbox();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mut harness = window(&db, false);
    settle(&mut harness);
    let sync_button = harness.get_by_label("Sync now").rect();
    click(&mut harness, "Add account");
    type_into(&mut harness, "Name", "dovecot");
    type_into(&mut harness, "Server", "localhost");
    type_into(&mut harness, "Port", &server.tls_port.to_string());
    type_into(&mut harness, "User name", USER);
    // Never touch a real keyring from a test.
    click(&mut harness, "Keep the password in the OS keyring");

    // A wrong password: the test says so in words.
    type_into(&mut harness, "Password", "not the password");
    click(&mut harness, "Test connection");
    wait_until(&mut harness, "the connection test", |h| {
        h.state().jobs.testing.is_none()
    });
    // The throwaway CA is not trusted by the system: that is what fails first.
    assert!(shows(
        &harness,
        "issued by an authority this computer does not know"
    ));
    let fingerprint = harness
        .state()
        .jobs
        .tested
        .as_ref()
        .and_then(|(_, result)| result.as_ref().err())
        .and_then(|failure| failure.untrusted_fingerprint.clone())
        .expect("a fingerprint to trust");
    assert!(shows(&harness, &fingerprint));

    // Trusting it tests again: now the password is what fails.
    click(&mut harness, "Trust this certificate");
    wait_until(&mut harness, "the second test", |h| {
        h.state().jobs.testing.is_none()
    });
    assert!(shows(&harness, "wrong user name or password"));

    type_into(&mut harness, "Password", PASSWORD);
    click(&mut harness, "Test connection");
    wait_until(&mut harness, "the third test", |h| {
        h.state().jobs.testing.is_none()
    });
    assert!(shows(&harness, "Connection works:"));
    assert!(shows(
        &harness,
        &format!("folder INBOX: {MESSAGES} message(s)")
    ));
    click(&mut harness, "Save");
    // Saved on the writer thread: wait for its word.
    wait_until(&mut harness, "the account saved", |h| {
        shows(h, "Saved dovecot.")
    });
    let saved = Store::open(&db)
        .expect("store")
        .account("dovecot")
        .expect("saved");
    assert_eq!(saved.pin_sha256.as_deref(), Some(fingerprint.as_str()));
    // The first account changes the bar's content, never where "Sync now" is.
    harness.run_steps(2);
    assert_eq!(harness.get_by_label("Sync now").rect(), sync_button);

    // Sync: the bar only moves forward and ends full; the dashboard then shows the mail.
    click(&mut harness, "Sync now");
    wait_until(&mut harness, "the sync", |h| {
        h.state().jobs.sync.is_none() && !h.state().jobs.outcomes.is_empty()
    });
    let outcome = &harness.state().jobs.outcomes[0];
    assert_eq!(outcome.0, "dovecot");
    let done = outcome.1.as_ref().expect("the sync worked");
    assert_eq!(done.new_messages, MESSAGES);
    assert!(shows(&harness, &format!("dovecot: {MESSAGES} fetched")));
    click(&mut harness, "Dashboard");
    assert_eq!(harness.state().view, View::Dashboard);
    wait_until(&mut harness, "the new numbers", |h| {
        h.state()
            .reader
            .summaries
            .as_ref()
            .is_some_and(|s| s.current.by_class.get("hard").copied() == Some(MESSAGES as i64))
    });
    assert!(shows(&harness, "3,000"));

    // The same numbers for that account alone (it holds all of the mail).
    click(&mut harness, "Account");
    click(&mut harness, "dovecot");
    wait_until(&mut harness, "the account's numbers", |h| {
        let state = h.state();
        state.account.as_deref() == Some("dovecot")
            && !state.reader.busy()
            && state
                .reader
                .summaries
                .as_ref()
                .is_some_and(|s| s.current.by_class.get("hard").copied() == Some(MESSAGES as i64))
    });
    assert_eq!(
        harness.state().reader.matches.as_ref().map(|ids| ids.len()),
        Some(MESSAGES)
    );
}

#[test]
fn the_progress_bar_follows_a_real_sync() {
    let server = mailbox();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    {
        let store = Store::open(&db).expect("store");
        let mut account = bouncedesk::store::Account {
            name: "dovecot".into(),
            host: "localhost".into(),
            port: server.tls_port,
            tls: bouncedesk::mailbox::TlsMode::Implicit,
            user: USER.into(),
            folders: vec!["INBOX".into()],
            pin_sha256: None,
            after_sync: bouncedesk::mailbox::AfterSync::Keep,
            sign_in: bouncedesk::mailbox::SignIn::Password,
            all_mail: false,
        };
        let pin = native_tls::Certificate::from_pem(&server.server_pem)
            .and_then(|cert| cert.to_der())
            .map(|der| bouncedesk::sync::fingerprint(&der))
            .expect("server certificate");
        account.pin_sha256 = Some(pin);
        store.save_account(&account).expect("account");
    }
    let mut harness = window(&db, false);
    settle(&mut harness);
    // No password known: the sync asks for it.
    click(&mut harness, "Sync now");
    wait_until(&mut harness, "the password prompt", |h| {
        shows(h, "Password for dovecot")
    });
    type_into(&mut harness, "Password", PASSWORD);
    click(&mut harness, "Keep it in the OS keyring");
    click(&mut harness, "Sync");
    // The bar's value as a screen reader reads it, frame by frame, until the sync ends.
    let mut values: Vec<f64> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.state().jobs.sync.is_some() {
        assert!(Instant::now() < deadline, "the sync did not end");
        harness.step();
        if let Some(value) = harness
            .query_by_role(Role::ProgressIndicator)
            .and_then(|bar| bar.accesskit_node().numeric_value())
        {
            values.push(value);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    harness.run_steps(2);
    assert!(
        values.windows(2).all(|pair| pair[0] <= pair[1]),
        "the bar went back: {values:?}"
    );
    let distinct: std::collections::BTreeSet<u64> = values.iter().map(|v| *v as u64).collect();
    assert!(distinct.len() >= 3, "the bar did not move: {values:?}");
    assert!(
        harness.query_by_role(Role::ProgressIndicator).is_none(),
        "the bar goes away when the sync is done"
    );
    let outcome = &harness.state().jobs.outcomes[0];
    assert_eq!(
        outcome.1.as_ref().map(|done| done.new_messages),
        Ok(MESSAGES)
    );
    assert!(shows(&harness, &format!("dovecot: {MESSAGES} fetched")));
}
