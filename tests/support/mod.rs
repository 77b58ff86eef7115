//! Test and bench helpers: synthetic bounce messages and subscriber lists, written for this
//! project (never copied from the corpus).

#![allow(dead_code)]

pub mod authserver;
pub mod dovecot;
pub mod keyring;
pub mod proxy;
pub mod window;

use std::path::Path;
use std::process::Command;

/// `bouncedesk` (the build under test) in a throwaway X server, the way the screenshot test
/// and the frame-time bench run the real window; keep the returned folder (its
/// `XDG_RUNTIME_DIR`) alive until the command ends. Needs Debian's `xvfb` and `xauth`.
pub fn bouncedesk_in_xvfb() -> (Command, tempfile::TempDir) {
    assert!(
        Path::new("/usr/bin/xvfb-run").exists(),
        "xvfb-run is missing: apt-get install xvfb xauth (scripts/test.sh does)"
    );
    let runtime = tempfile::tempdir().expect("runtime dir");
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", "-screen 0 1400x900x24"])
        .arg(env!("CARGO_BIN_EXE_bouncedesk"))
        .env("XDG_RUNTIME_DIR", runtime.path());
    (command, runtime)
}

/// Monday 2 November 2026, 09:00 UTC.
pub const T0: i64 = 1_793_610_000;
pub const HOUR: i64 = 3600;

/// An RFC 3464 report (Postfix style) for one failed or delayed recipient.
pub fn dsn(
    id: usize,
    recipient: &str,
    action: &str,
    status: &str,
    diagnostic: &str,
    at: i64,
) -> String {
    let date = jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_default();
    format!(
        "Return-Path: <>\r\nDate: {date}\r\nFrom: MAILER-DAEMON@mx.news.example.org (Mail Delivery System)\r\n\
         To: bounces@news.example.org\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Message-Id: <bounce-{id}@mx.news.example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b{id}\"\r\n\r\n\
         --b{id}\r\nContent-Type: text/plain\r\n\r\n<{recipient}>: host said: {diagnostic}\r\n\r\n\
         --b{id}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.news.example.org\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; {diagnostic}\r\n\r\n\
         --b{id}\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@news.example.org\r\n\
         To: {recipient}\r\nSubject: Weekly Notes\r\nMessage-ID: <issue-{id}@news.example.org>\r\n\r\n--b{id}--\r\n"
    )
}

/// A hard bounce (5.1.1 user unknown).
pub fn hard(id: usize, recipient: &str, at: i64) -> String {
    dsn(
        id,
        recipient,
        "failed",
        "5.1.1",
        "550 5.1.1 <x>: Recipient address rejected: User unknown (in reply to RCPT TO command)",
        at,
    )
}

/// A soft bounce (mailbox full).
pub fn soft(id: usize, recipient: &str, at: i64) -> String {
    dsn(
        id,
        recipient,
        "failed",
        "4.2.2",
        "452 4.2.2 Mailbox full",
        at,
    )
}

/// A bounce caused by the sender (IP on a blocklist).
pub fn sender(id: usize, recipient: &str, at: i64) -> String {
    dsn(
        id,
        recipient,
        "failed",
        "5.7.1",
        "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org",
        at,
    )
}

/// Writes messages as a maildir (`cur/` files) under `dir`.
pub fn write_maildir(dir: &Path, messages: &[String]) {
    let cur = dir.join("cur");
    std::fs::create_dir_all(&cur).expect("maildir");
    std::fs::create_dir_all(dir.join("new")).expect("maildir");
    std::fs::create_dir_all(dir.join("tmp")).expect("maildir");
    for (index, message) in messages.iter().enumerate() {
        std::fs::write(cur.join(format!("{index:08}.test:2,S")), message).expect("message");
    }
}

/// The store file and its WAL, as bytes: what someone who copies the data folder gets.
pub fn store_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).expect("the store file");
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(std::path::PathBuf::from(wal)) {
        bytes.extend(more);
    }
    bytes
}

/// How often `needle` occurs in `haystack`, in any letter case.
pub fn occurrences(haystack: &[u8], needle: &str) -> usize {
    let haystack = haystack.to_ascii_lowercase();
    memchr::memmem::find_iter(&haystack, needle.to_ascii_lowercase().as_bytes()).count()
}
