//! What a sync may change on the server: nothing by default (not even `\Seen`), and with an
//! after-sync action only messages already committed locally, and only reports unless the
//! operator asked for all mail.

mod support;

use bouncedesk::mailbox::{AfterSync, TlsMode};
use bouncedesk::store::Store;
use bouncedesk::sync::{ImapSettings, SyncSummary};
use std::path::Path;
use support::dovecot::{Dovecot, PASSWORD, USER, run_sync};
use support::{HOUR, T0, hard};

fn reader_reply(i: usize) -> String {
    format!(
        "From: Reader {i} <reader{i}@example.org>\r\nTo: news@news.example.org\r\n\
         Subject: Re: Weekly Notes\r\nMessage-ID: <reply-{i}@example.org>\r\n\r\nThank you!\r\n"
    )
}

fn bounces(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| hard(i, &format!("user{i}@example.com"), T0 + i as i64 * HOUR))
        .collect()
}

/// Messages in a maildir folder, and how many carry the `\Seen` flag (`S` in the info).
fn maildir_count(folder: &Path) -> (usize, usize) {
    let mut total = 0;
    let mut seen = 0;
    for sub in ["cur", "new"] {
        let Ok(entries) = std::fs::read_dir(folder.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            total += 1;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name
                .rsplit_once(":2,")
                .is_some_and(|(_, flags)| flags.contains('S'))
            {
                seen += 1;
            }
        }
    }
    (total, seen)
}

fn run(settings: &ImapSettings, store: &mut Store) -> SyncSummary {
    run_sync(settings, PASSWORD, store).expect("sync")
}

#[test]
fn after_sync_actions_touch_only_committed_reports() {
    let mut mail = bounces(0..20);
    mail.extend((0..2).map(reader_reply));
    let server = Dovecot::start(true, &mail);
    server.doveadm(&["mailbox", "create", "-u", USER, "Processed"]);
    let inbox = server.maildir();
    let processed = inbox.join(".Processed");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    let mut settings = server.settings(TlsMode::Implicit);

    // Default: the server is left exactly as it was, not even \Seen.
    let first = run(&settings, &mut store);
    assert_eq!((first.new_messages, first.acted_on), (22, 0));
    assert_eq!(
        maildir_count(&inbox),
        (22, 0),
        "nothing moved, nothing marked seen"
    );

    // As after a run killed between commit and move: the next run moves what was committed,
    // and only the reports.
    settings.after_sync = AfterSync::MoveTo("Processed".to_string());
    let second = run(&settings, &mut store);
    assert_eq!((second.fetched, second.acted_on), (0, 20));
    assert_eq!(maildir_count(&inbox).0, 2, "the two human replies stay");
    assert_eq!(maildir_count(&processed).0, 20);

    // Running again does nothing more.
    assert_eq!(run(&settings, &mut store).acted_on, 0);

    // Delete: new reports are stored, then removed from the server.
    let mut more = bounces(100..105);
    more.push(reader_reply(9));
    server.add_messages(&more);
    settings.after_sync = AfterSync::Delete;
    let third = run(&settings, &mut store);
    assert_eq!((third.new_messages, third.acted_on), (6, 5));
    assert_eq!(maildir_count(&inbox).0, 3);
    assert_eq!(
        store.counts().expect("counts").0,
        28,
        "everything is kept locally"
    );

    // Marking seen, for all mail when the operator says so.
    settings.after_sync = AfterSync::MarkSeen;
    settings.all_mail = true;
    server.add_messages(&[reader_reply(10)]);
    let fourth = run(&settings, &mut store);
    assert_eq!(fourth.acted_on, 4, "the three replies and the new one");
    assert_eq!(maildir_count(&inbox), (4, 4));
}
