//! The bounce table: every recipient result of the period, filtered and sorted, with one
//! bounce in full beside it (every field, why it was classified so, and the raw message as
//! plain text: never rendered HTML, never remote content).
//!
//! Rows are virtualised: the table knows only the ids that match and asks the reader for the
//! pages it draws, so a million bounces scroll like a hundred.

use super::dashboard::Drill;
use super::labelling::{LabelForm, ManualLabel};
use super::look::{self, CLASSES, class_color, class_label};
use super::reader::{DetailShown, Reader};
use crate::policy::State;
use crate::store::browse::{BounceDetail, BounceFilter, BounceSort, SortColumn};
use crate::store::stats::{Period, monday_of};
use egui::{Align, Key, Label, Layout, RichText, Sense, TextStyle, Ui};
use egui_extras::{Column, TableBuilder};
use std::time::{Duration, Instant};

/// The table's columns: what the header says and what it sorts by.
const COLUMNS: [(&str, SortColumn); 8] = [
    ("Date (UTC)", SortColumn::Date),
    ("Recipient", SortColumn::Recipient),
    ("Domain", SortColumn::Domain),
    ("Class", SortColumn::Class),
    ("Reason", SortColumn::Reason),
    ("Status", SortColumn::Status),
    ("Reply", SortColumn::ReplyCode),
    ("Diagnostic", SortColumn::Diagnostic),
];

const ROW_HEIGHT: f32 = 20.0;

/// How long typing must pause before the search runs.
const SEARCH_PAUSE: Duration = Duration::from_millis(250);

/// What the table shows and remembers.
#[derive(Debug, Default)]
pub struct BounceTable {
    /// Filters the operator set (the period comes from the window's range or a drill).
    pub filter: BounceFilter,
    /// Days picked on the time chart (first day, count), instead of the window's range.
    pub days: Option<(i64, i64)>,
    /// Sort order.
    pub sort: BounceSort,
    /// Index of the selected row among the matches.
    pub selected: Option<usize>,
    /// Set when the filter or sort changed and the matches must be asked again.
    pub changed: bool,
    /// When the search text last changed, while the table waits for typing to pause.
    typed_at: Option<Instant>,
    /// Scroll the table to this offset (points from the top) next frame; the frame-time run
    /// drives the table with it.
    pub scroll_offset: Option<f32>,
    scroll_to: Option<usize>,
    label_form: Option<LabelForm>,
    asked: Option<DetailAction>,
}

impl BounceTable {
    /// An empty table in `sort` order (the order remembered from last time).
    pub fn sorted(sort: BounceSort) -> BounceTable {
        BounceTable {
            sort,
            ..BounceTable::default()
        }
    }

    /// The filter to ask the reader with, for the window's `period`.
    pub fn query(&self, period: Period) -> BounceFilter {
        let period = match self.days {
            Some((from, days)) => Period {
                from_day: Some(from),
                to_day: Some(from + days - 1),
            },
            None => period,
        };
        BounceFilter {
            period,
            ..self.filter.clone()
        }
    }

    /// Narrows the table to what was clicked on the dashboard (other filters are cleared).
    pub fn drill(&mut self, drill: Drill) {
        self.filter = BounceFilter::default();
        self.days = None;
        match drill {
            Drill::Days { from, days, class } => {
                self.days = Some((from, days));
                self.filter.class = class;
            }
            Drill::Group(group) => {
                // As the domain charts count: failures and complaints.
                self.filter.group = Some(group);
                self.filter.failures_only = true;
            }
            Drill::Status(status) => self.filter.status = Some(status),
            Drill::Reason(reason) => self.filter.reason = Some(reason),
            Drill::SenderSide {
                provider,
                from,
                days,
            } => {
                self.days = Some((from, days));
                self.filter.group = Some(provider);
                self.filter.class = Some("sender".to_string());
            }
        }
        self.refilter();
    }

    /// Forgets the selection and asks the matches again (a filter or the order changed).
    pub fn refilter(&mut self) {
        self.changed = true;
        self.selected = None;
    }

    /// True while typed search words wait for a pause before the search runs.
    pub fn typing(&self) -> bool {
        self.typed_at.is_some()
    }

