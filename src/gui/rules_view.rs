//! The Rules view: the operator's own rules, each changeable and removable, every change shown
//! against the stored history before it is made.

use super::look::class_label;
use super::rule_form::{RuleForm, RuleFormAction, show_effect};
use crate::classify::OwnRule;
use crate::store::{ReclassifySummary, RuleChange};
use egui::{RichText, Ui};

/// The Rules view's state.
#[derive(Debug, Default)]
pub struct RulesView {
    /// The rule being changed.
    pub form: Option<RuleForm>,
    /// The rule whose removal is being weighed.
    pub removing: Option<i64>,
}

/// What the operator asked in the Rules view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesAction {
    /// Show what a change would do.
    Preview(RuleChange),
    /// Make a change.
    Save(RuleChange),
}

impl RulesView {
    /// Draws the rules; returns what the operator asked.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        rules: Option<&[OwnRule]>,
        effect: Option<&(RuleChange, ReclassifySummary)>,
        effect_pending: bool,
        saving: bool,
    ) -> Option<RulesAction> {
        let Some(rules) = rules else {
            ui.spinner();
            return None;
        };
        let mut action = None;
        ui.heading("Your rules");
        ui.label(
            "Each rule decides every bounce whose words hold its phrase (and its status or \
             server, when it names one), before the built-in tables — on every sync, ingest \
             and re-classification. Make one from a decision in the review queue.",
        );
        if rules.is_empty() {
            ui.label(RichText::new("No rules yet.").italics());
        }
        egui::Grid::new("rules")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for heading in ["Phrase", "Status", "Server", "Verdict", "Note", ""] {
                    ui.label(RichText::new(heading).strong());
                }
                ui.end_row();
                for rule in rules {
                    ui.label(format!("\"{}\"", rule.phrase));
                    ui.label(rule.status.as_deref().unwrap_or("any"));
                    ui.label(rule.reporting_mta.as_deref().unwrap_or("any"));
                    ui.label(format!(
                        "{} / {}",
                        class_label(rule.class.as_str()),
                        rule.reason
                    ));
                    ui.label(&rule.note);
                    ui.horizontal(|ui| {
                        if ui.button(format!("Change rule {}", rule.id)).clicked() {
                            self.removing = None;
                            self.form = Some(RuleForm::edit(rule));
                        }
                        if ui.button(format!("Remove rule {}", rule.id)).clicked() {
                            self.form = None;
                            self.removing = Some(rule.id);
                            action = Some(RulesAction::Preview(RuleChange::Remove(rule.id)));
                        }
                    });
                    ui.end_row();
                }
            });
        ui.separator();
        if let Some(id) = self.removing {
            let removal = RuleChange::Remove(id);
            ui.label(RichText::new(format!("Remove rule {id}?")).strong());
            match effect.filter(|(asked, _)| *asked == removal) {
                Some((_, summary)) => show_effect(ui, summary),
                None if effect_pending => {
                    ui.spinner();
                }
                None => {}
            }
            ui.horizontal(|ui| {
                let ready = effect.is_some_and(|(asked, _)| *asked == removal) && !saving;
                if ui
                    .add_enabled(ready, egui::Button::new("Remove it"))
                    .clicked()
                {
                    action = Some(RulesAction::Save(removal.clone()));
                    self.removing = None;
                }
                if ui.button("Keep it").clicked() {
                    self.removing = None;
                }
            });
        }
        if let Some(form) = &mut self.form {
            match form.show(ui, effect, effect_pending, saving) {
                Some(RuleFormAction::Preview(change)) => {
                    action = Some(RulesAction::Preview(change))
                }
                Some(RuleFormAction::Save(change)) => {
                    action = Some(RulesAction::Save(change));
                    self.form = None;
                }
                Some(RuleFormAction::Cancel) => self.form = None,
                None => {}
            }
        }
        action
    }
}
