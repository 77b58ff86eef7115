//! Driving the real window headless with egui_kittest: building it on a store, waiting for
//! its threads (reader, sync, connection test), typing into fields by their labels.

use bouncedesk::gui::{BounceDesk, Start};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// Thursday 26 November 2026, 15:00 UTC: "now" for every window test, so that pictures and
/// numbers do not change from day to day.
pub const NOW: i64 = 1_795_705_200;

/// The window on the store at `store` (created if missing), `demo` to open the demo instead.
pub fn window(store: &Path, demo: bool) -> Harness<'static, BounceDesk> {
    let start = Start {
        store: store.to_path_buf(),
        demo,
        now: Some(NOW),
        ..Start::default()
    };
    Harness::builder()
        .with_size(egui::vec2(1280.0, 820.0))
        .with_max_steps(20)
        .build_eframe(move |cc| BounceDesk::new(cc, start))
}

/// Runs frames until `done` holds (threads answer between frames); panics after 60 s.
pub fn wait_until(
    harness: &mut Harness<'static, BounceDesk>,
    what: &str,
    done: impl Fn(&Harness<'static, BounceDesk>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        if done(harness) {
            // A few more frames so that what arrived is laid out and drawn.
            harness.run_steps(3);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; the window says: {:?} {:?}",
            harness.state().notice,
            harness.state().problem
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until the reader has answered everything asked.
pub fn settle(harness: &mut Harness<'static, BounceDesk>) {
    wait_until(harness, "the store reader", |harness| {
        harness.state().settled()
    });
}

/// Clicks the widget labelled `label` and runs a few frames.
pub fn click(harness: &mut Harness<'static, BounceDesk>, label: &str) {
    harness.get_by_label(label).click();
    harness.run_steps(3);
}

/// Replaces the text of the field labelled `label` with `text`.
pub fn type_into(harness: &mut Harness<'static, BounceDesk>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run_steps(1);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    harness.get_by_label(label).type_text(text);
    harness.run_steps(2);
}

/// Clicks the window at `position` (a point on a chart, say).
pub fn click_at(harness: &mut Harness<'static, BounceDesk>, position: egui::Pos2) {
    harness.hover_at(position);
    harness.run_steps(1);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: position,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.run_steps(1);
    }
    harness.run_steps(2);
}

/// True when some node's label contains `text`.
pub fn shows(harness: &Harness<'static, BounceDesk>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

/// The window on a fresh demo mailbox, its data loaded (keep the folder alive with it).
pub fn demo() -> (tempfile::TempDir, Harness<'static, BounceDesk>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut harness = window(&dir.path().join("store.sqlite"), true);
    settle(&mut harness);
    (dir, harness)
}

/// How many bounces the table lists.
pub fn match_count(harness: &Harness<'static, BounceDesk>) -> usize {
    harness
        .state()
        .reader
        .matches
        .as_ref()
        .map_or(0, |ids| ids.len())
}

/// Selects the table's first row with the keyboard (out of the search field, then Down).
pub fn select_first_row(harness: &mut Harness<'static, BounceDesk>) {
    harness.get_by_label("Search").focus();
    harness.run_steps(1);
    harness.key_press(egui::Key::Escape);
    harness.run_steps(1);
    harness.key_press(egui::Key::ArrowDown);
    settle(harness);
}