    /// Runs the search once typing has paused (a scan of a large store per keystroke would
    /// only queue up work nobody waits for).
    fn search_after_a_pause(&mut self, ui: &Ui) {
        let Some(typed_at) = self.typed_at else {
            return;
        };
        let waited = typed_at.elapsed();
        if waited >= SEARCH_PAUSE {
            self.typed_at = None;
            self.refilter();
        } else {
            ui.ctx().request_repaint_after(SEARCH_PAUSE - waited);
        }
    }

    /// Draws the filter bar, the table and the selected bounce; returns a label the operator
    /// gave the selected bounce, for the window to store.
    pub fn show(&mut self, ui: &mut Ui, reader: &mut Reader) -> Option<DetailAction> {
        self.filter_bar(ui, reader);
        self.search_after_a_pause(ui);
        ui.separator();
        // The detail follows the selected row, once its page is here.
        let selected_id = self
            .selected
            .and_then(|index| reader.row(index).map(|row| row.id));
        if let Some(id) = selected_id {
            if reader.detail_of(id).is_none() {
                reader.ask_detail(id);
            }
            egui::Panel::right("bounce detail")
                .resizable(true)
                .min_size(360.0)
                .default_size(440.0)
                .show(ui, |ui| self.detail(ui, reader, id));
        }
        egui::CentralPanel::default().show(ui, |ui| self.rows(ui, reader));
        self.asked.take()
    }

