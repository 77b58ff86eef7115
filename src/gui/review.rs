//! The review queue: the bounces the engine could not decide, grouped by what their servers
//! said, biggest group first. One key labels a whole group (h hard, s soft, x sender-side,
//! c complaint, a auto-reply, n not a bounce; space skips, the arrows move), the last
//! decision can be undone, and a decision can become a rule that decides the same words from
//! then on.

use super::look::{self, class_label};
use super::rule_form::{RuleForm, RuleFormAction};
use crate::classify::{Class, Reason};
use crate::store::{LabelUndo, ReclassifySummary, ReviewGroup, RuleChange};
use egui::{Key, RichText, Ui};

/// The keys of the review queue and the class each gives.
pub const KEYS: [(Key, &str, Class); 6] = [
    (Key::H, "h", Class::Hard),
    (Key::S, "s", Class::Soft),
    (Key::X, "x", Class::Sender),
    (Key::C, "c", Class::Complaint),
    (Key::A, "a", Class::AutoReply),
    (Key::N, "n", Class::NotBounce),
];

/// The last group decision, kept for Undo and for making a rule of it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// What the label replaced.
    pub undo: LabelUndo,
    /// The group it labelled.
    pub group: ReviewGroup,
    /// The class given.
    pub class: Class,
    /// The reason given.
    pub reason: Reason,
}

/// The review view's state.
#[derive(Debug, Default)]
pub struct ReviewView {
    /// The group shown (index into the groups).
    pub selected: usize,
    /// The reason the next decision gives, when it fits the class (else the class's usual).
    pub reason: Option<Reason>,
    /// The last decision.
    pub last: Option<Decision>,
    /// The rule being made from the last decision.
    pub rule: Option<RuleForm>,
}

