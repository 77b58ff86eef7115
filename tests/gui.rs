//! The window, headless (egui_kittest, rendered by wgpu on Mesa's software drivers for the
//! snapshots): first run, the demo, the dashboard's numbers against the store, chart bars
//! that filter the table, the table's detail, and a picture of every main view.

mod support;

use bouncedesk::gui::View;
use bouncedesk::store::Store;
use bouncedesk::store::browse::BounceFilter;
use egui_kittest::kittest::Queryable as _;
use support::window::{
    NOW, click, click_at, demo, match_count, select_first_row, settle, shows, type_into,
    wait_until, window,
};

/// This week (Monday 23 to Thursday 26 November 2026) as the dashboard's default period.
fn this_week() -> bouncedesk::store::stats::Period {
    bouncedesk::gui::Range::ThisWeek.period(NOW / 86_400)
}

#[test]
fn first_run_offers_the_demo_and_its_dashboard_shows_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut harness = window(&dir.path().join("store.sqlite"), false);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Welcome);
    assert!(shows(&harness, "Add account"));
    harness.snapshot("welcome");

    click(&mut harness, "Open the demo mailbox");
    settle(&mut harness);
    assert!(harness.state().is_demo());
    assert_eq!(harness.state().view, View::Dashboard);

    // Every headline is the store's own number for the period.
    let store = Store::open(harness.state().store_path()).expect("demo store");
    let summary = store.summary(this_week()).expect("summary");
    for (class, label) in [
        ("hard", "Hard"),
        ("soft", "Soft"),
        ("sender", "Sender-side"),
        ("complaint", "Complaint"),
    ] {
        let n = summary.by_class.get(class).copied().unwrap_or(0);
        assert!(n > 0, "the demo has {class} bounces this week");
        assert!(shows(&harness, label));
        assert!(
            harness.query_all_by_label(&n.to_string()).next().is_some(),
            "{label}: {n} not shown"
        );
    }
    let list = summary.list.expect("the demo imports a list");
    assert!(shows(&harness, &format!("{:.2} %", list.rate * 100.0)));
    let alert = &summary.sender_alerts[0];
    assert!(shows(&harness, &alert.message), "{}", alert.message);
    harness.snapshot("dashboard");
}

#[test]
fn clicking_a_chart_bar_filters_the_table() {
    let (_dir, mut harness) = demo();
    let store = Store::open(harness.state().store_path()).expect("demo store");

    // A domain bar: the table lists that domain's bounces, all of them.
    let bar = centre(&harness, "domains/yahoo.com");
    click_at(&mut harness, bar);
    settle(&mut harness);
    assert_eq!(harness.state().view, View::Bounces);
    let filter = &harness.state().table.filter;
    assert_eq!(filter.group.as_deref(), Some("yahoo.com"));
    let expected = store
        .bounce_ids(
            &BounceFilter {
                period: this_week(),
                group: Some("yahoo.com".into()),
                failures_only: true,
                ..BounceFilter::default()
            },
            Default::default(),
        )
        .expect("ids");
    assert_eq!(
        harness.state().reader.matches.as_deref(),
        Some(expected.as_slice())
    );
    assert!(shows(&harness, &format!("{} bounces", expected.len())));
    // As many as the bar says.
    let summary = store.summary(this_week()).expect("summary");
    let bar = summary
        .top_domains
        .iter()
        .find(|group| group.name == "yahoo.com");
    assert_eq!(bar.map(|group| group.bounces), Some(expected.len() as i64));
    let shown = expected.len().min(20);
    for index in 0..shown {
        let _ = harness.state_mut().reader.row(index); // asks for the page
    }
    settle(&mut harness);
    for index in 0..shown {
        let row = harness.state_mut().reader.row(index).cloned();
        assert_eq!(row.map(|row| row.domain).as_deref(), Some("yahoo.com"));
    }

    // Back to the dashboard; a class segment of one day's bar: that day, that class.
    click(&mut harness, "Dashboard");
    settle(&mut harness);
    let (name, bar) = harness
        .state()
        .dashboard
        .bar_centres
        .iter()
        .find(|(name, _)| name.starts_with("time/") && name.ends_with("/sender"))
        .cloned()
        .expect("a sender-side segment on the time chart");
    click_at(&mut harness, bar);
    settle(&mut harness);
    let table = &harness.state().table;
    assert_eq!(table.filter.class.as_deref(), Some("sender"), "{name}");
    let (day, days) = table.days.expect("a day filter");
    assert_eq!(days, 1);
    assert!(name.contains(&bouncedesk_day(day)), "{name}");
    let rows = match_count(&harness);
    assert!(rows > 0);

    // Clearing the chip widens the table again.
    harness.get_by_label_contains("Days:").click();
    harness.run_steps(2);
    settle(&mut harness);
    assert_eq!(harness.state().table.days, None);
    let wider = match_count(&harness);
    assert!(wider > rows);

    // An alert's "Show" lists exactly the bounces it counts.
    click(&mut harness, "Dashboard");
    settle(&mut harness);
    show_first_alert(&mut harness, &store, this_week());

    // Also when the period is longer than the alert's 30 days.
    click(&mut harness, "Dashboard");
    click(&mut harness, "Period");
    click(&mut harness, "Last 90 days");
    settle(&mut harness);
    let quarter = bouncedesk::gui::Range::Last90Days.period(NOW / 86_400);
    show_first_alert(&mut harness, &store, quarter);
}

