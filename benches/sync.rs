//! Sync speed against a loopback Dovecot over TLS, beside mbsync on the same mailbox.
//!
//! 10,000 bounces of about 3 KB: Bounce Desk downloads, classifies and commits them into a
//! fresh store, plain and encrypted (SQLCipher, a random key as the keyring would give);
//! mbsync (isync, `FSync no`) only downloads them into a maildir. Each runs five times, in
//! turns; the medians and their ratios are printed. Needs `dovecot-imapd` and `isync`
//! (Debian). `BENCH_MESSAGES` sets the count.

#[path = "../tests/support/mod.rs"]
mod support;

use bouncedesk::mailbox::TlsMode;
use bouncedesk::store::{Store, StoreKey, key};
use std::process::Command;
use std::time::{Duration, Instant};
use support::dovecot::{Dovecot, PASSWORD, USER, run_sync};
use support::{HOUR, T0, hard};

const ROUNDS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    eprintln!("  runs: {times:.2?}");
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// One line of the report: a median time and the rate it makes.
fn report(what: &str, median: Duration, count: usize) {
    println!(
        "  {what}: {:.2} s median of {ROUNDS} = {:.0} messages/s",
        median.as_secs_f64(),
        count as f64 / median.as_secs_f64()
    );
}

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        return;
    }
    // Under `cargo test --all-targets` (no --bench) this runs once, small, as a smoke test.
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let count: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|_| benchmarking)
        .unwrap_or(if benchmarking { 10_000 } else { 200 });
    // About 3 KB each: a report plus the returned message's text.
    let filler = "The returned newsletter text goes on for a while. ".repeat(36);
    let mail: Vec<String> = (0..count)
        .map(|i| {
            let report = hard(
                i,
                &format!("user{i}@example.com"),
                T0 + (i as i64 % 1000) * HOUR,
            );
            report.replacen("--b", &format!("{filler}\r\n--b"), 1)
        })
        .collect();
    let average = mail.iter().map(String::len).sum::<usize>() / count.max(1);
    let server = Dovecot::start(true, &mail);
    let work = tempfile::tempdir().expect("temp dir");
    let ca = work.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).expect("ca");

    let mut ours = Vec::new();
    let mut encrypted = Vec::new();
    let mut nothing_new = Vec::new();
    let mut theirs = Vec::new();
    let mbsync = Command::new("mbsync").arg("--version").output().is_ok();
    // Round 0 warms both up (Dovecot's first SELECT files the new mail away) and is not
    // counted; then the two take turns.
    let mut settings = server.settings(TlsMode::Implicit);
    if let Some(batch) = std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        settings.batch = batch;
    }
    for round in 0..=ROUNDS {
        // This machine has no keyring: the plain store is made plain, the encrypted one with
        // a random key remembered for it (what the keyring would hand over).
        let db = work.path().join(format!("store-{round}.sqlite"));
        let mut store = Store::open(&db).expect("store");
        assert!(matches!(store.protection(), key::Protection::Plain { .. }));
        let started = Instant::now();
        let summary = run_sync(&settings, PASSWORD, &mut store).expect("sync");
        if round > 0 {
            ours.push(started.elapsed());
        }
        assert_eq!(summary.new_messages, count);
        // Again, with nothing new: connect, log in, EXAMINE, done.
        let started = Instant::now();
        let again = run_sync(&settings, PASSWORD, &mut store).expect("sync");
        nothing_new.push(started.elapsed());
        assert_eq!(again.fetched, 0);

        let db = work.path().join(format!("encrypted-{round}.sqlite"));
        key::remember(&db, StoreKey::random().expect("a random key"));
        let mut store = Store::open(&db).expect("encrypted store");
        assert_eq!(store.protection(), &key::Protection::Keyring);
        let started = Instant::now();
        let summary = run_sync(&settings, PASSWORD, &mut store).expect("sync");
        if round > 0 {
            encrypted.push(started.elapsed());
        }
        assert_eq!(summary.new_messages, count);

        if mbsync {
            let out = work.path().join(format!("mbsync-{round}"));
            std::fs::create_dir_all(&out).expect("out");
            let rc = work.path().join("mbsyncrc");
            std::fs::write(
                &rc,
                format!(
                    "FSync no\n\nIMAPStore far\nHost localhost\nPort {port}\nUser {USER}\n\
                     PassCmd \"printenv BENCH_IMAP_PASSWORD\"\nSSLType IMAPS\nCertificateFile {ca}\n\n\
                     MaildirStore near\nPath {out}/\nInbox {out}/INBOX\n\n\
                     Channel bench\nFar :far:\nNear :near:\nPatterns INBOX\nSync Pull\nCreate Near\nSyncState *\n",
                    port = server.tls_port,
                    ca = ca.display(),
                    out = out.display()
                ),
            )
            .expect("mbsyncrc");
            let started = Instant::now();
            let status = Command::new("mbsync")
                .arg("-c")
                .arg(&rc)
                .args(["-q", "bench"])
                .env("BENCH_IMAP_PASSWORD", PASSWORD)
                .status()
                .expect("mbsync runs");
            if round > 0 {
                theirs.push(started.elapsed());
            }
            assert!(status.success(), "mbsync failed");
        }
    }
    let ours = median(ours);
    println!("sync bench: {count} messages of ~{average} bytes over TLS from a loopback Dovecot");
    report(
        "bouncedesk sync (download + classify + commit)",
        ours,
        count,
    );
    let encrypted = median(encrypted);
    report(
        "the same into an encrypted store (SQLCipher)  ",
        encrypted,
        count,
    );
    println!(
        "  ratio encrypted / plain: {:.2}",
        encrypted.as_secs_f64() / ours.as_secs_f64()
    );
    let idle = median(nothing_new);
    println!(
        "  bouncedesk sync with nothing new (connect, TLS, login, EXAMINE): {:.3} s median",
        idle.as_secs_f64()
    );
    if mbsync {
        let theirs = median(theirs);
        report(
            "mbsync (download only, FSync no)             ",
            theirs,
            count,
        );
        println!(
            "  ratio bouncedesk (plain) / mbsync: {:.2}",
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
    } else {
        println!("  mbsync not installed (apt-get install isync): no comparison");
    }
}
