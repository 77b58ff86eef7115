//! The store's data protected at rest, through the real binary: encrypting in place hides
//! every address and subject from the file's bytes and changes no number; a wrong passphrase
//! changes nothing; `kill -9` during an encryption leaves a whole store; forgetting an
//! address leaves no byte of it; retention drops old raw mail and keeps every count; backups
//! open and match; everything is readable by the user only.

mod support;

use bouncedesk::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{HOUR, T0, dsn, hard, occurrences, store_bytes, write_maildir};

/// `bouncedesk --db DB ARGS…` with the store passphrase `passphrase` (and, for a conversion,
/// the new one), never touching an OS keyring's store key.
fn bouncedesk(db: &Path, passphrase: Option<&str>, new: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bouncedesk"));
    command.arg("--db").arg(db).args(args);
    command.env_remove("BOUNCEDESK_STORE_PASSPHRASE");
    command.env_remove("BOUNCEDESK_STORE_NEW_PASSPHRASE");
    if let Some(passphrase) = passphrase {
        command.env("BOUNCEDESK_STORE_PASSPHRASE", passphrase);
    }
    if let Some(new) = new {
        command.env("BOUNCEDESK_STORE_NEW_PASSPHRASE", new);
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("bouncedesk runs")
}

fn succeeds(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A plain store with the samples, a few hundred synthetic reports and a subscriber list.
fn plain_store(dir: &Path, reports: usize) -> PathBuf {
    let db = dir.join("store.sqlite");
    let mail = dir.join("mail");
    let messages: Vec<String> = (0..reports)
        .map(|i| hard(i, &format!("reader{i}@example.net"), T0 + i as i64 * HOUR))
        .collect();
    write_maildir(&mail, &messages);
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/samples");
    succeeds(bouncedesk(&db, None, None, &["ingest", samples]));
    succeeds(bouncedesk(
        &db,
        None,
        None,
        &["ingest", &mail.to_string_lossy()],
    ));
    let list = dir.join("list.csv");
    std::fs::write(
        &list,
        "Email Address,First Name\nann@example.com,Ann\nreader1@example.net,Reader\n",
    )
    .expect("list");
    succeeds(bouncedesk(
        &db,
        None,
        None,
        &["import", &list.to_string_lossy()],
    ));
    db
}

fn stats(db: &Path, passphrase: Option<&str>) -> String {
    succeeds(bouncedesk(db, passphrase, None, &["stats", "--json"]))
}

#[test]
fn an_encrypted_store_shows_no_address_and_counts_the_same() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 50);
    let before = stats(&db, None);
    let plain = store_bytes(&db);
    assert!(
        occurrences(&plain, "ann@example.com") > 0,
        "the plain file shows it"
    );
    assert!(occurrences(&plain, "Weekly Notes #112") > 0);

    let said = succeeds(bouncedesk(
        &db,
        None,
        Some("pass one"),
        &["store", "encrypt", "--passphrase"],
    ));
    assert!(said.contains("now encrypted"), "{said}");
    // Used once with the key, so that a WAL exists too.
    assert_eq!(stats(&db, Some("pass one")), before, "the same numbers");
    let encrypted = store_bytes(&db);
    for secret in [
        "ann@example.com",
        "reader7@example.net",
        "Weekly Notes #112",
        "SQLite format 3",
    ] {
        assert_eq!(
            occurrences(&encrypted, secret),
            0,
            "{secret} in the encrypted bytes"
        );
    }
    let status = succeeds(bouncedesk(
        &db,
        Some("pass one"),
        None,
        &["store", "status"],
    ));
    assert!(
        status.contains("encrypted (SQLCipher, AES-256) with a passphrase"),
        "{status}"
    );

    // A new key; then back to plain, the numbers never moving.
    succeeds(bouncedesk(
        &db,
        Some("pass one"),
        Some("pass two"),
        &["store", "rekey", "--passphrase"],
    ));
    assert!(
        !bouncedesk(&db, Some("pass one"), None, &["stats"])
            .status
            .success()
    );
    assert_eq!(stats(&db, Some("pass two")), before);
    succeeds(bouncedesk(
        &db,
        Some("pass two"),
        None,
        &["store", "decrypt"],
    ));
    assert_eq!(stats(&db, None), before);
}