/// Clicks the first sender alert's "Show N" and checks the table lists exactly N.
fn show_first_alert(
    harness: &mut egui_kittest::Harness<'static, bouncedesk::gui::BounceDesk>,
    store: &Store,
    period: bouncedesk::store::stats::Period,
) {
    let alert = store.summary(period).expect("summary").sender_alerts[0].clone();
    click(harness, &format!("Show {}", alert.count));
    settle(harness);
    assert_eq!(
        match_count(harness),
        alert.count as usize,
        "{}",
        alert.message
    );
}

#[test]
fn table_rows_open_their_detail_with_the_raw_message() {
    let (_dir, mut harness) = demo();
    click(&mut harness, "Bounces");
    settle(&mut harness);
    type_into(&mut harness, "Search", "old-startup");
    settle(&mut harness);
    let first = harness.state_mut().reader.row(0).cloned().expect("a row");
    assert_eq!(first.domain, "old-startup.example");
    // Keyboard: Down selects the first row and opens its detail.
    select_first_row(&mut harness);
    wait_until(&mut harness, "the detail", |harness| {
        harness.state().reader.detail.is_some()
    });
    assert!(shows(&harness, "Why:"));
    assert!(shows(&harness, "Host or domain name not found"));
    assert!(
        shows(&harness, "Return-Path: <>"),
        "the raw message, as text"
    );
    // A hard bounce: the address is suppressed, and can be kept by hand.
    assert!(shows(&harness, "Suppressed since"));
    harness.snapshot("bounces");
    click(&mut harness, "Keep on the list");
    settle(&mut harness);
    wait_until(&mut harness, "the new state", |h| {
        h.state().reader.detail_of(first.id).is_some()
    });
    let store = Store::open(harness.state().store_path()).expect("store");
    let state = || {
        let recipient = store.recipient(&first.recipient).expect("recipient");
        recipient.map(|recipient| recipient.state)
    };
    assert_eq!(state(), Some(bouncedesk::policy::State::Kept));
    assert!(shows(&harness, "Kept by hand since"));
    // Handed back, it starts afresh: the bounces before it was kept no longer count.
    click(&mut harness, "Hand back to the policy");
    settle(&mut harness);
    assert_eq!(state(), Some(bouncedesk::policy::State::Active));
}

