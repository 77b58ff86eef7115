//! The dashboard: what changed this period and whether something is wrong with the sending,
//! in one look. Headline numbers against the period before, sender-side alerts, and charts
//! (over time by class, by domain or provider, by code and reason) whose bars open the table
//! filtered to what was clicked.

use super::buckets::Bucket;
use super::look::{self, CLASSES, class_color, class_label};
use super::range::Range;
use super::reader::Summaries;
use crate::store::stats::Summary;
use egui::{Color32, Pos2, RichText, Ui};
use egui_plot::{Bar, BarChart, Corner, ItemId, Legend, Plot, PlotPoint, VLine};
use std::collections::BTreeMap;

/// What a click on the dashboard asks the table to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drill {
    /// One day (or the week from that Monday, when `days` is 7), optionally one class.
    Days {
        /// First day.
        from: i64,
        /// How many days.
        days: i64,
        /// Only this class.
        class: Option<String>,
    },
    /// A recipient domain or provider family.
    Group(String),
    /// An enhanced status code.
    Status(String),
    /// A reason.
    Reason(String),
    /// A provider's sender-side bounces over the days its alert counts.
    SenderSide {
        /// Provider family or domain.
        provider: String,
        /// First day the alert counts.
        from: i64,
        /// How many days.
        days: i64,
    },
}

/// What the dashboard remembers between frames.
#[derive(Debug, Default)]
pub struct Dashboard {
    /// Show providers by bounce rate (share of the list there) instead of by count.
    pub by_rate: bool,
    /// Where each bar was drawn last frame, named `chart/label` (e.g. `time/2026-11-23/sender`,
    /// `domains/yahoo.com`): plots have no accessible nodes, so this is how a test (or a
    /// screen-reader bridge later) finds a bar to click.
    pub bar_centres: Vec<(String, Pos2)>,
}

impl Dashboard {
    /// Draws the dashboard for `summaries`; returns what was clicked, if anything.
    pub fn show(&mut self, ui: &mut Ui, summaries: &Summaries) -> Option<Drill> {
        let range = summaries.range;
        self.bar_centres.clear();
        let mut drill = None;
        let current = &summaries.current;
        headlines(ui, range, current, summaries.previous.as_ref());
        ui.add_space(8.0);
        alerts(ui, current, &mut drill);
        ui.add_space(8.0);
        ui.heading("Bounces over time");
        drill = drill.or(self.time_chart(ui, range, current));
        ui.add_space(8.0);
        ui.columns(2, |columns| {
            let [left, right] = columns else { return };
            left.horizontal(|ui| {
                ui.heading("Where they bounce");
                ui.selectable_value(&mut self.by_rate, false, "By count")
                    .on_hover_text("Top recipient domains by number of bounces");
                ui.selectable_value(&mut self.by_rate, true, "By rate")
                    .on_hover_text("Providers by the share of your list there that bounced");
            });
            let by_group = if self.by_rate {
                self.rate_chart(left, current)
            } else {
                self.count_chart(left, current)
            };
            right.heading("Codes and reasons");
            let by_code = self.code_chart(right, current);
            let by_reason = self.reason_chart(right, current);
            drill = drill.clone().or(by_group).or(by_code).or(by_reason);
        });
        drill
    }

