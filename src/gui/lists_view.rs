//! The Lists view: a subscriber list in (chosen in the system's dialog or dropped on the
//! window, previewed before anything is stored), and the cleaned list or a suppression list
//! out (the format chosen, previewed with its counts before anything is written; a file that
//! exists is replaced only after asking).

use super::reader::ListsAnswer;
use crate::lists::{ExportFormat, ImportedList, RowProblemKind};
use egui::{RichText, Ui};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many skipped rows the import preview names.
const PROBLEMS_SHOWN: usize = 5;

/// A list read from a file, waiting for the operator's yes.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    /// The file.
    pub path: PathBuf,
    /// What was read, or why nothing could be.
    pub list: Result<Arc<ImportedList>, String>,
    /// The name to store it under.
    pub name: String,
}

/// The Lists view's state.
#[derive(Debug)]
pub struct ListsView {
    /// The list read and shown before it is stored.
    pub preview: Option<ImportPreview>,
    /// The file being read.
    pub reading: Option<PathBuf>,
    /// The export chosen.
    pub format: ExportFormat,
    /// The list the cleaned export starts from (`None`: the newest).
    pub list: Option<String>,
    /// A chosen export target that exists: replaced only after the operator says so.
    pub confirm_replace: Option<PathBuf>,
    /// Set when the export choice changed and its preview must be asked again.
    pub changed: bool,
}

impl Default for ListsView {
    fn default() -> Self {
        ListsView {
            preview: None,
            reading: None,
            format: ExportFormat::Cleaned,
            list: None,
            confirm_replace: None,
            changed: true,
        }
    }
}

/// What the operator asked in the Lists view.
#[derive(Debug, Clone)]
pub enum ListsAction {
    /// Open the system's dialog to choose a list file.
    ChooseFile,
    /// Store the previewed list.
    Import {
        /// Its name.
        name: String,
        /// The file it came from.
        path: PathBuf,
        /// The list.
        list: Arc<ImportedList>,
    },
    /// Open the system's dialog to choose where to write the export.
    ChooseTarget,
    /// Write the export to this file.
    Export(PathBuf),
}

impl ListsView {
    /// A file was chosen or dropped: it is being read.
    pub fn reading(&mut self, path: PathBuf) {
        self.preview = None;
        self.reading = Some(path);
    }