    fn filter_bar(&mut self, ui: &mut Ui, reader: &Reader) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Search");
            let search = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter.text)
                        .hint_text("address, domain, reason or words of the reply")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            if search.changed() {
                self.typed_at = Some(Instant::now());
            }
            let mut class = self.filter.class.clone();
            egui::ComboBox::from_label("Class")
                .selected_text(class.as_deref().map_or("Any", class_label))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut class, None, "Any");
                    for each in CLASSES {
                        ui.selectable_value(&mut class, Some(each.to_string()), class_label(each));
                    }
                });
            if class != self.filter.class {
                self.filter.class = class;
                self.refilter();
            }
            if ui
                .checkbox(&mut self.filter.delays, "Include delays")
                .on_hover_text(
                    "Delay notices: the server is still trying; the charts leave them out",
                )
                .changed()
            {
                self.refilter();
            }
            self.chips(ui);
            let matches = reader.matches.as_ref().map_or(0, |ids| ids.len());
            let status = if reader.matches_pending {
                "searching…".to_string()
            } else {
                look::plural(matches as i64, "bounce")
            };
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| ui.label(status));
        });
    }

    /// One removable chip per filter that a dashboard click set.
    fn chips(&mut self, ui: &mut Ui) {
        let mut cleared = false;
        if let Some((from, days)) = self.days {
            let text = match days {
                1 => look::day_label(from),
                7 if monday_of(from) == from => format!("week of {}", look::day_label(from)),
                _ => format!(
                    "{} to {}",
                    look::day_label(from),
                    look::day_label(from + days - 1)
                ),
            };
            cleared |= chip(ui, "Days", &text);
            if cleared {
                self.days = None;
            }
        }
        for (name, value) in [
            ("Domain or provider", &mut self.filter.group),
            ("Status", &mut self.filter.status),
            ("Reason", &mut self.filter.reason),
        ] {
            if let Some(text) = value.clone()
                && chip(ui, name, if text.is_empty() { "none" } else { &text })
            {
                *value = None;
                cleared = true;
            }
        }
        if self.filter.failures_only && chip(ui, "Only", "bounces and complaints") {
            self.filter.failures_only = false;
            cleared = true;
        }
        if cleared {
            self.refilter();
        }
    }

    fn rows(&mut self, ui: &mut Ui, reader: &mut Reader) {
        let Some(count) = reader.matches.as_ref().map(|ids| ids.len()) else {
            ui.spinner();
            return;
        };
        if count == 0 && !reader.matches_pending {
            ui.label("No bounce matches these filters in this period.");
            return;
        }
        self.keyboard(ui, count);
        ui.style_mut().interaction.selectable_labels = false;
        let mut table = TableBuilder::new(ui)
            .id_salt("bounces")
            .striped(true)
            .resizable(true)
            .sense(Sense::click())
            .cell_layout(Layout::left_to_right(Align::Center))
            .column(Column::initial(120.0).at_least(90.0))
            .column(Column::initial(220.0).at_least(80.0).clip(true))
            .column(Column::initial(120.0).at_least(60.0).clip(true))
            .column(Column::initial(90.0).at_least(50.0))
            .column(Column::initial(100.0).at_least(50.0).clip(true))
            .column(Column::initial(55.0).at_least(40.0))
            .column(Column::initial(45.0).at_least(35.0))
            .column(Column::remainder().at_least(100.0).clip(true));
        if let Some(row) = self.scroll_to.take() {
            table = table.scroll_to_row(row, None);
        }
        if let Some(offset) = self.scroll_offset.take() {
            table = table.vertical_scroll_offset(offset);
        }
        let mut clicked = None;
        let mut sort = self.sort;
        table
            .header(ROW_HEIGHT + 4.0, |mut header| {
                for (title, column) in COLUMNS {
                    header.col(|ui| {
                        let arrow = match (sort.column == column, sort.descending) {
                            (true, true) => " ⏷",
                            (true, false) => " ⏶",
                            (false, _) => "",
                        };
                        let button = ui
                            .add(
                                egui::Button::new(
                                    RichText::new(format!("{title}{arrow}")).strong(),
                                )
                                .frame(false),
                            )
                            .on_hover_text(format!("Sort by {}", title.to_lowercase()));
                        if button.clicked() {
                            sort = if sort.column == column {
                                BounceSort {
                                    column,
                                    descending: !sort.descending,
                                }
                            } else {
                                BounceSort {
                                    column,
                                    descending: column == SortColumn::Date,
                                }
                            };
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, count, |mut row| {
                    let index = row.index();
                    row.set_selected(self.selected == Some(index));
                    let Some(data) = reader.row(index) else {
                        row.col(|ui| {
                            ui.add(Label::new("…").selectable(false));
                        });
                        return;
                    };
                    let cells = [
                        RichText::new(look::time_label(data.occurred_at)),
                        RichText::new(&data.recipient),
                        RichText::new(&data.domain),
                        RichText::new(class_label(&data.class)).color(class_color(&data.class)),
                        RichText::new(&data.reason),
                        RichText::new(data.status.as_deref().unwrap_or_default()),
                        RichText::new(
                            data.reply_code
                                .map(|code| code.to_string())
                                .unwrap_or_default(),
                        ),
                        RichText::new(&data.diagnostic),
                    ];
                    for text in cells {
                        row.col(|ui| {
                            ui.add(Label::new(text).selectable(false).truncate());
                        });
                    }
                    if row.response().clicked() {
                        clicked = Some(index);
                    }
                });
            });
        if sort != self.sort {
            self.sort = sort;
            self.refilter();
        }
        // The detail follows the selection (asked for in `show`).
        if let Some(index) = clicked {
            self.selected = Some(index);
        }
    }

    /// Up and down move the selection when no text field has the keyboard.
    fn keyboard(&mut self, ui: &Ui, count: usize) {
        if count == 0 || ui.memory(|memory| memory.focused().is_some()) {
            return;
        }
        let (down, up) = ui.input(|input| {
            (
                input.key_pressed(Key::ArrowDown),
                input.key_pressed(Key::ArrowUp),
            )
        });
        let next = match (self.selected, down, up) {
            (None, true, _) => Some(0),
            (Some(index), true, _) => Some((index + 1).min(count - 1)),
            (Some(index), false, true) => Some(index.saturating_sub(1)),
            _ => None,
        };
        if let Some(next) = next
            && Some(next) != self.selected
        {
            self.selected = Some(next);
            self.scroll_to = Some(next);
        }
    }

    fn detail(&mut self, ui: &mut Ui, reader: &Reader, id: i64) {
        let Some(shown) = reader.detail_of(id) else {
            ui.spinner();
            return;
        };
        let detail = &shown.detail;
        egui::ScrollArea::vertical()
            .id_salt("detail")
            .show(ui, |ui| {
                let row = &detail.row;
                ui.heading(&row.recipient);
                ui.label(
                    RichText::new(class_label(&row.class))
                        .color(class_color(&row.class))
                        .strong(),
                );
                ui.label(RichText::new(format!("Why: {}", detail.why)).italics());
                ui.add_space(6.0);
                egui::Grid::new("detail fields")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        let mut field = |name: &str, value: &str| {
                            ui.label(RichText::new(name).strong());
                            ui.add(Label::new(value).wrap());
                            ui.end_row();
                        };
                        field("Date (UTC)", &look::time_label(row.occurred_at));
                        field("Domain", &row.domain);
                        field("Reason", &row.reason);
                        field("Status", row.status.as_deref().unwrap_or(""));
                        let reply = row.reply_code.map(|c| c.to_string()).unwrap_or_default();
                        field("Reply code", &reply);
                        field("Diagnostic", &row.diagnostic);
                        for (name, value) in &detail.fields {
                            field(name, value);
                        }
                        field("Found in", &detail.sources.join("\n"));
                    });
                ui.add_space(6.0);
                self.recipient_state(ui, detail);
                ui.add_space(6.0);
                let form = match self.label_form.take() {
                    Some(form) if form.bounce_id() == id => form,
                    _ => LabelForm::new(id, &row.class, &row.reason),
                };
                let form = self.label_form.insert(form);
                if let Some(label) = form.show(ui) {
                    self.asked = Some(DetailAction::Label(label));
                }
                ui.add_space(6.0);
                raw_message(ui, shown);
            });
    }

    /// Where the recipient stands with the policy, and the choice to keep the address on the
    /// list whatever it bounces (or to hand it back to the policy).
    fn recipient_state(&mut self, ui: &mut Ui, detail: &BounceDetail) {
        let Some(recipient) = &detail.recipient else {
            return;
        };
        ui.label(RichText::new("The recipient now").strong());
        // An address whose state never changed has no "since": say what holds instead.
        let standing = if recipient.since > 0 {
            format!(
                "{} since {}: {}",
                look::state_name(recipient.state),
                look::time_label(recipient.since),
                recipient.reason
            )
        } else if recipient.state == State::Active {
            "Active: none of its bounces counts against it".to_string()
        } else {
            format!(
                "{}: {}",
                look::state_name(recipient.state),
                recipient.reason
            )
        };
        ui.label(standing);
        let address = detail.row.recipient.clone();
        if recipient.state == State::Kept {
            if ui
                .button("Hand back to the policy")
                .on_hover_text("Its bounces from now on count again")
                .clicked()
            {
                self.asked = Some(DetailAction::Keep {
                    address,
                    keep: false,
                });
            }
        } else if ui
            .button("Keep on the list")
            .on_hover_text("Never suppress this address, whatever it bounces")
            .clicked()
        {
            self.asked = Some(DetailAction::Keep {
                address,
                keep: true,
            });
        }
    }
}