    fn time_chart(&mut self, ui: &mut Ui, range: Range, summary: &Summary) -> Option<Drill> {
        // The days the chart spans: the period's (a week always shows all seven), else from
        // the first to the last day with bounces.
        let first_data = summary.per_day.first().map(|day| day.day);
        let last_data = summary.per_day.last().map(|day| day.day);
        let (first, last) = match (summary.period.from_day, summary.period.to_day) {
            (Some(from), Some(_)) if range == Range::ThisWeek => (from, from + 6),
            (Some(from), Some(to)) => (from, to),
            _ => match (first_data, last_data) {
                (Some(first), Some(last)) => (first, last),
                _ => (0, -1),
            },
        };
        let bucket = Bucket::for_span(last - first + 1);
        let with_year = first_data.zip(last_data).is_some_and(|(first, last)| {
            Bucket::Quarter.start(first) / 365 != Bucket::Quarter.start(last) / 365
                || last - first > 300
        });
        let slots = bucket.starts(first, last);
        let mut counts: BTreeMap<(i64, &str), i64> = BTreeMap::new();
        for day in &summary.per_day {
            *counts
                .entry((bucket.start(day.day), day.class.as_str()))
                .or_default() += day.n;
        }
        // The narrowest bucket sets the bars' width, so that none overlaps its neighbour.
        let step = slots
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .min()
            .unwrap_or_else(|| bucket.next(first) - first);
        let width = 0.8 * step as f64;
        let mut charts: Vec<BarChart> = Vec::new();
        for class in CLASSES {
            let label = class_label(class).to_string();
            let bars = slots
                .iter()
                .map(|slot| {
                    let n = counts.get(&(*slot, class)).copied().unwrap_or(0);
                    Bar::new(*slot as f64, n as f64)
                        .width(width)
                        .fill(class_color(class).gamma_multiply(0.8))
                        .stroke(egui::Stroke::new(1.0, class_color(class)))
                })
                .collect();
            let hover_label = label.clone();
            let below: Vec<&BarChart> = charts.iter().collect();
            let chart = BarChart::new(label.clone(), bars)
                .color(class_color(class))
                .element_formatter(Box::new(move |bar, _| {
                    format!(
                        "{hover_label}: {} in {}",
                        bar.value,
                        bucket.label(bar.argument as i64, with_year)
                    )
                }))
                .stack_on(&below);
            charts.push(chart);
        }
        let response = Plot::new("bounces over time")
            .height(220.0)
            // Top left: the newest days, on the right, are the ones to see.
            .legend(
                Legend::default()
                    .follow_insertion_order(true)
                    .position(Corner::LeftTop),
            )
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .include_y(0.0)
            .y_axis_label("bounces")
            .x_axis_formatter(move |mark, _| {
                if mark.value.fract() == 0.0 && bucket.start(mark.value as i64) == mark.value as i64
                {
                    bucket.label(mark.value as i64, with_year)
                } else {
                    String::new()
                }
            })
            .show(ui, |plot| {
                for chart in charts {
                    plot.bar_chart(chart);
                }
                plot.pointer_coordinate()
            });
        for slot in &slots {
            let mut base = 0.0;
            for class in CLASSES {
                let n = counts.get(&(*slot, class)).copied().unwrap_or(0) as f64;
                if n > 0.0 {
                    let centre = PlotPoint::new(*slot as f64, base + n / 2.0);
                    self.bar_centres.push((
                        format!("time/{}/{class}", look::day_iso(*slot)),
                        response.transform.position_from_point(&centre),
                    ));
                }
                base += n;
            }
        }
        if !response.response.clicked() {
            return None;
        }
        let pointer = response.inner?;
        let slot = slots
            .iter()
            .copied()
            .min_by_key(|slot| ((pointer.x - *slot as f64).abs() * 100.0) as i64)?;
        if (pointer.x - slot as f64).abs() > width / 2.0 {
            return None;
        }
        let class = response.hovered_plot_item.and_then(|item| {
            CLASSES
                .iter()
                .find(|class| ItemId::new(class_label(class)) == item)
                .map(|class| class.to_string())
        });
        Some(Drill::Days {
            from: slot,
            days: bucket.next(slot) - slot,
            class,
        })
    }

    fn count_chart(&mut self, ui: &mut Ui, summary: &Summary) -> Option<Drill> {
        let entries: Vec<Ranked> = summary
            .top_domains
            .iter()
            .take(10)
            .map(|group| Ranked {
                label: group.name.clone(),
                value: group.bounces as f64,
                hover: format!(
                    "{}: {} bounces ({} hard, {} sender-side)",
                    group.name, group.bounces, group.hard, group.sender
                ),
            })
            .collect();
        let clicked = self.ranking(ui, &DOMAINS_CHART, &entries);
        clicked.map(|index| Drill::Group(entries[index].label.clone()))
    }

    fn rate_chart(&mut self, ui: &mut Ui, summary: &Summary) -> Option<Drill> {
        let mut rated: Vec<_> = summary
            .by_family
            .iter()
            .filter_map(|group| group.rate.map(|rate| (group, rate)))
            .collect();
        rated.sort_by(|a, b| b.1.total_cmp(&a.1));
        if rated.is_empty() {
            ui.label("Import your subscriber list to see bounce rates per provider.");
            return None;
        }
        let entries: Vec<Ranked> = rated
            .iter()
            .take(10)
            .map(|(group, rate)| Ranked {
                label: group.name.clone(),
                value: rate * 100.0,
                hover: format!(
                    "{}: {:.2} % of {} subscribers bounced",
                    group.name,
                    rate * 100.0,
                    group.members
                ),
            })
            .collect();
        let chart = Chart {
            line: Some(summary.rate_line * 100.0),
            ..PROVIDERS_CHART
        };
        let clicked = self.ranking(ui, &chart, &entries);
        clicked.map(|index| Drill::Group(entries[index].label.clone()))
    }

