//! The window's frames while it writes. A copy of the 1M-bounce bench store
//! (`cargo bench --bench store` builds it) gets one account on a loopback Dovecot holding
//! 10,000 new bounces; the real window, under Xvfb, runs `--frame-times writes`: it syncs the
//! account and makes the review queue's biggest group a rule over the whole history, both at
//! once, and reports the frames it drew meanwhile. Needs `dovecot-imapd`, `xvfb` and Mesa's
//! drivers (scripts/test.sh installs them).
//!
//! Under `cargo test --all-targets` it runs once, small (a fresh store of 300 bounces, 200 on
//! the server), as a smoke test of the script.

#[path = "../tests/support/mod.rs"]
mod support;

use bouncedesk::classify::Classifier;
use bouncedesk::mailbox::{AfterSync, TlsMode};
use bouncedesk::store::{Account, Prepared, Source, Store};
use bouncedesk::sync::fingerprint;
use std::path::{Path, PathBuf};
use support::dovecot::{Dovecot, PASSWORD, USER};
use support::{HOUR, T0, dsn, hard};

/// A fresh store of `count` bounces in one wording no table knows: a review group.
fn small_store(path: &Path, count: usize) {
    let mut store = Store::open(path).expect("store");
    let classifier = Classifier::default();
    let batch: Vec<Prepared> = (0..count)
        .map(|i| {
            let raw = dsn(
                i,
                &format!("reader{i}@example.org"),
                "failed",
                "5.0.0",
                "550 it did not work",
                T0 - (i as i64 % 500) * HOUR,
            );
            let source = Source::File {
                path: format!("small/{i}"),
            };
            Prepared::new(source, raw.as_bytes(), &classifier).expect("prepared")
        })
        .collect();
    store.commit(&batch).expect("commit");
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let work = tempfile::tempdir().expect("temp dir");
    let db = work.path().join("store.sqlite");
    let new_mail = if benchmarking {
        let big = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/bench-store/bounces-1000000.sqlite");
        if !big.exists() {
            eprintln!(
                "frames bench: {} is missing; `cargo bench --bench store` builds it",
                big.display()
            );
            return;
        }
        std::fs::copy(&big, &db).expect("a copy of the 1M store");
        10_000
    } else {
        small_store(&db, 300);
        200
    };
    let mail: Vec<String> = (0..new_mail)
        .map(|i| {
            hard(
                i,
                &format!("new{i}@example.net"),
                T0 + (i as i64 % 100) * HOUR,
            )
        })
        .collect();
    let server = Dovecot::start(true, &mail);
    let pin = native_tls::Certificate::from_pem(&server.server_pem)
        .and_then(|certificate| certificate.to_der())
        .map(|der| fingerprint(&der))
        .expect("the server's certificate");
    let before = {
        let store = Store::open(&db).expect("store");
        store
            .save_account(&Account {
                name: "loopback".into(),
                host: "localhost".into(),
                port: server.tls_port,
                tls: TlsMode::Implicit,
                user: USER.into(),
                folders: vec!["INBOX".into()],
                pin_sha256: Some(pin),
                after_sync: AfterSync::Keep,
                sign_in: bouncedesk::mailbox::SignIn::Password,
                all_mail: false,
            })
            .expect("account");
        store.counts().expect("counts").0
    };

    let (mut command, _runtime) = support::bouncedesk_in_xvfb();
    let output = command
        .arg("--db")
        .arg(&db)
        .args(["--frame-times", "writes"])
        .env("BOUNCEDESK_PASSWORD", PASSWORD)
        .output()
        .expect("xvfb-run");
    assert!(
        output.status.success(),
        "bouncedesk --frame-times writes failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store = Store::open(&db).expect("store");
    let after = store.counts().expect("counts").0;
    let rules = store.rules().expect("rules");
    assert_eq!(
        after - before,
        new_mail as i64,
        "the sync stored the new mail"
    );
    assert_eq!(rules.len(), 1, "the rule was made");
    println!(
        "frames bench: {before} messages in the store, {new_mail} synced, rule {:?} applied\n{}",
        rules[0].phrase,
        String::from_utf8_lossy(&output.stdout).trim_end()
    );
}