/// What the operator asked in the review view.
#[derive(Debug, Clone)]
pub enum ReviewAction {
    /// Label every bounce of `group` with `class` and `reason`.
    Label {
        /// The group.
        group: ReviewGroup,
        /// The class.
        class: Class,
        /// The reason.
        reason: Reason,
    },
    /// Take the last decision back.
    Undo,
    /// Show what a rule change would do.
    Preview(RuleChange),
    /// Make a rule change.
    Save(RuleChange),
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
fn shorten(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

impl ReviewView {
    /// The reason a decision with `class` gives: the picked one if it belongs to the class,
    /// else the class's usual one.
    fn reason_for(&self, class: Class) -> Reason {
        self.reason
            .filter(|reason| reason.class() == class)
            .or_else(|| super::labelling::first_reason_of(class))
            .unwrap_or(Reason::OnHold)
    }

    /// Draws the queue; returns what the operator asked.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        groups: Option<&[ReviewGroup]>,
        effect: Option<&(RuleChange, ReclassifySummary)>,
        effect_pending: bool,
        saving_rule: bool,
    ) -> Option<ReviewAction> {
        let Some(groups) = groups else {
            ui.spinner();
            return None;
        };
        let mut action = self.last_decision(ui, effect, effect_pending, saving_rule);
        ui.separator();
        if groups.is_empty() {
            ui.heading("Nothing to review");
            ui.label("Every bounce has a verdict. New unknowns land here after the next sync.");
            return action;
        }
        self.selected = self.selected.min(groups.len() - 1);
        let typing = ui.ctx().egui_wants_keyboard_input();
        if !typing {
            action = action.or_else(|| self.keys(ui, groups));
        }
        ui.columns(2, |columns| {
            if let [list, detail] = columns {
                self.group_list(list, groups);
                if let Some(group) = groups.get(self.selected) {
                    action = action.take().or_else(|| self.group_detail(detail, group));
                }
            }
        });
        action
    }

    /// The keys: a class key labels the selected group, space and the arrows move.
    fn keys(&mut self, ui: &Ui, groups: &[ReviewGroup]) -> Option<ReviewAction> {
        let pressed = |key| ui.input(|input| input.key_pressed(key));
        if pressed(Key::ArrowDown) || pressed(Key::Space) {
            self.selected = (self.selected + 1).min(groups.len().saturating_sub(1));
        }
        if pressed(Key::ArrowUp) {
            self.selected = self.selected.saturating_sub(1);
        }
        let (_, _, class) = KEYS.iter().find(|(key, _, _)| pressed(*key))?;
        let group = groups.get(self.selected)?.clone();
        Some(ReviewAction::Label {
            reason: self.reason_for(*class),
            class: *class,
            group,
        })
    }

    fn group_list(&mut self, ui: &mut Ui, groups: &[ReviewGroup]) {
        let total: usize = groups.iter().map(|group| group.ids.len()).sum();
        ui.label(format!(
            "{total} bounce(s) to review in {} group(s), biggest first",
            groups.len()
        ));
        egui::ScrollArea::vertical()
            .id_salt("review groups")
            .show(ui, |ui| {
                for (index, group) in groups.iter().enumerate() {
                    let text =
                        format!("{:>4} × {}", group.ids.len(), shorten(&group.signature, 70));
                    if ui
                        .selectable_label(index == self.selected, text)
                        .on_hover_text(&group.signature)
                        .clicked()
                    {
                        self.selected = index;
                    }
                }
            });
    }

    fn group_detail(&mut self, ui: &mut Ui, group: &ReviewGroup) -> Option<ReviewAction> {
        let mut action = None;
        ui.heading(format!("{} bounce(s) say", group.ids.len()));
        ui.label(RichText::new(&group.signature).monospace());
        ui.label(format!(
            "status {} · reported by {} · {} to {}",
            group.status.as_deref().unwrap_or("none"),
            group.reporting_mta.as_deref().unwrap_or("unknown"),
            look::time_label(group.first),
            look::time_label(group.last),
        ));
        ui.separator();
        ui.label(RichText::new("Examples").strong());
        for example in &group.examples {
            ui.label(format!(
                "{}  {}",
                look::time_label(example.occurred_at),
                example.recipient
            ));
        }
        if let Some(first) = group.examples.first() {
            ui.label(RichText::new("In full").strong());
            egui::ScrollArea::vertical()
                .id_salt("review full text")
                .max_height(140.0)
                .show(ui, |ui| {
                    ui.label(RichText::new(&first.diagnostic).monospace());
                });
        }
        ui.separator();
        ui.label(RichText::new("Decide for the whole group").strong());
        let mut picked = self.reason.unwrap_or(Reason::UserUnknown);
        egui::ComboBox::from_label("Review reason")
            .selected_text(picked.as_str())
            .show_ui(ui, |ui| {
                for reason in Reason::ALL {
                    ui.selectable_value(&mut picked, *reason, reason.as_str());
                }
            });
        if self.reason.is_some() || picked != Reason::UserUnknown {
            self.reason = Some(picked);
        }
        ui.horizontal_wrapped(|ui| {
            for (_, key, class) in KEYS {
                let text = format!("{} ({key})", class_label(class.as_str()));
                if ui
                    .button(text)
                    .on_hover_text(look::class_meaning(class.as_str()))
                    .clicked()
                {
                    action = Some(ReviewAction::Label {
                        group: group.clone(),
                        class,
                        reason: self.reason_for(class),
                    });
                }
            }
        });
        ui.label("Space skips to the next group; the arrows move.");
        action
    }

    /// The last decision with Undo and "Make this a rule", and the rule form once opened.
    fn last_decision(
        &mut self,
        ui: &mut Ui,
        effect: Option<&(RuleChange, ReclassifySummary)>,
        effect_pending: bool,
        saving_rule: bool,
    ) -> Option<ReviewAction> {
        let decision = self.last.as_ref()?;
        let mut action = None;
        ui.horizontal(|ui| {
            ui.label(format!(
                "Labelled {} bounce(s) {} / {}.",
                decision.undo.bounces(),
                class_label(decision.class.as_str()),
                decision.reason
            ));
            if ui.button("Undo").clicked() {
                action = Some(ReviewAction::Undo);
            }
            if self.rule.is_none() && ui.button("Make this a rule").clicked() {
                self.rule = Some(RuleForm::from_decision(
                    &decision.group,
                    decision.class,
                    decision.reason,
                ));
            }
        });
        if let Some(form) = &mut self.rule {
            match form.show(ui, effect, effect_pending, saving_rule) {
                Some(RuleFormAction::Preview(change)) => {
                    action = Some(ReviewAction::Preview(change))
                }
                Some(RuleFormAction::Save(change)) => action = Some(ReviewAction::Save(change)),
                Some(RuleFormAction::Cancel) => self.rule = None,
                None => {}
            }
        }
        action
    }
}