    fn code_chart(&mut self, ui: &mut Ui, summary: &Summary) -> Option<Drill> {
        let mut by_status: BTreeMap<&str, i64> = BTreeMap::new();
        for code in &summary.by_code {
            *by_status.entry(code.status.as_str()).or_default() += code.n;
        }
        let mut entries: Vec<Ranked> = by_status
            .into_iter()
            .map(|(status, n)| Ranked {
                label: if status.is_empty() { "none" } else { status }.to_string(),
                value: n as f64,
                hover: format!(
                    "{}: {n} bounces",
                    if status.is_empty() { "no code" } else { status }
                ),
            })
            .collect();
        entries.sort_by(|a, b| b.value.total_cmp(&a.value));
        entries.truncate(8);
        let clicked = self.ranking(ui, &CODES_CHART, &entries);
        clicked.map(|index| {
            let label = &entries[index].label;
            Drill::Status(if label == "none" {
                String::new()
            } else {
                label.clone()
            })
        })
    }

    fn reason_chart(&mut self, ui: &mut Ui, summary: &Summary) -> Option<Drill> {
        let mut entries: Vec<Ranked> = summary
            .by_reason
            .iter()
            .map(|(reason, n)| Ranked {
                label: reason.clone(),
                value: *n as f64,
                hover: format!("{reason}: {n} bounces"),
            })
            .collect();
        entries.sort_by(|a, b| b.value.total_cmp(&a.value));
        entries.truncate(8);
        let clicked = self.ranking(ui, &REASONS_CHART, &entries);
        clicked.map(|index| Drill::Reason(entries[index].label.clone()))
    }

