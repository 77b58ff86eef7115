//! Labelling a bounce by hand: the operator's answer for what the engine could not decide (or
//! decided wrong). A label beats every rule and survives re-classification; the store keeps
//! it per message and recipient.

use super::look::class_label;
use crate::classify::{Class, Reason};
use egui::{RichText, Ui};

/// A label the operator asked to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualLabel {
    /// The bounce.
    pub bounce_id: i64,
    /// Its class from now on.
    pub class: Class,
    /// Its reason from now on.
    pub reason: Reason,
    /// Why, in the operator's words (kept with the label).
    pub note: String,
}

/// The label form for one bounce, as filled in so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelForm {
    bounce_id: i64,
    class: Class,
    reason: Reason,
    note: String,
}

impl LabelForm {
    /// A form for bounce `bounce_id`, starting from its verdict in force.
    pub fn new(bounce_id: i64, class: &str, reason: &str) -> LabelForm {
        let class = Class::from_name(class)
            .filter(|class| *class != Class::Unknown)
            .unwrap_or(Class::Hard);
        let reason = Reason::from_name(reason)
            .filter(|reason| reason.class() == class)
            .or_else(|| first_reason_of(class))
            .unwrap_or(Reason::ALL[0]);
        LabelForm {
            bounce_id,
            class,
            reason,
            note: String::new(),
        }
    }

    /// The bounce this form is for.
    pub fn bounce_id(&self) -> i64 {
        self.bounce_id
    }

    /// Draws the form; returns the label when the operator saves it.
    pub fn show(&mut self, ui: &mut Ui) -> Option<ManualLabel> {
        let mut saved = None;
        ui.label(RichText::new("Label by hand").strong());
        ui.horizontal_wrapped(|ui| {
            verdict_pickers(ui, &mut self.class, &mut self.reason, "Label");
        });
        ui.horizontal(|ui| {
            let label = ui.label("Note");
            ui.add(
                egui::TextEdit::singleline(&mut self.note)
                    .hint_text("why (optional)")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
            if ui
                .button("Save label")
                .on_hover_text(
                    "This verdict wins over the engine's, now and after every re-classification",
                )
                .clicked()
            {
                saved = Some(ManualLabel {
                    bounce_id: self.bounce_id,
                    class: self.class,
                    reason: self.reason,
                    note: self.note.trim().to_string(),
                });
            }
        });
        saved
    }
}

/// The class and reason pickers of a verdict given by hand (`{name} class`, `{name} reason`):
/// choosing a class moves the reason to that class's first one unless it already fits, and
/// the reasons of the chosen class are listed first.
pub fn verdict_pickers(ui: &mut Ui, class: &mut Class, reason: &mut Reason, name: &str) {
    let before = *class;
    egui::ComboBox::from_label(format!("{name} class"))
        .selected_text(class_label(class.as_str()))
        .show_ui(ui, |ui| {
            let choices = Class::ALL
                .into_iter()
                .filter(|class| !matches!(class, Class::Unknown | Class::NotBounce));
            for choice in choices {
                ui.selectable_value(class, choice, class_label(choice.as_str()));
            }
        });
    if *class != before
        && reason.class() != *class
        && let Some(first) = first_reason_of(*class)
    {
        *reason = first;
    }
    egui::ComboBox::from_label(format!("{name} reason"))
        .selected_text(reason.as_str())
        .show_ui(ui, |ui| {
            let (mine, others): (Vec<Reason>, Vec<Reason>) = Reason::ALL
                .iter()
                .partition(|candidate| candidate.class() == *class);
            for choice in mine.into_iter().chain(others) {
                ui.selectable_value(reason, choice, choice.as_str());
            }
        });
}

/// The first reason of `class`, in the table's order: its usual one.
pub fn first_reason_of(class: Class) -> Option<Reason> {
    Reason::ALL
        .iter()
        .copied()
        .find(|reason| reason.class() == class)
}