#[test]
fn the_accounts_form_says_what_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut harness = window(&dir.path().join("store.sqlite"), false);
    settle(&mut harness);
    click(&mut harness, "Add account");
    assert_eq!(harness.state().view, View::Accounts);
    assert!(shows(
        &harness,
        "Fill in a name, the server and the user name."
    ));
    type_into(&mut harness, "Name", "Newsletter");
    type_into(&mut harness, "Server", "imap.example.org");
    type_into(&mut harness, "User name", "bounces@example.org");
    type_into(&mut harness, "Port", "99999");
    assert!(shows(&harness, "is not a port number"));
    type_into(&mut harness, "Port", "993");
    assert!(!shows(&harness, "is not a port number"));
    harness.snapshot("accounts");
}

/// Where the dashboard drew the bar named `name`.
fn centre(
    harness: &egui_kittest::Harness<'static, bouncedesk::gui::BounceDesk>,
    name: &str,
) -> egui::Pos2 {
    harness
        .state()
        .dashboard
        .bar_centres
        .iter()
        .find(|(bar, _)| bar == name)
        .map(|(_, at)| *at)
        .unwrap_or_else(|| panic!("no bar {name}"))
}

/// A day number as the chart names it (`2026-11-26`).
fn bouncedesk_day(day: i64) -> String {
    jiff::Timestamp::from_second(day * 86_400)
        .expect("a day")
        .strftime("%Y-%m-%d")
        .to_string()
}

#[test]
fn an_unknown_bounce_labelled_by_hand_leaves_the_queue() {
    let (_dir, mut harness) = demo();
    click(&mut harness, "Period");
    click(&mut harness, "All time");
    settle(&mut harness);
    click(&mut harness, "Bounces");
    // The demo's unclear notices: each one's detail fits the window, label form included.
    type_into(&mut harness, "Search", "contact the administrator");
    settle(&mut harness);
    assert!(match_count(&harness) >= 2, "the demo has unknown notices");
    let in_review = |harness: &egui_kittest::Harness<'static, bouncedesk::gui::BounceDesk>| {
        let groups = harness
            .state()
            .reader
            .review
            .as_ref()
            .expect("the review queue");
        groups.iter().map(|group| group.ids.len()).sum::<usize>()
    };
    let before = in_review(&harness);
    let first = harness.state_mut().reader.row(0).cloned().expect("a row");
    assert_eq!(first.class, "unknown");

    select_first_row(&mut harness);
    wait_until(&mut harness, "the detail", |h| {
        h.state().reader.detail_of(first.id).is_some()
    });
    harness.get_by_label("Label class").click();
    harness.run_steps(2);
    click(&mut harness, "Sender-side");
    click(&mut harness, "Save label");
    settle(&mut harness);

    let store = Store::open(harness.state().store_path()).expect("store");
    let detail = store.bounce_detail(first.id).expect("the bounce");
    assert_eq!(detail.row.class, "sender");
    assert!(detail.why.contains("by hand"), "{}", detail.why);
    assert_eq!(
        in_review(&harness),
        before - 1,
        "labelled: no longer on hold"
    );
    assert_eq!(
        harness.state().table.selected,
        Some(0),
        "the table keeps its place"
    );
    assert!(shows(&harness, "by hand."));

    // Done labelling: the window offers to let the model learn from the label.
    assert_eq!(store.local_model().expect("read"), None);
    click(&mut harness, "Retrain the reason model");
    settle(&mut harness);
    let model = store
        .local_model()
        .expect("read")
        .expect("a retrained model");
    assert_eq!(
        model.document_count(),
        bouncedesk::classify::TextModel::builtin().document_count() + 1,
        "the shipped bounces and the one label"
    );
    assert!(shows(&harness, "learns from 1 label(s) of yours"));
    assert!(
        harness.query_by_label("Retrain the reason model").is_none(),
        "offered once per labelling session"
    );
}

