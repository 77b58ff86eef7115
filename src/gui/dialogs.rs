//! The system's file dialogs (through `rfd`) and reading a chosen CSV, each on a thread of its
//! own: a dialog waits for the person and a large list takes a moment to read, and the window
//! must keep drawing meanwhile. Results come back through a channel that the window drains
//! every frame.

use crate::lists::{self, ImportedList};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

/// What a dialog or a read found.
#[derive(Debug)]
pub enum DialogEvent {
    /// The open dialog closed: the file chosen, if any.
    Opened(Option<PathBuf>),
    /// The save dialog closed: what was to be saved, and where to write it, if anywhere.
    SaveTo(Saving, Option<PathBuf>),
    /// A list file was read: the list, or why it could not be.
    Read {
        /// The file.
        path: PathBuf,
        /// The list, or the reason in words.
        result: Result<Arc<ImportedList>, String>,
    },
}

/// What a save dialog asks a place for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saving {
    /// A list export.
    Export,
    /// A backup of the store.
    Backup,
}

/// The dialogs and reads under way.
pub struct Dialogs {
    sender: Sender<DialogEvent>,
    events: Receiver<DialogEvent>,
    wake: Arc<dyn Fn() + Send + Sync>,
    /// True while a dialog is open (a second one is not opened).
    pub open: bool,
}

impl Dialogs {
    /// No dialog yet; `wake` repaints the window.
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> Dialogs {
        let (sender, events) = channel();
        Dialogs {
            sender,
            events,
            wake: Arc::new(wake),
            open: false,
        }
    }

    /// Asks which subscriber list to import.
    pub fn open_list(&mut self) {
        self.dialog(|| {
            let picked = pollster::block_on(
                rfd::AsyncFileDialog::new()
                    .set_title("Import a subscriber list")
                    .add_filter("CSV or text", &["csv", "txt", "tsv"])
                    .pick_file(),
            );
            DialogEvent::Opened(picked.map(|file| file.path().to_path_buf()))
        });
    }

    /// Asks where to write `saving`, offering `file_name`.
    pub fn save_as(&mut self, saving: Saving, file_name: String) {
        self.dialog(move || {
            let title = match saving {
                Saving::Export => "Export",
                Saving::Backup => "Back up the store",
            };
            let picked = pollster::block_on(
                rfd::AsyncFileDialog::new()
                    .set_title(title)
                    .set_file_name(file_name)
                    .save_file(),
            );
            DialogEvent::SaveTo(saving, picked.map(|file| file.path().to_path_buf()))
        });
    }

    /// Reads the list in `path` (a chosen or dropped file).
    pub fn read_list(&self, path: PathBuf) {
        let (sender, wake) = (self.sender.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            let result = std::fs::read(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))
                .and_then(|bytes| lists::read_list(&bytes).map_err(|error| error.to_string()))
                .map(Arc::new);
            let _ = sender.send(DialogEvent::Read { path, result });
            wake();
        });
        if spawned.is_err() {
            let _ = self.sender.send(DialogEvent::Read {
                path: PathBuf::new(),
                result: Err("cannot start reading the file".into()),
            });
        }
    }

    /// Takes in what arrived.
    pub fn receive(&mut self) -> Vec<DialogEvent> {
        let events: Vec<DialogEvent> = self.events.try_iter().collect();
        if events
            .iter()
            .any(|event| matches!(event, DialogEvent::Opened(_) | DialogEvent::SaveTo(..)))
        {
            self.open = false;
        }
        events
    }

    fn dialog(&mut self, ask: impl FnOnce() -> DialogEvent + Send + 'static) {
        if self.open {
            return;
        }
        self.open = true;
        let (sender, wake) = (self.sender.clone(), self.wake.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            let _ = sender.send(ask());
            wake();
        });
        if spawned.is_err() {
            self.open = false;
        }
    }
}
