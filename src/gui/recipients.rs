//! The Recipients view: find any address, see where it stands with the policy (since when and
//! why), every bounce it had, every change of its state and the lists it is on, keep it or
//! suppress it by hand with a note, or forget it altogether (a subscriber's request to be
//! erased).

use super::look::{self, class_color, class_label, state_name};
use crate::policy::State;
use crate::store::{ByHand, RECIPIENTS_SHOWN, RecipientFilter, RecipientHistory, RecipientRow};
use egui::{RichText, Ui};

/// The states the filter offers, with their names.
const STATES: [(Option<State>, &str); 5] = [
    (None, "Any state"),
    (Some(State::Active), "Active"),
    (Some(State::SoftBouncing), "Soft-bouncing"),
    (Some(State::Suppressed), "Suppressed"),
    (Some(State::Kept), "Kept by hand"),
];

/// The Recipients view's state.
#[derive(Debug, Default)]
pub struct RecipientsView {
    /// What the search asks for.
    pub filter: RecipientFilter,
    /// The address shown in full.
    pub selected: Option<String>,
    /// The note for the next decision by hand.
    pub note: String,
    /// Set when the filter changed and the recipients must be asked again.
    pub changed: bool,
    /// The address whose forgetting waits for a second click (it cannot be undone).
    confirm_forget: Option<String>,
}

/// What the operator asked in the Recipients view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientsAction {
    /// Show this address in full.
    Show(String),
    /// Keep, suppress or release this address, with a note.
    Decide {
        /// The address.
        address: String,
        /// The decision.
        decision: ByHand,
        /// Why.
        note: String,
    },
    /// Remove every trace of this address from the store.
    Forget(String),
}

