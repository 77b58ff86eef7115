//! Faults against a real Dovecot: a connection cut mid-FETCH (FIN, RST, stall) and a sync
//! killed with SIGKILL each end, after a retry or a new run, with exactly the server's set.

mod support;

use bouncedesk::mailbox::TlsMode;
use bouncedesk::store::Store;
use std::process::Command;
use std::time::{Duration, Instant};
use support::dovecot::{Dovecot, PASSWORD, run_sync};
use support::proxy::{Cut, FaultProxy};
use support::{HOUR, T0, hard};

const MESSAGES: usize = 4_000;

fn messages() -> Vec<String> {
    (0..MESSAGES)
        .map(|i| {
            hard(
                i,
                &format!("user{i}@example.com"),
                T0 + (i as i64 % 500) * HOUR,
            )
        })
        .collect()
}

fn sync_through(cut: Cut, at: u64) {
    let server = Dovecot::start(true, &messages());
    // The first connection breaks after `at` bytes from the server, the second half-way
    // through what is left, the third goes through.
    let proxy = FaultProxy::start(
        server.tls_port,
        vec![Some((at, cut)), Some((at * 2, cut)), None],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let mut settings = server.settings(TlsMode::Implicit);
    settings.port = proxy.port;
    settings.timeout = Duration::from_secs(3);
    settings.batch = 100;
    let summary = run_sync(&settings, PASSWORD, &mut store)
        .unwrap_or_else(|error| panic!("{cut:?} at {at}: {error}"));
    assert!(
        summary.reconnections >= 2,
        "{cut:?}: the cuts happened ({summary:?})"
    );
    assert_eq!(
        store.counts().expect("counts"),
        (MESSAGES as i64, MESSAGES as i64),
        "{cut:?} at {at}: 0 lost, 0 duplicated"
    );
}

#[test]
fn a_fin_mid_fetch_resumes_without_loss_or_duplicates() {
    sync_through(Cut::Fin, 300_000);
}

#[test]
fn a_reset_mid_fetch_resumes_without_loss_or_duplicates() {
    sync_through(Cut::Rst, 450_000);
}

#[test]
fn a_stalled_connection_times_out_and_resumes() {
    sync_through(Cut::Stall, 200_000);
}

#[test]
fn a_killed_sync_rerun_ends_with_exactly_the_servers_set() {
    let server = Dovecot::start(true, &messages());
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &server.ca_pem).expect("ca");
    let bouncedesk = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bouncedesk"));
        command
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("BOUNCEDESK_PASSWORD", PASSWORD)
            .env("SSL_CERT_FILE", &ca);
        command
    };
    let args = server.account_add_args("bounces");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let added = bouncedesk(&args).output().expect("account add");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let mut child = bouncedesk(&["sync"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sync starts");
    let started = Instant::now();
    let mut killed = false;
    while started.elapsed() < Duration::from_secs(120) {
        let stored = Store::open(&db)
            .and_then(|store| store.counts())
            .map_or(0, |c| c.0);
        if stored > 0 {
            child.kill().expect("SIGKILL");
            killed = true;
            break;
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.wait();
    assert!(killed, "the sync was killed while it ran");
    let partial = Store::open(&db)
        .and_then(|store| store.counts())
        .expect("counts");
    assert!(partial.0 < MESSAGES as i64, "killed mid-sync: {partial:?}");

    let rerun = bouncedesk(&["sync"]).output().expect("sync again");
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let store = Store::open(&db).expect("store");
    assert_eq!(
        store.counts().expect("counts"),
        (MESSAGES as i64, MESSAGES as i64)
    );
}
