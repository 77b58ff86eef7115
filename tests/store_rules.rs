//! The review queue and the operator's own rules, on a real store file: groups of bounces that
//! say the same thing, one label for a whole group (and taking it back), a rule's effect shown
//! before it is written and equal to what is written, and rules applied by later ingests and
//! by `bouncedesk` from the command line.

mod support;

use bouncedesk::classify::{Class, OwnRule, OwnRules, Reason};
use bouncedesk::policy::State;
use bouncedesk::store::{Prepared, RuleChange, Source, Store};
use std::process::Command;
use support::{HOUR, T0, dsn};

/// A gateway's own wording that no table knows: the engine leaves it for review.
fn zorglub(id: usize, recipient: &str) -> String {
    dsn(
        id,
        recipient,
        "failed",
        "5.0.0",
        &format!("550 5.0.0 Zorglub has frobnicated {recipient} (ticket 4f3a{id:04})"),
        T0 + id as i64 * HOUR,
    )
}

fn ingest(store: &mut Store, first_id: usize, messages: &[String]) {
    let classifier = store.classifier().expect("the store's engine");
    let batch: Vec<Prepared> = messages
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let source = Source::File {
                path: format!("m{}.eml", first_id + i),
            };
            Prepared::new(source, raw.as_bytes(), &classifier).expect("prepared")
        })
        .collect();
    store.commit(&batch).expect("committed");
}

/// A store with twelve bounces in the gateway's wording and two one-offs.
fn reviewed_store(dir: &std::path::Path) -> Store {
    let mut store = Store::open(&dir.join("store.sqlite")).expect("store");
    let mut messages: Vec<String> = (1..=12)
        .map(|i| zorglub(i, &format!("person{i}@zorglub.example")))
        .collect();
    messages.push(dsn(
        13,
        "odd@one.example",
        "failed",
        "5.0.0",
        "550 5.0.0 The moon is in the wrong phase",
        T0,
    ));
    messages.push(dsn(
        14,
        "odd@two.example",
        "failed",
        "5.0.0",
        "550 5.0.0 Please stand on one leg and try again",
        T0,
    ));
    ingest(&mut store, 1, &messages);
    store
}

fn frobnicated_means_gone() -> OwnRule {
    OwnRule {
        id: 0,
        phrase: "has frobnicated".to_string(),
        status: None,
        reporting_mta: None,
        class: Class::Hard,
        reason: Reason::UserUnknown,
        note: "the gateway's word for a closed account".to_string(),
    }
}

#[test]
fn one_decision_labels_a_whole_group_and_can_be_taken_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = reviewed_store(dir.path());
    let groups = store.review_groups().expect("groups");
    assert_eq!(groups.len(), 3, "{groups:#?}");
    let biggest = &groups[0];
    assert_eq!(biggest.ids.len(), 12);
    assert_eq!(biggest.examples.len(), 3);
    assert_eq!(biggest.status.as_deref(), Some("5.0.0"));
    assert_eq!(
        biggest.signature,
        "550 5.0.0 zorglub has frobnicated ADDRESS (ticket ID)"
    );
    assert!(biggest.first < biggest.last);

    let undo = store
        .label_bounces(&biggest.ids, Class::Hard, Reason::UserUnknown, "closed")
        .expect("labelled");
    assert_eq!(undo.bounces(), 12);
    assert_eq!(store.review_groups().expect("groups").len(), 2);
    let state = |store: &Store| {
        store
            .recipient("person3@zorglub.example")
            .expect("read")
            .map(|r| r.state)
    };
    assert_eq!(state(&store), Some(State::Suppressed));

    store.undo_labels(&undo).expect("undone");
    assert_eq!(store.review_groups().expect("groups")[0].ids.len(), 12);
    assert_eq!(
        state(&store),
        Some(State::Active),
        "the label's effect is gone"
    );
}

