//! The Settings view: the policy (how many soft bounces over how long suppress, when the count
//! starts over), the dashboard's bounce-rate line and alert threshold, how the sending tool
//! writes VERP addresses, where the data lives, how it is protected and how long raw mail is
//! kept, and the window's colours. The same settings `bouncedesk settings KEY VALUE` changes;
//! "Back up now" is `bouncedesk store backup`.

use crate::store::{Protection, Settings, Theme};
use egui::{DragValue, RichText, Ui};
use std::path::Path;

/// The Settings view's state: the settings as edited, until saved.
#[derive(Debug, Default)]
pub struct SettingsView {
    /// The settings being edited (`None` until the store's are read).
    pub editing: Option<Settings>,
    /// The store's settings, to tell whether anything changed.
    saved: Settings,
    /// The VERP characters as typed (checked when saved).
    separator: String,
    at_sign: String,
}

/// What the operator asked in the Settings view.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsAction {
    /// Store these settings.
    Save(Settings),
    /// Copy the store to a file the operator picks.
    BackUp,
}

impl SettingsView {
    /// Starts editing `settings` (the store's), dropping unsaved edits.
    pub fn load(&mut self, settings: Settings) {
        self.saved = settings.clone();
        self.edit(settings);
    }

    /// Puts `settings` in the fields (not saved yet).
    fn edit(&mut self, settings: Settings) {
        self.separator = settings.verp.separator.to_string();
        self.at_sign = settings.verp.at_sign.to_string();
        self.editing = Some(settings);
    }

    /// Draws the settings; returns what the operator asked. `folder` is where the data lives,
    /// `protection` how the store is protected (once known), `demo` true for the demo's
    /// throwaway store.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        folder: &Path,
        protection: Option<&Protection>,
        demo: bool,
    ) -> Option<SettingsAction> {
        let Some(editing) = &mut self.editing else {
            ui.spinner();
            return None;
        };
        let mut action = None;
        ui.heading("Settings");
        ui.label(RichText::new("When an address is removed").strong());
        egui::Grid::new("policy settings")
            .num_columns(2)
            .show(ui, |ui| {
                number_row(
                    ui,
                    "Soft bounces in a row that suppress",
                    &mut editing.thresholds.soft_bounces,
                    1..=50,
                    "",
                );
                number_row(
                    ui,
                    "…spanning at least",
                    &mut editing.thresholds.soft_span_hours,
                    0..=2_160,
                    " hours",
                );
                number_row(
                    ui,
                    "Start the count over after",
                    &mut editing.thresholds.soft_reset_days,
                    1..=365,
                    " days without a soft bounce",
                );
            });
        ui.label(
            "One hard bounce or one complaint suppresses at once; bounces caused by the sender \
             never do.",
        );
        ui.separator();
        ui.label(RichText::new("Dashboard").strong());
        egui::Grid::new("dashboard settings")
            .num_columns(2)
            .show(ui, |ui| {
                let label = ui.label("List bounce-rate line");
                ui.add(
                    DragValue::new(&mut editing.rate_line_percent)
                        .range(0.1..=50.0)
                        .speed(0.1)
                        .suffix(" %"),
                )
                .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Sender-side bounces that raise an alert");
                ui.add(
                    DragValue::new(&mut editing.alert_threshold)
                        .range(1..=100_000)
                        .suffix(" from one provider in 30 days"),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
        ui.separator();
        ui.label(RichText::new("Bounce addresses (VERP)").strong());
        ui.horizontal(|ui| {
            let label = ui.label("Separator");
            ui.add(egui::TextEdit::singleline(&mut self.separator).desired_width(24.0))
                .labelled_by(label.id);
            let label = ui.label("Stands for @");
            ui.add(egui::TextEdit::singleline(&mut self.at_sign).desired_width(24.0))
                .labelled_by(label.id);
        });
        let example = format!(
            "bounces{}ann{}example.com@lists.example.org names ann@example.com",
            self.separator, self.at_sign
        );
        ui.label(RichText::new(example).italics());
        ui.separator();
        ui.label(RichText::new("The window").strong());
        egui::ComboBox::from_label("Theme")
            .selected_text(match editing.theme {
                Theme::System => "Follow the system",
                Theme::Light => "Light",
                Theme::Dark => "Dark",
            })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut editing.theme, Theme::System, "Follow the system");
                ui.selectable_value(&mut editing.theme, Theme::Light, "Light");
                ui.selectable_value(&mut editing.theme, Theme::Dark, "Dark");
            });
        ui.separator();
        ui.label(RichText::new("Your data").strong());
        ui.label(format!("Data folder: {}", folder.display()))
            .on_hover_text("The store file and everything Bounce Desk keeps are here");
        if demo {
            ui.label(
                "The demo's store holds made-up mail and goes when you leave the demo; your own \
                 store is encrypted, with its key in the OS keyring or from a passphrase.",
            );
        } else if let Some(protection) = protection {
            let line = format!("The store is {}", protection.describe());
            match protection {
                Protection::Plain { .. } => {
                    ui.label(RichText::new(line).color(super::look::WARNING));
                }
                Protection::Keyring | Protection::Passphrase => {
                    ui.label(line);
                }
            }
        }
        egui::Grid::new("data settings")
            .num_columns(2)
            .show(ui, |ui| {
                number_row(
                    ui,
                    "Drop raw messages older than",
                    &mut editing.raw_retention_days,
                    0..=36_500,
                    " days (0 keeps them)",
                );
            });
        ui.label(
            "Verdicts, counts and history stay when a raw message goes; only re-classifying \
             needs it. Old raw mail is dropped after each sync.",
        );
        if ui
            .button("Back up now…")
            .on_hover_text("A copy of the store, encrypted like it, readable by you only")
            .clicked()
        {
            action = Some(SettingsAction::BackUp);
        }
        ui.separator();
        let mut candidate = editing.clone();
        let verp = candidate
            .set("verp.separator", &self.separator)
            .and_then(|()| candidate.set("verp.at_sign", &self.at_sign));
        if let Err(problem) = &verp {
            ui.label(RichText::new(problem).color(super::look::WARNING));
        }
        ui.horizontal(|ui| {
            let changed = candidate != self.saved;
            if ui
                .add_enabled(changed && verp.is_ok(), egui::Button::new("Save settings"))
                .clicked()
            {
                action = Some(SettingsAction::Save(candidate.clone()));
            }
            if ui.button("Defaults").clicked() {
                self.edit(Settings::default());
            }
        });
        action
    }
}

/// One whole-number setting: a label and a drag field with its unit.
fn number_row(
    ui: &mut Ui,
    name: &str,
    value: &mut u32,
    range: std::ops::RangeInclusive<u32>,
    unit: &str,
) {
    let label = ui.label(name);
    ui.add(DragValue::new(value).range(range).suffix(unit))
        .labelled_by(label.id);
    ui.end_row();
}
