//! The offer made after an engine upgrade: the stored history was classified by an older
//! engine, so the window shows what today's would change there (the same dry run as
//! `bouncedesk reclassify --dry-run`) and replays it only when the operator says so.

use super::jobs::EngineUpgrade;
use egui::{RichText, Ui};

/// What the operator chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeChoice {
    /// Replay the history and write the changes.
    Apply,
    /// Keep the history as it is for now (asked again at the next start).
    NotNow,
}

/// Draws the offer; `busy` while the replay runs.
pub fn show(ui: &mut Ui, offer: &EngineUpgrade, busy: bool) -> Option<UpgradeChoice> {
    let mut choice = None;
    ui.label(
        RichText::new(format!(
            "Bounce Desk's engine has improved since {} of your stored messages were \
             classified. Re-classifying them with today's engine (and your rules and labels, \
             which still win):",
            super::look::count(offer.outdated)
        ))
        .strong(),
    );
    super::rule_form::show_effect(ui, &offer.effect);
    ui.horizontal(|ui| {
        if busy {
            ui.spinner();
            ui.label("Re-classifying the history…");
            return;
        }
        if ui.button("Re-classify the history").clicked() {
            choice = Some(UpgradeChoice::Apply);
        }
        if ui
            .button("Not now")
            .on_hover_text("Asked again at the next start; new mail uses today's engine anyway")
            .clicked()
        {
            choice = Some(UpgradeChoice::NotNow);
        }
    });
    choice
}