#[test]
fn a_rules_preview_is_what_it_writes_and_later_mail_follows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = reviewed_store(dir.path());
    let change = RuleChange::Add(frobnicated_means_gone());
    let preview = store.rule_effect(&change).expect("preview");
    assert_eq!(preview.changes.len(), 12);
    assert_eq!(
        preview
            .by_transition
            .get("unknown/onhold → hard/userunknown"),
        Some(&12)
    );
    assert!(!preview.applied);
    assert_eq!(
        store.review_groups().expect("groups")[0].ids.len(),
        12,
        "nothing written"
    );

    let (id, written) = store.change_rule(&change).expect("applied");
    assert_eq!(
        written.changes, preview.changes,
        "the preview is what is written"
    );
    assert_eq!(store.rules().expect("rules")[0].id, id);
    let classifier = store.classifier().expect("engine");
    let again = store.reclassify(&classifier, true).expect("dry run");
    assert_eq!(
        again.changed_messages, 0,
        "the whole history agrees with the rule"
    );
    assert_eq!(store.review_groups().expect("groups").len(), 2);

    // A bounce that arrives later says the same thing: the rule decides it.
    ingest(&mut store, 20, &[zorglub(20, "late@zorglub.example")]);
    let late = store
        .recipient("late@zorglub.example")
        .expect("read")
        .expect("known");
    assert_eq!(late.state, State::Suppressed);

    // A narrower rule (a status code too) beats the broader one; removing it restores.
    let narrower = OwnRule {
        status: Some("5.0.0".to_string()),
        class: Class::Soft,
        reason: Reason::Suspend,
        ..frobnicated_means_gone()
    };
    let (narrow_id, _) = store
        .change_rule(&RuleChange::Add(narrower))
        .expect("second rule");
    assert_eq!(store.review_groups().expect("groups").len(), 2);
    let removed = store
        .change_rule(&RuleChange::Remove(narrow_id))
        .expect("removed")
        .1;
    assert_eq!(
        removed.by_transition.get("soft/suspend → hard/userunknown"),
        Some(&13)
    );
    let bad = RuleChange::Add(OwnRule {
        phrase: "a".to_string(),
        ..frobnicated_means_gone()
    });
    assert!(
        store.rule_effect(&bad).is_err(),
        "a rule must say something"
    );

    let text = OwnRules::new(store.rules().expect("rules")).to_text();
    assert_eq!(
        OwnRules::parse(&text).expect("round trip")[0].phrase,
        "has frobnicated"
    );
}

#[test]
fn the_command_line_makes_rules_that_ingest_and_reclassify_apply() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).expect("folder");
    for i in 1..=3 {
        std::fs::write(
            mail.join(format!("{i}.eml")),
            zorglub(i, &format!("p{i}@zorglub.example")),
        )
        .expect("write");
    }
    let bouncedesk = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .expect("runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    };
    let mail_path = mail.to_string_lossy().into_owned();
    bouncedesk(&["ingest", &mail_path]);
    let preview = bouncedesk(&[
        "rules",
        "add",
        "--phrase",
        "Has Frobnicated",
        "--class",
        "hard",
        "--dry-run",
    ]);
    assert!(
        preview.contains("3 × unknown/onhold → hard/userunknown"),
        "{preview}"
    );
    assert!(preview.contains("dry run"), "{preview}");
    bouncedesk(&[
        "rules",
        "add",
        "--phrase",
        "Has Frobnicated",
        "--class",
        "hard",
    ]);
    let listed = bouncedesk(&["rules", "list"]);
    assert!(listed.contains("\"has frobnicated\""), "{listed}");
    // New mail through ingest follows the rule; a reclassify finds nothing left to change.
    std::fs::write(mail.join("4.eml"), zorglub(4, "p4@zorglub.example")).expect("write");
    bouncedesk(&["ingest", &mail_path]);
    let store = Store::open(&db).expect("store");
    assert_eq!(
        store
            .recipient("p4@zorglub.example")
            .expect("read")
            .map(|r| r.state),
        Some(State::Suppressed)
    );
    drop(store);
    let replay = bouncedesk(&["reclassify", "--dry-run"]);
    assert!(replay.contains("0 would change"), "{replay}");
    // Rules travel as text: export, remove, import again.
    let file = dir.path().join("rules.txt");
    bouncedesk(&["rules", "export", "--output", &file.to_string_lossy()]);
    bouncedesk(&["rules", "remove", "1"]);
    let imported = bouncedesk(&["rules", "import", &file.to_string_lossy()]);
    assert!(
        imported.contains("4 × unknown/onhold → hard/userunknown"),
        "{imported}"
    );
    let bounce: i64 = rusqlite::Connection::open(&db)
        .and_then(|conn| conn.query_row("SELECT MIN(id) FROM bounces", [], |row| row.get(0)))
        .expect("a bounce");
    let labelled = bouncedesk(&[
        "label",
        &bounce.to_string(),
        "--class",
        "sender",
        "--reason",
        "blocked",
    ]);
    assert!(labelled.contains("sender/blocked"), "{labelled}");
}