/// The weekly loop in the window: the review queue's biggest group labelled with one key, the
/// decision made a rule whose preview equals the store's own dry run, the rule applied (and
/// listed), the dashboard's unknowns down by the group's size, the command line's `ingest`
/// and `reclassify` following the rule, then the cleaned list and Mailchimp's file exported
/// without the addresses now suppressed.
#[test]
fn a_review_decision_becomes_a_rule() {
    use bouncedesk::classify::OwnRule;
    use bouncedesk::store::RuleChange;
    let (dir, mut harness) = demo();
    let rules_before = Store::open(harness.state().store_path())
        .and_then(|store| store.rules())
        .expect("rules")
        .len();
    click(&mut harness, "Period");
    click(&mut harness, "All time");
    settle(&mut harness);
    let unknowns = |harness: &egui_kittest::Harness<'static, bouncedesk::gui::BounceDesk>| {
        let summaries = harness
            .state()
            .reader
            .summaries
            .as_ref()
            .expect("summaries");
        summaries
            .current
            .by_class
            .get("unknown")
            .copied()
            .unwrap_or(0)
    };
    let before = unknowns(&harness);
    click(&mut harness, "Review");
    settle(&mut harness);
    let group = harness.state().reader.review.as_ref().expect("groups")[0].clone();
    assert!(group.ids.len() >= 10, "the demo's biggest group: {group:?}");
    assert!(shows(
        &harness,
        &format!("{} bounce(s) say", group.ids.len())
    ));

    harness.key_press(egui::Key::H);
    harness.run_steps(2);
    settle(&mut harness);
    assert!(shows(
        &harness,
        &format!("Labelled {} bounce(s) Hard", group.ids.len())
    ));
    assert_eq!(unknowns(&harness), before - group.ids.len() as i64);
    let remaining = harness.state().reader.review.as_ref().expect("groups");
    assert!(remaining.iter().all(|g| g.signature != group.signature));

    click(&mut harness, "Make this a rule");
    click(&mut harness, "Preview rule");
    settle(&mut harness);
    let (asked, shown) = harness
        .state()
        .reader
        .rule_effect
        .as_deref()
        .cloned()
        .expect("a preview");
    let RuleChange::Add(OwnRule { phrase, .. }) = &asked else {
        panic!("a new rule: {asked:?}");
    };
    assert_eq!(phrase, "inbox parked by acmeguard");
    let mut store = Store::open(harness.state().store_path()).expect("store");
    let dry_run = store.rule_effect(&asked).expect("the store's own dry run");
    assert_eq!(shown.by_transition, dry_run.by_transition);
    assert_eq!(shown.changed_bounces(), group.ids.len());
    assert!(shows(
        &harness,
        &format!("Would change {} bounce(s)", group.ids.len())
    ));

    click(&mut harness, "Save rule");
    wait_until(&mut harness, "the rule applied", |h| {
        !h.state().jobs.changing_rule && h.state().settled()
    });
    let rules = store.rules().expect("rules");
    assert_eq!(rules.len(), rules_before + 1);
    let rule = rules.last().expect("the new rule");
    assert!(
        shows(&harness, &format!("Rule {} saved", rule.id)),
        "the rule's notice"
    );
    let again = store
        .reclassify(&store.classifier().expect("engine"), true)
        .expect("dry run");
    assert_eq!(again.changed_messages, 0, "the history follows the rule");
    assert_eq!(unknowns(&harness), before - group.ids.len() as i64);
    click(&mut harness, "Rules");
    settle(&mut harness);
    assert!(shows(&harness, "\"inbox parked by acmeguard\""));

    // The command line follows the rule made here: a new report through `bouncedesk ingest`
    // is decided by it, and `bouncedesk reclassify` finds nothing left to change.
    let template = include_str!("../assets/demo/gateway-parked.eml");
    let report = template
        .replace("{rcpt}", "new.hire@acme-corp.example")
        .replace("{domain}", "acme-corp.example")
        .replace("{date}", "Mon, 30 Nov 2026 09:00:00 +0000")
        .replace("{id}", "99999")
        .replace("{issue}", "200");
    let report_path = dir.path().join("parked.eml");
    std::fs::write(&report_path, report).expect("write");
    let bouncedesk = |args: &[&std::ffi::OsStr]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
            .arg("--db")
            .arg(harness.state().store_path())
            .args(args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    bouncedesk(&["ingest".as_ref(), report_path.as_os_str()]);
    let new_hire = store.recipient("new.hire@acme-corp.example").expect("read");
    assert_eq!(
        new_hire.map(|row| row.state),
        Some(bouncedesk::policy::State::Suppressed),
        "ingest applied the window's rule"
    );
    let replay = bouncedesk(&["reclassify".as_ref(), "--dry-run".as_ref()]);
    assert!(replay.contains("0 would change"), "{replay}");

    // Undo takes the group's labels back; the rule still decides the words.
    click(&mut harness, "Review");
    click(&mut harness, "Undo");
    settle(&mut harness);
    assert_eq!(unknowns(&harness), before - group.ids.len() as i64);

    // The week ends with the exports: the cleaned list leaves the group's addresses out and
    // keeps every other row as imported; Mailchimp's file lists every suppressed address.
    let group_addresses: std::collections::HashSet<String> = group
        .examples
        .iter()
        .map(|example| example.recipient.clone())
        .collect();
    click(&mut harness, "Lists");
    settle(&mut harness);
    let cleaned = dir.path().join("cleaned.csv");
    harness.state_mut().export_to(cleaned.clone());
    settle(&mut harness);
    let kept = assert_cleaned(&store, "Weekly Notes (demo)", &cleaned);
    assert!(kept.is_disjoint(&group_addresses), "the group is left out");

    harness.get_by_label("Export format").click();
    harness.run_steps(2);
    click(&mut harness, "Mailchimp suppression (import as cleaned)");
    settle(&mut harness);
    let mailchimp = dir.path().join("mailchimp.csv");
    harness.state_mut().export_to(mailchimp.clone());
    settle(&mut harness);
    let mut reader = csv::Reader::from_path(&mailchimp).expect("the Mailchimp file");
    let header = reader.headers().expect("a header").clone();
    assert_eq!(header.get(0), Some("Email Address"));
    let written: std::collections::HashSet<String> = reader
        .records()
        .map(|record| {
            record
                .expect("a row")
                .get(0)
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let suppressed = suppressed_addresses(&store);
    assert_eq!(written, suppressed, "every suppressed address, once");
    assert!(group_addresses.is_subset(&written));
}

/// Every address the policy has suppressed.
fn suppressed_addresses(store: &Store) -> std::collections::HashSet<String> {
    store
        .suppressed()
        .expect("suppressed")
        .into_iter()
        .map(|row| row.recipient)
        .collect()
}

/// Checks the cleaned export at `path` against the stored list `name`: the same header, and
/// every row whose address is not suppressed, in order, cell for cell. Returns the addresses
/// written.
fn assert_cleaned(
    store: &Store,
    name: &str,
    path: &std::path::Path,
) -> std::collections::HashSet<String> {
    let suppressed = suppressed_addresses(store);
    let stored = store
        .load_list(Some(name))
        .expect("read")
        .expect("the stored list");
    let written =
        bouncedesk::lists::read_list(&std::fs::read(path).expect("written")).expect("a list");
    assert_eq!(written.header, stored.list.header);
    let expected: Vec<&Vec<String>> = stored
        .list
        .rows
        .iter()
        .filter(|row| !suppressed.contains(&row.email))
        .map(|row| &row.cells)
        .collect();
    let got: Vec<&Vec<String>> = written.rows.iter().map(|row| &row.cells).collect();
    assert_eq!(got, expected, "every kept row, cell for cell");
    assert!(
        expected.len() < stored.list.rows.len(),
        "the list loses someone"
    );
    written.rows.into_iter().map(|row| row.email).collect()
}

/// Any address found, where it stands and why, every bounce it had, and a decision by hand
/// (with its note) that moves it at once and can be handed back.
#[test]
fn the_recipients_view_finds_an_address_and_decides_by_hand() {
    use bouncedesk::policy::State;
    use bouncedesk::store::RecipientFilter;
    let (_dir, mut harness) = demo();
    let store = Store::open(harness.state().store_path()).expect("store");
    let suppressed = RecipientFilter {
        text: String::new(),
        state: Some(State::Suppressed),
    };
    let (rows, _) = store.recipients(&suppressed).expect("recipients");
    let address = rows[0].recipient.clone();
    click(&mut harness, "Recipients");
    type_into(&mut harness, "Find address", &address);
    settle(&mut harness);
    let found = harness.state().reader.recipients.as_ref().expect("found");
    assert_eq!(found.1, 1, "one address matches");
    harness
        .get_by_label_contains(&format!("{address}  ·  Suppressed"))
        .click();
    harness.run_steps(2);
    settle(&mut harness);
    assert!(shows(&harness, "Suppressed since"));
    let history = harness.state().reader.history.as_ref().expect("history");
    assert!(!history.bounces.is_empty());
    assert!(history.lists.iter().any(|list| list.contains("demo")));

    type_into(&mut harness, "Decision note", "the subscriber wrote to us");
    click(&mut harness, "Keep on the list");
    settle(&mut harness);
    let state = |store: &Store| store.recipient(&address).expect("read").map(|r| r.state);
    assert_eq!(state(&store), Some(State::Kept));
    assert!(shows(&harness, "the subscriber wrote to us"));
    click(&mut harness, "Hand back to the policy");
    settle(&mut harness);
    assert_eq!(
        state(&store),
        Some(State::Active),
        "handed back: the bounces before the keep no longer count"
    );
    click(&mut harness, "Suppress by hand");
    settle(&mut harness);
    let row = store.recipient(&address).expect("read").expect("known");
    assert!(row.reason.contains("suppressed by hand"), "{}", row.reason);
}

/// Settings: the policy changed in the window re-evaluates the recipients at once, the
/// bounce-rate line follows, and a VERP character that cannot work is refused in words.
#[test]
fn settings_change_the_policy_and_the_lines() {
    let (_dir, mut harness) = demo();
    let store = Store::open(harness.state().store_path()).expect("store");
    let before = store.settings().expect("settings");
    click(&mut harness, "Settings");
    settle(&mut harness);
    type_into(&mut harness, "List bounce-rate line", "3.5");
    type_into(&mut harness, "Soft bounces in a row that suppress", "2");
    click(&mut harness, "Save settings");
    settle(&mut harness);
    let after = store.settings().expect("settings");
    assert_eq!(after.rate_line_percent, 3.5);
    assert_eq!(after.thresholds.soft_bounces, 2);
    assert_ne!(after, before);
    assert!(shows(&harness, "Settings saved"));
    let summaries = harness
        .state()
        .reader
        .summaries
        .as_ref()
        .expect("summaries");
    assert_eq!(summaries.current.rate_line, 0.035);

    type_into(&mut harness, "Separator", "a");
    harness.run_steps(2);
    assert!(shows(&harness, "does not fit verp.separator"));
}

/// Lists in and out: a file read and previewed (tool, column, rows skipped and why) before it
/// is stored; the cleaned demo list exported with its counts shown first, without the
/// suppressed addresses and every other cell as imported; an existing file replaced only
/// after asking.
#[test]
fn lists_are_previewed_imported_and_exported_cleaned() {
    let (dir, mut harness) = demo();
    let csv = dir.path().join("newcomers.csv");
    std::fs::write(
        &csv,
        "Email Address,First Name\nnew.one@example.org,New\nnot an address,X\nnew.one@example.org,Again\n",
    )
    .expect("write");
    harness.state_mut().read_list_file(csv.clone());
    settle(&mut harness);
    assert!(shows(&harness, "1 subscriber(s) · from a plain CSV"));
    assert!(shows(&harness, "2 row(s) will be skipped"));
    let store = Store::open(harness.state().store_path()).expect("store");
    assert_eq!(
        store.list_names().expect("lists").len(),
        1,
        "nothing stored yet"
    );
    click(&mut harness, "Import list");
    settle(&mut harness);
    assert!(shows(&harness, "newcomers: 1 subscriber(s) imported"));
    assert_eq!(store.list_names().expect("lists").len(), 2);

    // The cleaned demo list.
    harness.get_by_label("List to clean").click();
    harness.run_steps(2);
    harness
        .get_by_label_contains("Weekly Notes (demo) (2,400)")
        .click();
    harness.run_steps(2);
    settle(&mut harness);
    let suppressed = suppressed_addresses(&store);
    let demo_list = store
        .load_list(Some("Weekly Notes (demo)"))
        .expect("read")
        .expect("the demo list");
    let kept = demo_list
        .list
        .rows
        .iter()
        .filter(|row| !suppressed.contains(&row.email))
        .count();
    let removed = demo_list.list.rows.len() - kept;
    assert!(shows(
        &harness,
        &format!(
            "{} kept, {removed} removed",
            bouncedesk::human::count(kept as i64)
        )
    ));
    let target = dir.path().join("cleaned.csv");
    harness.state_mut().export_to(target.clone());
    settle(&mut harness);
    assert_cleaned(&store, "Weekly Notes (demo)", &target);

    // A file that exists is replaced only after asking.
    std::fs::write(&target, "precious").expect("write");
    harness.state_mut().export_to(target.clone());
    harness.run_steps(2);
    assert!(shows(&harness, "exists. Replace it?"));
    click(&mut harness, "Keep it");
    settle(&mut harness);
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "precious");
    harness.state_mut().export_to(target.clone());
    harness.run_steps(2);
    click(&mut harness, "Replace it");
    settle(&mut harness);
    assert_ne!(std::fs::read_to_string(&target).expect("read"), "precious");
}

/// After an engine upgrade the window offers to replay the history, shows what that would
/// change first, and writes it only when asked; a replay that changes nothing is done
/// without asking.
#[test]
fn after_an_engine_upgrade_the_history_is_replayed_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/samples");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bouncedesk"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", samples])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let sql = rusqlite::Connection::open(&db).expect("sql");
    let store = Store::open(&db).expect("store");

    // Classified by an "older engine" that said the same: marked current without a word.
    sql.execute("UPDATE messages SET engine_version = 1", [])
        .expect("age");
    let mut harness = window(&db, false);
    settle(&mut harness);
    assert!(harness.state().upgrade_offer.is_none());
    assert_eq!(store.messages_by_older_engine().expect("count"), 0);
    drop(harness);

    // One the older engine could not decide: the offer shows the change before writing it.
    let messages = sql
        .execute("UPDATE messages SET engine_version = 1", [])
        .expect("age");
    let (hard, message, recipient): (i64, i64, String) = sql
        .query_row(
            "SELECT id, message_id, recipient_key FROM bounces WHERE engine_class = 'hard'
             ORDER BY id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("a hard bounce");
    sql.execute(
        "UPDATE bounces SET class = 'unknown', reason = 'onhold', engine_class = 'unknown',
             engine_reason = 'onhold' WHERE id = ?1",
        [hard],
    )
    .expect("older verdict");
    let mut harness = window(&db, false);
    settle(&mut harness);
    assert!(shows(
        &harness,
        &format!("has improved since {messages} of your stored messages")
    ));
    assert!(shows(
        &harness,
        "Would change 1 bounce(s): 1 unknown/onhold -> hard/"
    ));
    assert_eq!(
        store.messages_by_older_engine().expect("count"),
        messages as i64,
        "nothing written before the operator says so"
    );
    click(&mut harness, "Re-classify the history");
    settle(&mut harness);
    assert!(shows(
        &harness,
        "Re-classified the history with today's engine: 1 bounce(s) changed."
    ));
    assert_eq!(store.messages_by_older_engine().expect("count"), 0);
    let class: String = sql
        .query_row(
            "SELECT class FROM bounces WHERE message_id = ?1 AND recipient_key = ?2",
            rusqlite::params![message, recipient],
            |row| row.get(0),
        )
        .expect("replayed");
    assert_eq!(class, "hard");
    assert!(harness.query_by_label("Re-classify the history").is_none());
}
