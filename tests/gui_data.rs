//! The operator's data in the window (egui_kittest): an encrypted store asks for its
//! passphrase at start and changes nothing on a wrong one; Settings says how the store is
//! protected and keeps the raw-mail retention; the Recipients view forgets an address so
//! that none of its bytes stay in the store.

mod support;

use bouncedesk::store::{RecipientFilter, Store};
use egui_kittest::kittest::Queryable as _;
use std::path::Path;
use std::process::{Command, Stdio};
use support::window::{NOW, click, settle, shows, type_into, wait_until, window};
use support::{occurrences, store_bytes};

/// The demo mailbox at `db`, encrypted with `passphrase` by the real binary (so that this
/// process has no key for it remembered).
fn encrypted_demo(db: &Path, passphrase: &str) {
    bouncedesk::demo::build(db, NOW).expect("demo store");
    let output = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(db)
        .args(["store", "encrypt", "--passphrase"])
        .env_remove("BOUNCEDESK_STORE_PASSPHRASE")
        .env("BOUNCEDESK_STORE_NEW_PASSPHRASE", passphrase)
        .stdin(Stdio::null())
        .output()
        .expect("bouncedesk runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_encrypted_store_asks_for_its_passphrase_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    encrypted_demo(&db, "correct horse battery staple");
    let before = std::fs::read(&db).expect("store bytes");

    let mut harness = window(&db, false);
    wait_until(&mut harness, "the passphrase prompt", |harness| {
        shows(harness, "Unlock your bounce data")
    });
    type_into(&mut harness, "Passphrase", "not the passphrase");
    click(&mut harness, "Unlock");
    wait_until(&mut harness, "the wrong passphrase said", |harness| {
        shows(harness, "That passphrase does not open it")
    });
    assert_eq!(
        std::fs::read(&db).expect("store bytes"),
        before,
        "a wrong passphrase changes nothing"
    );

    type_into(&mut harness, "Passphrase", "correct horse battery staple");
    click(&mut harness, "Unlock");
    settle(&mut harness);
    assert!(!shows(&harness, "Unlock your bounce data"));
    let summaries = harness.state().reader.summaries.as_ref().expect("read");
    assert!(summaries.current.messages > 0, "the demo's mail is shown");

    click(&mut harness, "Settings");
    settle(&mut harness);
    assert!(shows(
        &harness,
        "The store is encrypted (SQLCipher, AES-256) with a passphrase"
    ));
}

#[test]
fn a_plain_store_is_pointed_out_and_the_retention_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    // This machine's tests have no OS keyring and no passphrase: the store is made plain.
    let mut harness = window(&db, false);
    wait_until(&mut harness, "the store opened", |harness| {
        harness.state().protection.is_some()
    });
    assert!(shows(&harness, "Your bounce data is NOT encrypted"));
    assert!(shows(&harness, "bouncedesk store encrypt"));

    click(&mut harness, "Settings");
    harness.run_steps(3);
    assert!(shows(&harness, "The store is NOT encrypted"));
    type_into(&mut harness, "Drop raw messages older than", "30");
    click(&mut harness, "Save settings");
    wait_until(&mut harness, "the settings saved", |harness| {
        shows(harness, "Settings saved")
    });
    drop(harness);
    let store = Store::open(&db).expect("store");
    assert_eq!(store.settings().expect("settings").raw_retention_days, 30);
}

#[test]
fn the_recipients_view_forgets_an_address_to_the_last_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    bouncedesk::demo::build(&db, NOW).expect("demo store");
    let address = {
        let store = Store::open(&db).expect("store");
        let suppressed = RecipientFilter {
            text: String::new(),
            state: Some(bouncedesk::policy::State::Suppressed),
        };
        let (rows, _) = store.recipients(&suppressed).expect("recipients");
        rows[0].recipient.clone()
    };
    assert!(occurrences(&store_bytes(&db), &address) > 0);

    let mut harness = window(&db, false);
    settle(&mut harness);
    click(&mut harness, "Recipients");
    type_into(&mut harness, "Find address", &address);
    settle(&mut harness);
    harness
        .get_by_label_contains(&format!("{address}  ·  Suppressed"))
        .click();
    harness.run_steps(2);
    settle(&mut harness);
    click(&mut harness, "Forget this address…");
    assert!(shows(&harness, "this cannot be undone"));
    click(&mut harness, &format!("Forget {address}"));
    wait_until(&mut harness, "the address forgotten", |harness| {
        shows(harness, "Forgotten: ")
    });
    settle(&mut harness);
    assert!(shows(&harness, &format!("Forgotten: {address}: ")));
    assert!(harness.state().reader.history.is_none());
    drop(harness);

    assert_eq!(
        occurrences(&store_bytes(&db), &address),
        0,
        "no byte of the address stays in the file or its WAL"
    );
    let store = Store::open(&db).expect("store");
    assert!(store.recipient(&address).expect("read").is_none());
}
