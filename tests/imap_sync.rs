//! The sync against a real Dovecot on 127.0.0.1: incremental, exact, and with a clear error
//! for each thing that can go wrong.

mod support;

use bouncedesk::mailbox::TlsMode;
use bouncedesk::store::Store;
use bouncedesk::sync::{self, ImapSettings, SyncError, fingerprint};
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use support::dovecot::{Dovecot, PASSWORD, USER, run_sync};
use support::{HOUR, T0, hard};

fn messages(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| {
            hard(
                i,
                &format!("user{i}@example.com"),
                T0 + (i as i64 % 1000) * HOUR,
            )
        })
        .collect()
}

fn settings(server: &Dovecot, tls: TlsMode) -> ImapSettings {
    let mut settings = server.settings(tls);
    settings.timeout = Duration::from_secs(10);
    settings
}

fn count(store: &Store) -> (i64, i64) {
    store.counts().expect("counts")
}

#[test]
fn first_sync_stores_all_then_only_what_is_new() {
    let server = Dovecot::start(true, &messages(0..10_000));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let settings = settings(&server, TlsMode::Implicit);

    let first = run_sync(&settings, PASSWORD, &mut store).expect("first sync");
    assert_eq!((first.fetched, first.new_messages), (10_000, 10_000));
    assert_eq!(count(&store), (10_000, 10_000));

    let nothing = run_sync(&settings, PASSWORD, &mut store).expect("second sync");
    assert_eq!(nothing.fetched, 0, "nothing new, nothing fetched");
    assert_eq!(count(&store).0, 10_000);

    server.add_messages(&messages(10_000..10_100));
    let more = run_sync(&settings, PASSWORD, &mut store).expect("third sync");
    assert_eq!((more.fetched, more.new_messages), (100, 100));
    assert_eq!(count(&store), (10_100, 10_100));
}

#[test]
fn starttls_works_and_a_changed_uidvalidity_duplicates_nothing() {
    let server = Dovecot::start(true, &messages(0..50));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let settings = settings(&server, TlsMode::Starttls);
    let first = run_sync(&settings, PASSWORD, &mut store).expect("sync over STARTTLS");
    assert_eq!(first.new_messages, 50);

    server.doveadm(&[
        "mailbox",
        "update",
        "-u",
        USER,
        "--uid-validity",
        "777",
        "INBOX",
    ]);
    let again = run_sync(&settings, PASSWORD, &mut store).expect("sync after the change");
    assert_eq!(again.fetched, 50, "a new UIDVALIDITY means a rescan");
    assert_eq!(
        again.new_messages, 0,
        "and the content hash keeps it from duplicating"
    );
    assert_eq!(count(&store), (50, 50));
}

#[test]
fn an_untrusted_certificate_is_refused_until_pinned() {
    let server = Dovecot::start(true, &messages(0..3));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let mut settings = settings(&server, TlsMode::Implicit);
    settings.extra_roots_pem.clear();
    let expected = native_tls::Certificate::from_pem(&server.server_pem)
        .and_then(|cert| cert.to_der())
        .map(|der| fingerprint(&der))
        .expect("server certificate");
    match run_sync(&settings, PASSWORD, &mut store) {
        Err(SyncError::UntrustedCertificate { fingerprint, .. }) => {
            assert_eq!(fingerprint, expected)
        }
        other => panic!("expected an untrusted certificate, got {other:?}"),
    }
    assert_eq!(count(&store).0, 0, "nothing fetched, no password sent");

    settings.pinned_sha256 = Some(expected.to_lowercase().replace(':', ""));
    let pinned = run_sync(&settings, PASSWORD, &mut store).expect("pinned");
    assert_eq!(pinned.new_messages, 3);

    settings.pinned_sha256 = Some("00".repeat(32));
    assert!(matches!(
        run_sync(&settings, PASSWORD, &mut store),
        Err(SyncError::UntrustedCertificate { .. })
    ));
}

#[test]
fn each_failure_has_its_own_message() {
    let server = Dovecot::start(true, &messages(0..1));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let good = settings(&server, TlsMode::Implicit);

    let wrong = run_sync(&good, "wrong password", &mut store).expect_err("refused");
    assert!(matches!(wrong, SyncError::WrongPassword { .. }), "{wrong}");
    assert!(wrong.to_string().contains("wrong user name or password"));

    let mut missing_folder = good.clone();
    missing_folder.folders = vec!["Bounces".to_string()];
    let error = run_sync(&missing_folder, PASSWORD, &mut store).expect_err("no folder");
    assert!(matches!(error, SyncError::FolderNotFound(_)), "{error}");

    let mut refused = good.clone();
    refused.port = 1;
    refused.retries = 0;
    let error = run_sync(&refused, PASSWORD, &mut store).expect_err("no server");
    assert!(matches!(error, SyncError::Refused { .. }), "{error}");

    let mut unknown = good.clone();
    unknown.host = "no-such-host.invalid".to_string();
    let error = run_sync(&unknown, PASSWORD, &mut store).expect_err("no host");
    assert!(matches!(error, SyncError::UnknownHost { .. }), "{error}");
}