impl RecipientsView {
    /// Draws the view; returns what the operator asked.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        found: Option<&(Vec<RecipientRow>, usize)>,
        history: Option<&RecipientHistory>,
    ) -> Option<RecipientsAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            let label = ui.label("Find address");
            let search = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter.text)
                        .hint_text("part of an address or a domain")
                        .desired_width(280.0),
                )
                .labelled_by(label.id);
            if search.changed() {
                self.changed = true;
            }
            let before = self.filter.state;
            egui::ComboBox::from_label("State")
                .selected_text(
                    STATES
                        .iter()
                        .find(|(state, _)| *state == self.filter.state)
                        .map_or("Any state", |(_, name)| name),
                )
                .show_ui(ui, |ui| {
                    for (state, name) in STATES {
                        ui.selectable_value(&mut self.filter.state, state, name);
                    }
                });
            if self.filter.state != before {
                self.changed = true;
            }
        });
        ui.columns(2, |columns| {
            if let [list, detail] = columns {
                action = self.list(list, found);
                if let Some(history) =
                    history.filter(|h| Some(&h.address) == self.selected.as_ref())
                {
                    action = action.take().or_else(|| self.detail(detail, history));
                }
            }
        });
        action
    }

    fn list(
        &mut self,
        ui: &mut Ui,
        found: Option<&(Vec<RecipientRow>, usize)>,
    ) -> Option<RecipientsAction> {
        let Some((rows, total)) = found else {
            ui.spinner();
            return None;
        };
        let mut action = None;
        ui.label(if *total > RECIPIENTS_SHOWN {
            format!(
                "{RECIPIENTS_SHOWN} of {} addresses; narrow the search",
                look::count(*total as i64)
            )
        } else {
            format!("{} address(es)", look::count(*total as i64))
        });
        egui::ScrollArea::vertical()
            .id_salt("recipients")
            .show(ui, |ui| {
                for row in rows {
                    let text = format!("{}  ·  {}", row.recipient, state_name(row.state));
                    let selected = self.selected.as_deref() == Some(row.recipient.as_str());
                    if ui.selectable_label(selected, text).clicked() {
                        self.selected = Some(row.recipient.clone());
                        action = Some(RecipientsAction::Show(row.recipient.clone()));
                    }
                }
            });
        action
    }

    /// "Forget this address", which asks once more before it answers with the address.
    fn forget_button(&mut self, ui: &mut Ui, address: &str) -> Option<String> {
        if self.confirm_forget.as_deref() != Some(address) {
            let asked = ui.horizontal(|ui| {
                ui.button("Forget this address…")
                    .on_hover_text(
                        "For a subscriber who asked to be erased: removes it from bounces, \
                         recipients, labels and lists, and every raw message that names it",
                    )
                    .clicked()
            });
            if asked.inner {
                self.confirm_forget = Some(address.to_string());
            }
            return None;
        }
        let mut forget = None;
        ui.label(
            RichText::new(format!(
                "Remove every trace of {address}? Its bounces, state, labels, list rows and \
                 the raw messages that name it go; this cannot be undone."
            ))
            .color(look::WARNING),
        );
        ui.horizontal(|ui| {
            if ui.button(format!("Forget {address}")).clicked() {
                self.confirm_forget = None;
                forget = Some(address.to_string());
            }
            if ui.button("Cancel").clicked() {
                self.confirm_forget = None;
            }
        });
        forget
    }

    fn detail(&mut self, ui: &mut Ui, history: &RecipientHistory) -> Option<RecipientsAction> {
        let mut action = None;
        ui.heading(&history.address);
        let standing = match &history.row {
            Some(row) if row.since > 0 => format!(
                "{} since {}: {}",
                state_name(row.state),
                look::time_label(row.since),
                row.reason
            ),
            Some(row) => format!("{}: {}", state_name(row.state), row.reason),
            None => "Active: it never bounced".to_string(),
        };
        ui.label(standing);
        ui.label(if history.lists.is_empty() {
            "On no imported list".to_string()
        } else {
            format!("On the list(s): {}", history.lists.join(", "))
        });
        ui.horizontal(|ui| {
            let label = ui.label("Decision note");
            ui.add(
                egui::TextEdit::singleline(&mut self.note)
                    .hint_text("why (kept with the decision)")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        });
        let state = history.row.as_ref().map(|row| row.state);
        ui.horizontal(|ui| {
            let mut decide = |decision| {
                action = Some(RecipientsAction::Decide {
                    address: history.address.clone(),
                    decision,
                    note: self.note.trim().to_string(),
                });
            };
            if state != Some(State::Kept)
                && ui
                    .button("Keep on the list")
                    .on_hover_text("Never suppress this address, whatever it bounces")
                    .clicked()
            {
                decide(ByHand::Keep);
            }
            if ui
                .button("Suppress by hand")
                .on_hover_text("Take it off the list whatever the policy says")
                .clicked()
            {
                decide(ByHand::Suppress);
            }
            if ui
                .button("Hand back to the policy")
                .on_hover_text("Its bounces decide again")
                .clicked()
            {
                decide(ByHand::Release);
            }
        });
        if let Some(address) = self.forget_button(ui, &history.address) {
            action = Some(RecipientsAction::Forget(address));
        }
        ui.separator();
        ui.label(RichText::new(format!("Bounces ({})", history.bounces.len())).strong());
        egui::ScrollArea::vertical()
            .id_salt("recipient bounces")
            .max_height(260.0)
            .show(ui, |ui| {
                for bounce in &history.bounces {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(look::time_label(bounce.occurred_at));
                        ui.label(
                            RichText::new(class_label(&bounce.class))
                                .color(class_color(&bounce.class)),
                        );
                        ui.label(format!(
                            "{} {}{}",
                            bounce.reason,
                            bounce.status.as_deref().unwrap_or(""),
                            if bounce.action == "failed" {
                                String::new()
                            } else {
                                format!(" ({})", bounce.action)
                            }
                        ))
                        .on_hover_text(format!("{}\n{}", bounce.why, bounce.diagnostic));
                    });
                }
            });
        if !history.changes.is_empty() {
            ui.label(RichText::new("State changes").strong());
            for change in &history.changes {
                ui.label(format!(
                    "{}  {} -> {}: {}",
                    look::time_label(change.at),
                    change.from,
                    change.to,
                    change.reason
                ));
            }
        }
        action
    }
}