/// The raw message as plain text, drawn line by line as it scrolls (a message can be
/// megabytes; only the visible lines are laid out).
fn raw_message(ui: &mut Ui, shown: &DetailShown) {
    let lines = &shown.raw_lines;
    let title = format!("Raw message ({} bytes)", shown.detail.raw.len());
    egui::CollapsingHeader::new(title)
        .default_open(true)
        .show(ui, |ui| {
            let height = ui.text_style_height(&TextStyle::Monospace);
            egui::ScrollArea::both()
                .id_salt("raw message")
                .max_height(360.0)
                .show_rows(ui, height, lines.len(), |ui, range| {
                    for line in &lines[range] {
                        ui.add(
                            Label::new(RichText::new(line).monospace())
                                .extend()
                                .selectable(true),
                        );
                    }
                });
        });
}

/// What the operator asked for in the detail of a bounce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailAction {
    /// Store this label.
    Label(ManualLabel),
    /// Keep the address on the list whatever it bounces (`keep` false: hand it back).
    Keep {
        /// The address.
        address: String,
        /// Keep, or release.
        keep: bool,
    },
}

/// A policy state in words.
/// A filter shown as a button that clears it; returns true when clicked.
fn chip(ui: &mut Ui, name: &str, value: &str) -> bool {
    ui.button(format!("{name}: {value}  ×"))
        .on_hover_text(format!("Clear the {} filter", name.to_lowercase()))
        .clicked()
}