    /// The file was read: show what it holds before storing it.
    pub fn read(&mut self, path: PathBuf, list: Result<Arc<ImportedList>, String>) {
        self.reading = None;
        let name = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "subscribers".to_string());
        self.preview = Some(ImportPreview { path, list, name });
    }

    /// The export target was chosen: write there, or ask first when a file is there.
    pub fn target(&mut self, path: PathBuf) -> Option<ListsAction> {
        if path.exists() {
            self.confirm_replace = Some(path);
            None
        } else {
            Some(ListsAction::Export(path))
        }
    }

    /// Draws the view; returns what the operator asked. `busy` while a list is stored or an
    /// export written.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        answer: Option<&ListsAnswer>,
        busy: bool,
    ) -> Option<ListsAction> {
        let mut action = None;
        ui.heading("Import a subscriber list");
        ui.label(
            "A CSV exported from Mailchimp, listmonk, Sendy, Mautic or any tool: its tool, \
             delimiter and e-mail column are found by themselves. Nothing is stored until you \
             say so.",
        );
        ui.horizontal(|ui| {
            if ui.button("Choose a list file…").clicked() {
                action = Some(ListsAction::ChooseFile);
            }
            ui.label("or drop the file on the window");
        });
        if let Some(path) = &self.reading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("Reading {}…", path.display()));
            });
        }
        if let Some(found) = self.import_preview(ui, busy) {
            action = Some(found);
        }
        ui.separator();
        ui.heading("Export");
        action = action.or_else(|| self.export(ui, answer, busy));
        action
    }

    fn import_preview(&mut self, ui: &mut Ui, busy: bool) -> Option<ListsAction> {
        let preview = self.preview.as_mut()?;
        let mut action = None;
        let list = match &preview.list {
            Ok(list) => list.clone(),
            Err(problem) => {
                ui.label(RichText::new(problem).color(super::look::WARNING));
                return None;
            }
        };
        ui.label(RichText::new(file_name(&preview.path)).strong());
        let column = list
            .header
            .get(list.email_column)
            .cloned()
            .unwrap_or_else(|| format!("column {}", list.email_column + 1));
        let delimiter = match list.delimiter {
            b'\t' => "tab".to_string(),
            other => format!("\"{}\"", char::from(other)),
        };
        let tool = match list.tool {
            crate::lists::Tool::Mailchimp => "Mailchimp",
            crate::lists::Tool::Listmonk => "listmonk",
            crate::lists::Tool::Sendy => "Sendy",
            crate::lists::Tool::Mautic => "Mautic",
            crate::lists::Tool::Generic => "a plain CSV",
        };
        ui.label(format!(
            "{} subscriber(s) · from {tool} · delimiter {delimiter} · e-mail in \"{column}\" · {}",
            super::look::count(list.rows.len() as i64),
            list.encoding.as_str()
        ));
        let invalid = list
            .problems
            .iter()
            .filter(|problem| problem.kind == RowProblemKind::Invalid)
            .count();
        let duplicate = list.problems.len() - invalid;
        if !list.problems.is_empty() {
            ui.label(format!(
                "{} row(s) will be skipped: {invalid} without a valid address, {duplicate} \
                 repeating an address",
                list.problems.len()
            ));
            for problem in list.problems.iter().take(PROBLEMS_SHOWN) {
                let why = match problem.kind {
                    RowProblemKind::Invalid => "not an address",
                    RowProblemKind::Duplicate => "already on the list",
                };
                ui.label(format!(
                    "  row {}: \"{}\" — {why}",
                    problem.row_number, problem.value
                ));
            }
        }
        let mut cancel = false;
        ui.horizontal(|ui| {
            let label = ui.label("List name");
            ui.add(egui::TextEdit::singleline(&mut preview.name).desired_width(220.0))
                .labelled_by(label.id)
                .on_hover_text("Importing a name again replaces that list");
            let ready = !preview.name.trim().is_empty() && !busy;
            if ui
                .add_enabled(ready, egui::Button::new("Import list"))
                .clicked()
            {
                action = Some(ListsAction::Import {
                    name: preview.name.trim().to_string(),
                    path: preview.path.clone(),
                    list: list.clone(),
                });
            }
            cancel = ui.button("Cancel import").clicked();
        });
        if cancel {
            self.preview = None;
        }
        action
    }

    fn export(
        &mut self,
        ui: &mut Ui,
        answer: Option<&ListsAnswer>,
        busy: bool,
    ) -> Option<ListsAction> {
        let mut action = None;
        let before = (self.format, self.list.clone());
        egui::ComboBox::from_label("Export format")
            .selected_text(self.format.describe())
            .show_ui(ui, |ui| {
                for format in ExportFormat::ALL {
                    ui.selectable_value(&mut self.format, format, format.describe());
                }
            });
        if self.format == ExportFormat::Cleaned
            && let Some(answer) = answer
        {
            let shown = self
                .list
                .clone()
                .or_else(|| answer.names.first().map(|(name, _)| name.clone()))
                .unwrap_or_else(|| "no list imported yet".to_string());
            egui::ComboBox::from_label("List to clean")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for (name, members) in &answer.names {
                        let text = format!("{name} ({})", super::look::count(*members));
                        ui.selectable_value(&mut self.list, Some(name.clone()), text);
                    }
                });
        }
        if (self.format, self.list.clone()) != before {
            self.changed = true;
        }
        let current = answer.filter(|a| a.format == self.format && a.list == self.list);
        match current {
            Some(answer) if self.format == ExportFormat::Cleaned && answer.names.is_empty() => {
                ui.label("Import your subscriber list first: the cleaned list is that list minus the suppressed addresses.");
            }
            Some(answer) => {
                ui.label(RichText::new(answer.plan.describe(self.format)).strong());
                if ui
                    .add_enabled(!busy, egui::Button::new("Export…"))
                    .on_hover_text("Choose where to write it; nothing is written before")
                    .clicked()
                {
                    action = Some(ListsAction::ChooseTarget);
                }
            }
            None => {
                ui.spinner();
            }
        }
        if let Some(path) = self.confirm_replace.clone() {
            ui.label(format!("{} exists. Replace it?", path.display()));
            ui.horizontal(|ui| {
                if ui.button("Replace it").clicked() {
                    action = Some(ListsAction::Export(path.clone()));
                    self.confirm_replace = None;
                }
                if ui.button("Keep it").clicked() {
                    self.confirm_replace = None;
                }
            });
        }
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Working…");
            });
        }
        action
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
