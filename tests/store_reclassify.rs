//! Re-classification and labels given by hand: an older engine's verdicts are replaced (only
//! without `--dry-run`), and a person's label survives every replay.

mod support;

use bouncedesk::classify::{Class, Classifier, Reason};
use bouncedesk::policy::State;
use bouncedesk::store::{Prepared, Source, Store};
use support::{T0, dsn, hard};

/// The policy state of an address, if it ever bounced.
fn state_of(store: &Store, address: &str) -> Option<State> {
    store.recipient(address).expect("read").map(|r| r.state)
}

fn ingest(store: &mut Store, messages: &[String]) {
    let classifier = Classifier::default();
    let batch: Vec<Prepared> = messages
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let source = Source::File {
                path: format!("m{i}.eml"),
            };
            Prepared::new(source, raw.as_bytes(), &classifier).expect("prepared")
        })
        .collect();
    store.commit(&batch).expect("committed");
}

#[test]
fn reclassify_replaces_old_verdicts_and_keeps_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    let mut store = Store::open(&path).expect("store");
    let puzzling = dsn(
        2,
        "bo@example.org",
        "failed",
        "5.0.0",
        "550 it did not work",
        T0,
    );
    ingest(&mut store, &[hard(1, "ann@example.com", T0), puzzling]);
    assert_eq!(
        state_of(&store, "bo@example.org"),
        Some(State::Active),
        "an unknown verdict counts for nothing"
    );

    // A person reviews the unknown bounce and says it is a dead address.
    let conn = rusqlite::Connection::open(&path).expect("raw connection");
    let bo_bounce: i64 = conn
        .query_row(
            "SELECT id FROM bounces WHERE recipient_key = 'bo@example.org'",
            [],
            |r| r.get(0),
        )
        .expect("bounce id");
    store
        .label(
            bo_bounce,
            Class::Hard,
            Reason::UserUnknown,
            "checked with the reader",
        )
        .expect("labelled");
    assert_eq!(state_of(&store, "bo@example.org"), Some(State::Suppressed));

    // Pretend an older engine had called ann's bounce "unknown".
    conn.execute(
        "UPDATE bounces SET engine_class = 'unknown', engine_reason = 'undefined'
         WHERE recipient_key = 'ann@example.com'",
        [],
    )
    .expect("tamper");

    let dry = store
        .reclassify(&Classifier::default(), true)
        .expect("dry run");
    assert_eq!(dry.changed_messages, 1);
    assert!(!dry.applied);
    assert_eq!(dry.changes[0].old, "unknown/undefined");
    assert_eq!(dry.changes[0].new, "hard/userunknown");
    let still_old: String = conn
        .query_row(
            "SELECT engine_class FROM bounces WHERE recipient_key = 'ann@example.com'",
            [],
            |r| r.get(0),
        )
        .expect("read");
    assert_eq!(still_old, "unknown", "a dry run writes nothing");

    let applied = store
        .reclassify(&Classifier::default(), false)
        .expect("applied");
    assert_eq!(applied.changed_messages, 1);
    let again = store
        .reclassify(&Classifier::default(), true)
        .expect("dry run");
    assert_eq!(again.changed_messages, 0, "nothing left to change");

    let (class, reason): (String, String) = conn
        .query_row(
            "SELECT class, reason FROM bounces WHERE recipient_key = 'bo@example.org'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("read");
    assert_eq!(
        (class.as_str(), reason.as_str()),
        ("hard", "userunknown"),
        "the label still wins"
    );
    roll_ups_match_the_bounces(&conn);
    assert_eq!(state_of(&store, "bo@example.org"), Some(State::Suppressed));
}

/// The roll-up tables must say what a GROUP BY over the bounces says, after every kind of
/// write (insert, label, reclassify).
fn roll_ups_match_the_bounces(conn: &rusqlite::Connection) {
    let pairs = [
        (
            "SELECT day, class, reason, action = 'delayed', COUNT(*) FROM bounces GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            "SELECT day, class, reason, delayed, n FROM agg_day ORDER BY 1, 2, 3, 4",
        ),
        (
            "SELECT domain, class, COUNT(*) FROM bounces
             WHERE action <> 'delayed' AND class NOT IN ('not_bounce', 'auto_reply')
             GROUP BY 1, 2 ORDER BY 1, 2",
            "SELECT domain, class, n FROM agg_domain ORDER BY 1, 2",
        ),
        (
            "SELECT day, COALESCE(status, ''), COALESCE(reply_code, 0), class, COUNT(*) FROM bounces
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            "SELECT day, status, reply_code, class, n FROM agg_code ORDER BY 1, 2, 3, 4",
        ),
    ];
    for (truth, roll_up) in pairs {
        let rows = |sql: &str| -> Vec<String> {
            let mut query = conn.prepare(sql).expect("query");
            let columns = query.column_count();
            query
                .query_map([], |row| {
                    Ok((0..columns)
                        .map(|i| format!("{:?}", row.get_ref(i).expect("cell")))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .expect("rows")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(rows(roll_up), rows(truth), "{roll_up}");
    }
}

#[test]
fn kept_by_hand_overrides_and_can_be_undone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("store.sqlite")).expect("store");
    ingest(&mut store, &[hard(1, "ceo@example.com", T0)]);
    store
        .keep("CEO@example.com", true, "the boss")
        .expect("kept");
    let kept = store
        .recipient("ceo@example.com")
        .expect("read")
        .expect("known");
    assert_eq!(kept.state, State::Kept);
    assert!(kept.reason.contains("the boss"), "{}", kept.reason);
    // Released: the keep reset the history, so the old hard bounce no longer counts ...
    store.keep("ceo@example.com", false, "").expect("released");
    assert_eq!(state_of(&store, "ceo@example.com"), Some(State::Active));
    // ... but a new one does.
    let later = bouncedesk::store::now() + 60;
    ingest(&mut store, &[hard(2, "ceo@example.com", later)]);
    assert_eq!(state_of(&store, "ceo@example.com"), Some(State::Suppressed));
}