#[test]
fn a_server_without_starttls_is_refused_before_login() {
    let server = Dovecot::start(false, &messages(0..1));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let settings = settings(&server, TlsMode::Starttls);
    let error = run_sync(&settings, PASSWORD, &mut store).expect_err("refused");
    assert!(matches!(error, SyncError::StartTlsNotOffered), "{error}");
}

#[test]
fn account_test_walks_the_steps_and_a_missing_password_says_where_to_put_it() {
    let server = Dovecot::start(true, &messages(0..2));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).expect("ca");
    let bouncedesk = |args: &[&str], password: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bouncedesk"));
        command
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("SSL_CERT_FILE", &ca);
        command.env_remove("BOUNCEDESK_PASSWORD");
        if let Some(password) = password {
            command.env("BOUNCEDESK_PASSWORD", password);
        }
        command.output().expect("bouncedesk runs")
    };
    let args = server.account_add_args("news");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let add = bouncedesk(&args, None);
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let tested = bouncedesk(&["account", "test", "news"], Some(PASSWORD));
    let said = String::from_utf8_lossy(&tested.stdout);
    assert!(
        tested.status.success(),
        "{}",
        String::from_utf8_lossy(&tested.stderr)
    );
    assert!(
        said.contains("logged in as bounces") && said.contains("folder INBOX: 2 message(s)"),
        "{said}"
    );

    let wrong = bouncedesk(&["account", "test", "news"], Some("nope"));
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong user name or password"));

    let missing = bouncedesk(&["sync", "news"], None);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("BOUNCEDESK_PASSWORD"));
}

#[test]
fn cancel_stops_between_batches_and_keeps_what_was_stored() {
    let server = Dovecot::start(true, &messages(0..600));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let mut settings = settings(&server, TlsMode::Implicit);
    settings.batch = 100;
    let cancel = AtomicBool::new(false);
    let login = sync::Login::password(PASSWORD);
    let result = sync::run(&settings, &login, &mut store, &cancel, &mut |event| {
        if matches!(event, sync::SyncEvent::Committed { done, .. } if done >= 200) {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(matches!(result, Err(SyncError::Cancelled)), "{result:?}");
    let (stored, _) = count(&store);
    assert!(
        (200..600).contains(&stored),
        "stopped part-way with whole batches: {stored}"
    );
    assert_eq!(stored % 100, 0);
    let rest = run_sync(&settings, PASSWORD, &mut store).expect("resume");
    assert_eq!(rest.new_messages as i64, 600 - stored);
    assert_eq!(count(&store), (600, 600));
}

/// A rule the operator made (in the window or with `bouncedesk rules add`: one store
/// operation) decides what the next sync brings.
#[test]
fn the_operators_rules_decide_what_a_sync_brings() {
    use bouncedesk::classify::{Class, OwnRule, Reason};
    use bouncedesk::store::RuleChange;
    let parked = |i: usize| {
        support::dsn(
            i,
            &format!("staff{i}@acme.example"),
            "failed",
            "5.0.0",
            &format!("550 5.0.0 Inbox parked by AcmeGuard, case {i}"),
            T0,
        )
    };
    let server = Dovecot::start(true, &(1..=3).map(parked).collect::<Vec<_>>());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    store
        .change_rule(&RuleChange::Add(OwnRule {
            id: 0,
            phrase: "inbox parked by acmeguard".to_string(),
            status: None,
            reporting_mta: None,
            class: Class::Hard,
            reason: Reason::UserUnknown,
            note: "the gateway's word for a closed inbox".to_string(),
        }))
        .expect("rule");
    run_sync(&settings(&server, TlsMode::Implicit), PASSWORD, &mut store).expect("sync");
    let state = store
        .recipient("staff2@acme.example")
        .expect("read")
        .map(|recipient| recipient.state);
    assert_eq!(state, Some(bouncedesk::policy::State::Suppressed));
    assert!(store.review_groups().expect("groups").is_empty());
}

#[test]
fn a_sync_drops_raw_mail_older_than_the_retention_and_keeps_its_verdicts() {
    let server = Dovecot::start(true, &messages(0..20));
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let mut settings_now = store.settings().expect("settings");
    // The reports are dated November 2026; a week's retention drops them all.
    settings_now.raw_retention_days = 7;
    store.save_settings(&settings_now).expect("save");
    let done = run_sync(&settings(&server, TlsMode::Implicit), PASSWORD, &mut store).expect("sync");
    assert_eq!(done.new_messages, 20);
    assert_eq!(done.raw_dropped, 20, "dropped right after the sync");
    assert_eq!(count(&store), (20, 20), "every verdict stays");
    let replay = store
        .reclassify(&store.classifier().expect("engine"), true)
        .expect("dry run");
    assert_eq!(replay.without_raw, 20);
}
