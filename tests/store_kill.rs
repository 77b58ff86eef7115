//! Crash safety with a real kill: `kill -9` an ingest half-way, run it again, and the store
//! holds every message exactly once.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{HOUR, T0, hard, write_maildir};

const MESSAGES: usize = 6_000;

fn count(db: &Path, table: &str) -> i64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return 0;
    };
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap_or(0)
}

#[test]
fn a_killed_ingest_rerun_stores_each_message_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let maildir = dir.path().join("mail");
    let mail: Vec<String> = (0..MESSAGES)
        .map(|i| {
            hard(
                i,
                &format!("user{i}@example.com"),
                T0 + (i as i64 % 500) * HOUR,
            )
        })
        .collect();
    write_maildir(&maildir, &mail);

    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(&db)
        .arg("ingest")
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bouncedesk starts");
    let started = Instant::now();
    let mut killed_at = None;
    while started.elapsed() < Duration::from_secs(120) {
        let stored = count(&db, "messages");
        if stored > 0 {
            killed_at = Some(stored);
            child.kill().expect("SIGKILL");
            break;
        }
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.wait();
    let killed_at = killed_at.expect("the ingest was killed while it ran");
    let after_kill = count(&db, "messages");
    assert!(
        after_kill < MESSAGES as i64,
        "killed mid-ingest ({killed_at} stored when killed, {after_kill} after)"
    );
    assert_eq!(
        after_kill % 500,
        0,
        "whole batches or nothing: {after_kill}"
    );

    let rerun = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(&db)
        .arg("ingest")
        .arg(&maildir)
        .output()
        .expect("bouncedesk runs");
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(count(&db, "messages"), MESSAGES as i64);
    assert_eq!(count(&db, "bounces"), MESSAGES as i64);
    assert_eq!(count(&db, "message_sources"), MESSAGES as i64);
    assert_eq!(count(&db, "recipients"), MESSAGES as i64);
    let said = String::from_utf8_lossy(&rerun.stdout);
    assert!(
        said.contains(&format!("{after_kill} already stored")),
        "the rerun skipped what the killed run committed: {said}"
    );
}
