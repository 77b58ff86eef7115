//! The form for one of the operator's own rules (made from a review decision, or edited in the
//! Rules view): the phrase and conditions, the verdict, and — before anything is saved — what
//! the rule would change in the stored history.

use super::labelling::verdict_pickers;
use super::look;
use crate::classify::{Class, OwnRule, Reason};
use crate::store::{ReclassifySummary, ReviewGroup, RuleChange, suggested_phrase};
use egui::{RichText, Ui};

/// How many changed bounces the preview lists by name.
pub(super) const EXAMPLES: usize = 5;

/// A rule as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleForm {
    /// The rule being edited (`None`: a new one).
    pub editing: Option<i64>,
    /// The words the server's reply must contain.
    pub phrase: String,
    status: Option<String>,
    /// Whether the rule also requires `status`.
    pub use_status: bool,
    reporting_mta: Option<String>,
    /// Whether the rule also requires `reporting_mta`.
    pub use_mta: bool,
    /// The class it gives.
    pub class: Class,
    /// The reason it gives.
    pub reason: Reason,
    /// Why, in the operator's words.
    pub note: String,
}

/// What the operator asked of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleFormAction {
    /// Show what this change would do.
    Preview(RuleChange),
    /// Make this change (its preview was shown).
    Save(RuleChange),
    /// Drop the form.
    Cancel,
}

impl RuleForm {
    /// A new rule from a decision on a review group: its words, its status and server as
    /// conditions the operator may keep, and the verdict they gave.
    pub fn from_decision(group: &ReviewGroup, class: Class, reason: Reason) -> RuleForm {
        RuleForm {
            editing: None,
            phrase: suggested_phrase(&group.signature),
            use_status: group.status.is_some(),
            status: group.status.clone(),
            reporting_mta: group.reporting_mta.clone(),
            use_mta: false,
            class,
            reason,
            note: String::new(),
        }
    }

    /// A form for changing `rule`.
    pub fn edit(rule: &OwnRule) -> RuleForm {
        RuleForm {
            editing: Some(rule.id),
            phrase: rule.phrase.clone(),
            use_status: rule.status.is_some(),
            status: rule.status.clone(),
            use_mta: rule.reporting_mta.is_some(),
            reporting_mta: rule.reporting_mta.clone(),
            class: rule.class,
            reason: rule.reason,
            note: rule.note.clone(),
        }
    }

    /// The change the form describes now.
    pub fn change(&self) -> RuleChange {
        let rule = OwnRule {
            id: self.editing.unwrap_or(0),
            phrase: self.phrase.trim().to_lowercase(),
            status: self.status.clone().filter(|_| self.use_status),
            reporting_mta: self.reporting_mta.clone().filter(|_| self.use_mta),
            class: self.class,
            reason: self.reason,
            note: self.note.trim().to_string(),
        };
        match self.editing {
            Some(_) => RuleChange::Update(rule),
            None => RuleChange::Add(rule),
        }
    }

    /// Draws the form and, when the preview of the form's current change is in, what it
    /// would change; `saving` while the change is being applied.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        effect: Option<&(RuleChange, ReclassifySummary)>,
        pending: bool,
        saving: bool,
    ) -> Option<RuleFormAction> {
        let mut action = None;
        ui.label(
            RichText::new(match self.editing {
                Some(id) => format!("Change rule {id}"),
                None => "Make a rule".to_string(),
            })
            .strong(),
        );
        ui.horizontal(|ui| {
            let label = ui.label("Rule phrase");
            ui.add(egui::TextEdit::singleline(&mut self.phrase).desired_width(320.0))
                .labelled_by(label.id)
                .on_hover_text(
                    "The words the server's reply must contain (whole words, case ignored)",
                );
        });
        if let Some(status) = &self.status {
            ui.checkbox(&mut self.use_status, format!("Only with status {status}"));
        }
        if let Some(mta) = &self.reporting_mta {
            ui.checkbox(&mut self.use_mta, format!("Only in reports from {mta}"));
        }
        ui.horizontal_wrapped(|ui| {
            verdict_pickers(ui, &mut self.class, &mut self.reason, "Rule");
        });
        ui.horizontal(|ui| {
            let label = ui.label("Rule note");
            ui.add(
                egui::TextEdit::singleline(&mut self.note)
                    .hint_text("why (optional)")
                    .desired_width(260.0),
            )
            .labelled_by(label.id);
        });
        let change = self.change();
        let previewed = effect.filter(|(asked, _)| *asked == change);
        ui.horizontal(|ui| {
            if ui
                .button("Preview rule")
                .on_hover_text("What the rule would change in the bounces already stored")
                .clicked()
            {
                action = Some(RuleFormAction::Preview(change.clone()));
            }
            let can_save = previewed.is_some() && !saving;
            if ui
                .add_enabled(can_save, egui::Button::new("Save rule"))
                .on_disabled_hover_text("Preview the rule first")
                .clicked()
            {
                action = Some(RuleFormAction::Save(change.clone()));
            }
            if ui.button("Cancel rule").clicked() {
                action = Some(RuleFormAction::Cancel);
            }
            if pending || saving {
                ui.spinner();
            }
        });
        if let Some((_, summary)) = previewed {
            show_effect(ui, summary);
        }
        action
    }
}

/// What a rule change would do (or did): the counts per transition and a few examples.
pub fn show_effect(ui: &mut Ui, summary: &ReclassifySummary) {
    let changed = summary.changed_bounces();
    if changed == 0 {
        ui.label(
            "Would change nothing already stored; mail that says this from now on follows it.",
        );
        return;
    }
    let transitions: Vec<String> = summary
        .by_transition
        .iter()
        // The window's font has no arrow: "old -> new".
        .map(|(transition, count)| format!("{count} {}", transition.replace('→', "->")))
        .collect();
    ui.label(
        RichText::new(format!(
            "Would change {} bounce(s): {}",
            look::count(changed as i64),
            transitions.join(", ")
        ))
        .color(look::WARNING),
    );
    for change in summary.changes.iter().take(EXAMPLES) {
        ui.label(format!(
            "  {}: {} -> {}",
            change.recipient, change.old, change.new
        ));
    }
    if changed > EXAMPLES {
        ui.label(format!(
            "  … and {} more",
            look::count((changed - EXAMPLES) as i64)
        ));
    }
}