    /// A horizontal bar chart of `entries`, largest at the top; returns the index of a
    /// clicked bar.
    fn ranking(&mut self, ui: &mut Ui, chart: &Chart, entries: &[Ranked]) -> Option<usize> {
        let Chart {
            name,
            unit,
            line,
            color,
        } = *chart;
        if entries.is_empty() {
            ui.label("Nothing in this period.");
            return None;
        }
        let count = entries.len();
        // Largest on top: entry i is drawn at y = count - 1 - i.
        let y_of = |index: usize| (count - 1 - index) as f64;
        let bars = entries
            .iter()
            .enumerate()
            .map(|(index, entry)| {
                Bar::new(y_of(index), entry.value)
                    .width(0.7)
                    .name(&entry.hover)
                    .fill(color.gamma_multiply(0.7))
                    .stroke(egui::Stroke::new(1.0, color))
            })
            .collect();
        let hovers: Vec<String> = entries.iter().map(|entry| entry.hover.clone()).collect();
        let labels: Vec<String> = entries.iter().map(|entry| entry.label.clone()).collect();
        let bars = BarChart::new(name.to_string(), bars)
            .horizontal()
            .color(color)
            .element_formatter(Box::new(move |bar, _| {
                hovers
                    .get(count - 1 - bar.argument as usize)
                    .cloned()
                    .unwrap_or_default()
            }));
        let response = Plot::new(name)
            .height(30.0 + 24.0 * count as f32)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .include_x(0.0)
            .x_axis_label(unit)
            .show_grid([true, false])
            .y_axis_min_width(110.0)
            .y_axis_formatter(move |mark, _| {
                let index = count as f64 - 1.0 - mark.value;
                if mark.value.fract() == 0.0 && index >= 0.0 {
                    labels.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .show(ui, |plot| {
                plot.bar_chart(bars);
                if let Some(x) = line {
                    plot.vline(VLine::new(format!("{x} % line"), x).color(look::WARNING));
                }
                plot.pointer_coordinate()
            });
        for (index, entry) in entries.iter().enumerate() {
            let centre = PlotPoint::new(entry.value / 2.0, y_of(index));
            self.bar_centres.push((
                format!("{name}/{}", entry.label),
                response.transform.position_from_point(&centre),
            ));
        }
        if !response.response.clicked() {
            return None;
        }
        let pointer = response.inner?;
        let y = pointer.y.round();
        let index = count as f64 - 1.0 - y;
        let on_bar = (pointer.y - y).abs() <= 0.35 && (0.0..count as f64).contains(&index);
        let index = index as usize;
        (on_bar && pointer.x >= 0.0 && pointer.x <= entries[index].value).then_some(index)
    }
}

/// What a ranking chart shows: its name (also its id), what the values count, an optional
/// vertical line (the 2 % line) and its colour.
struct Chart {
    name: &'static str,
    unit: &'static str,
    line: Option<f64>,
    color: Color32,
}

/// The domains ranking.
const DOMAINS_CHART: Chart = Chart {
    name: "domains",
    unit: "bounces",
    line: None,
    color: look::NEUTRAL,
};

/// The providers ranking (its line, the operator's bounce-rate line, is set per summary).
const PROVIDERS_CHART: Chart = Chart {
    name: "providers",
    unit: "% of your subscribers there who bounced",
    line: None,
    color: look::NEUTRAL,
};

/// The codes ranking.
const CODES_CHART: Chart = Chart {
    name: "codes",
    unit: "bounces by enhanced status code",
    line: None,
    color: look::NEUTRAL,
};

/// The reasons ranking.
const REASONS_CHART: Chart = Chart {
    name: "reasons",
    unit: "bounces by reason",
    line: None,
    color: look::CALM,
};

/// One bar of a ranking.
struct Ranked {
    label: String,
    value: f64,
    hover: String,
}

/// The headline numbers: bounces per class against the period before, the list's bounce rate
/// against the 2 % line, and the addresses suppressed.
fn headlines(
    ui: &mut Ui,
    range: Range,
    current: &Summary,
    previous: Option<&BTreeMap<String, i64>>,
) {
    ui.horizontal_wrapped(|ui| {
        for class in CLASSES {
            let now = current.by_class.get(class).copied().unwrap_or(0);
            let change = previous.map(|previous| {
                let before = previous.get(class).copied().unwrap_or(0);
                format!("{} {}", look::change(now, before), range.compared_with())
            });
            card(
                ui,
                class_label(class),
                &look::count(now),
                change.as_deref(),
                class_color(class),
            )
            .on_hover_text(look::class_meaning(class));
        }
        match &current.list {
            Some(list) => {
                let color = if list.above_line {
                    look::WARNING
                } else {
                    look::CALM
                };
                let note = format!(
                    "{} of {} subscribers; the line is {} %",
                    look::count(list.bounced),
                    look::count(list.members),
                    list.line * 100.0
                );
                card(
                    ui,
                    "List bounce rate",
                    &format!("{:.2} %", list.rate * 100.0),
                    Some(&note),
                    color,
                )
                .on_hover_text("Subscribers who bounced in the period, over all subscribers");
            }
            None => {
                card(
                    ui,
                    "List bounce rate",
                    "-",
                    Some("import your list to see it"),
                    Color32::GRAY,
                );
            }
        }
        card(
            ui,
            "Suppressed",
            &look::count(current.suppressed_in_period),
            Some("addresses taken off the list"),
            Color32::GRAY,
        )
        .on_hover_text(
            "Addresses the policy suppressed in this period (hard, complaints, repeated soft)",
        );
    });
}

/// One headline: a name, a big number, a note underneath.
fn card(
    ui: &mut Ui,
    name: &str,
    value: &str,
    note: Option<&str>,
    color: Color32,
) -> egui::Response {
    egui::Frame::group(ui.style())
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_min_width(120.0);
            ui.vertical(|ui| {
                ui.label(RichText::new(name).color(color).strong());
                ui.label(RichText::new(value).size(26.0));
                if let Some(note) = note {
                    ui.label(RichText::new(note).small());
                }
            });
        })
        .response
}

/// Sender-side alerts: providers refusing the sender, each with what to check.
fn alerts(ui: &mut Ui, summary: &Summary, drill: &mut Option<Drill>) {
    if summary.sender_alerts.is_empty() {
        ui.label("No sender-side alerts: no provider is refusing your mail in this period.");
        return;
    }
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.5, look::WARNING))
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.label(
                RichText::new("Sender-side alerts: fix these on your side")
                    .color(look::WARNING)
                    .strong(),
            );
            for alert in &summary.sender_alerts {
                ui.horizontal(|ui| {
                    ui.label(&alert.message);
                    if ui
                        .button(format!("Show {}", look::count(alert.count)))
                        .on_hover_text("List these bounces in the table")
                        .clicked()
                    {
                        *drill = Some(Drill::SenderSide {
                            provider: alert.provider.clone(),
                            from: alert.since_day,
                            days: (alert.until_day - alert.since_day + 1).max(1),
                        });
                    }
                });
            }
        });
}