#[test]
fn a_wrong_passphrase_fails_in_words_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 10);
    succeeds(bouncedesk(
        &db,
        None,
        Some("right"),
        &["store", "encrypt", "--passphrase"],
    ));
    let bytes = std::fs::read(&db).expect("read");
    let wrong = bouncedesk(&db, Some("wrong"), None, &["stats"]);
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("does not open this store"), "{said}");
    assert!(
        !said.contains("ERROR CORE"),
        "SQLCipher's own log stays quiet: {said}"
    );
    let none = bouncedesk(&db, None, None, &["stats"]);
    assert!(String::from_utf8_lossy(&none.stderr).contains("BOUNCEDESK_STORE_PASSPHRASE"));
    assert_eq!(std::fs::read(&db).expect("read"), bytes, "byte for byte");
}

/// Opens the store with whichever of the two keys works, checks it whole, and says which.
fn whole_with_either(db: &Path, passphrase: &str, messages: i64) -> bool {
    for (key, encrypted) in [(None, false), (Some(passphrase), true)] {
        let opened = bouncedesk(db, key, None, &["stats", "--json"]);
        if opened.status.success() {
            let text = String::from_utf8_lossy(&opened.stdout);
            assert!(
                text.contains(&format!("\"messages\": {messages}")),
                "every message still there: {text}"
            );
            return encrypted;
        }
    }
    panic!("the store opens with neither key after a kill");
}

#[test]
fn a_killed_encryption_leaves_a_whole_store_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 2_000);
    let messages = 2_000 + 12;
    let started = Instant::now();
    let mut encrypted = false;
    let mut delay = Duration::from_millis(20);
    let mut stray = db.as_os_str().to_owned();
    stray.push(".converting");
    let stray = PathBuf::from(stray);
    // Kills that caught a conversion half-way (its copy begun, the store not yet replaced).
    let mut caught_half_way = 0;
    while !encrypted && started.elapsed() < Duration::from_secs(120) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
            .arg("--db")
            .arg(&db)
            .args(["store", "encrypt", "--passphrase"])
            .env("BOUNCEDESK_STORE_NEW_PASSPHRASE", "kill me")
            .env_remove("BOUNCEDESK_STORE_PASSPHRASE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bouncedesk starts");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        encrypted = whole_with_either(&db, "kill me", messages);
        if !encrypted && stray.exists() {
            caught_half_way += 1;
        }
        delay += Duration::from_millis(10);
    }
    assert!(caught_half_way > 0, "no kill landed during a conversion");
    if !encrypted {
        succeeds(bouncedesk(
            &db,
            None,
            Some("kill me"),
            &["store", "encrypt", "--passphrase"],
        ));
    }
    assert!(
        whole_with_either(&db, "kill me", messages),
        "encrypted in the end"
    );
    succeeds(bouncedesk(&db, Some("kill me"), None, &["store", "status"]));
    // A leftover of a killed run is removed by the next conversion, never opened as the store.
    succeeds(bouncedesk(
        &db,
        Some("kill me"),
        None,
        &["store", "decrypt"],
    ));
    assert!(!stray.exists(), "no stray copy after a finished conversion");
}

#[test]
fn a_forgotten_address_leaves_no_byte_in_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 20);
    // Another recipient's report that names Ann in its words.
    let mention = dir.path().join("mention");
    write_maildir(
        &mention,
        &[dsn(
            9_001,
            "bob@example.org",
            "failed",
            "5.1.1",
            "550 5.1.1 bob@example.org: no such user (forwarded from ANN@example.com)",
            T0,
        )],
    );
    succeeds(bouncedesk(
        &db,
        None,
        None,
        &["ingest", &mention.to_string_lossy()],
    ));
    assert!(occurrences(&store_bytes(&db), "ann@example.com") > 0);

    let said = succeeds(bouncedesk(&db, None, None, &["forget", "Ann@Example.com"]));
    assert!(said.contains("ann@example.com: 1 bounce(s)"), "{said}");
    assert!(said.contains("1 list row(s)"), "{said}");
    assert_eq!(
        occurrences(&store_bytes(&db), "ann@example.com"),
        0,
        "no byte left"
    );

    // Bob's verdict stays, its words without Ann, its raw message gone and said so.
    let store = Store::open(&db).expect("store");
    let bob = store.recipient_history("bob@example.org").expect("bob");
    let bounce = bob.bounces.first().expect("bob's bounce stays");
    let detail = store.bounce_detail(bounce.id).expect("detail");
    assert!(
        detail.row.diagnostic.contains("[address removed]"),
        "{}",
        detail.row.diagnostic
    );
    assert!(detail.raw.is_empty());
    assert!(
        detail
            .fields
            .iter()
            .any(|(name, value)| *name == "Raw message" && value.contains("forgotten")),
        "{:?}",
        detail.fields
    );
    let list = store.load_list(None).expect("read").expect("the list");
    assert_eq!(
        list.list.rows.len(),
        1,
        "Ann's row is gone, the other stays"
    );
}

#[test]
fn retention_drops_old_raw_mail_and_keeps_every_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 48);
    let mut store = Store::open(&db).expect("store");
    let summary = |store: &Store| {
        serde_json::to_string(
            &store
                .summary(bouncedesk::store::stats::Period::ALL)
                .expect("sum"),
        )
        .expect("json")
    };
    let before = summary(&store);
    let mut settings = store.settings().expect("settings");
    settings.raw_retention_days = 1;
    store.save_settings(&settings).expect("save");
    // A day after the 24th report: the samples (older) and the first 24 reports go.
    let now = T0 + 24 * HOUR + 86_400;
    let dropped = store.drop_old_raw(now).expect("retention");
    assert!(dropped >= 24, "{dropped}");
    assert_eq!(summary(&store), before, "every count stays");
    let replay = store
        .reclassify(&store.classifier().expect("engine"), true)
        .expect("dry run");
    assert_eq!(
        replay.without_raw, dropped,
        "what has no raw message is skipped"
    );
    assert_eq!(replay.changed_messages, 0);
    assert_eq!(
        store.drop_old_raw(now).expect("again"),
        0,
        "nothing left to drop"
    );
}

#[test]
fn backups_open_and_match_and_every_file_is_the_users_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = plain_store(dir.path(), 30);
    succeeds(bouncedesk(
        &db,
        None,
        Some("backup key"),
        &["store", "encrypt", "--passphrase"],
    ));
    let copy = dir.path().join("copy.sqlite");
    let said = succeeds(bouncedesk(
        &db,
        Some("backup key"),
        None,
        &["store", "backup", &copy.to_string_lossy()],
    ));
    assert!(said.contains("backed up"), "{said}");
    assert_eq!(
        stats(&copy, Some("backup key")),
        stats(&db, Some("backup key"))
    );
    assert_eq!(
        occurrences(&store_bytes(&copy), "ann@example.com"),
        0,
        "encrypted too"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let store = Store::open(&db);
        assert!(
            store.is_err(),
            "no key at hand in this process: {:?}",
            store.err()
        );
        for file in [db.clone(), copy.clone()] {
            let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", file.display());
        }
    }
}

/// `bouncedesk --db DB ARGS…` with the OS keyring on `bus` (GNOME Keyring on a private
/// session bus), or with none.
fn with_keyring(db: &Path, bus: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bouncedesk"));
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BOUNCEDESK_STORE_PASSPHRASE")
        .env_remove("BOUNCEDESK_STORE_NEW_PASSPHRASE")
        .stdin(Stdio::null());
    match bus {
        Some(bus) => command.env("DBUS_SESSION_BUS_ADDRESS", bus),
        None => command.env_remove("DBUS_SESSION_BUS_ADDRESS"),
    };
    command.output().expect("bouncedesk runs")
}

#[test]
fn a_new_store_keeps_its_random_key_in_the_os_keyring() {
    let keyring = support::keyring::SecretService::start();
    let bus = Some(keyring.bus.as_str());
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/samples");
    let ingested = with_keyring(&db, bus, &["ingest", samples]);
    assert!(ingested.status.success());
    assert!(
        !String::from_utf8_lossy(&ingested.stderr).contains("NOT encrypted"),
        "a keyring is at hand: the new store is encrypted"
    );
    let status = succeeds(with_keyring(&db, bus, &["store", "status"]));
    assert!(status.contains("its key is in the OS keyring"), "{status}");
    assert_eq!(occurrences(&store_bytes(&db), "bo.larsen@gmail.com"), 0);
    let before = succeeds(with_keyring(&db, bus, &["stats", "--json"]));

    // Copied to a machine without that keyring, it does not open, and says why.
    let elsewhere = with_keyring(&db, None, &["stats"]);
    assert!(!elsewhere.status.success());
    assert!(
        String::from_utf8_lossy(&elsewhere.stderr).contains("no key for it was found"),
        "{}",
        String::from_utf8_lossy(&elsewhere.stderr)
    );

    // A backup, then two new keyring keys: the store and the backup made two keys ago both
    // still open.
    let backup = dir.path().join("backup.sqlite");
    succeeds(with_keyring(
        &db,
        bus,
        &["store", "backup", &backup.to_string_lossy()],
    ));
    succeeds(with_keyring(&db, bus, &["store", "rekey"]));
    succeeds(with_keyring(&db, bus, &["store", "rekey"]));
    assert_eq!(
        succeeds(with_keyring(&db, bus, &["stats", "--json"])),
        before
    );
    assert_eq!(
        succeeds(with_keyring(&backup, bus, &["stats", "--json"])),
        before
    );
}
