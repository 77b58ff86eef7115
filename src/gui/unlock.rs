//! The prompt for an encrypted store's passphrase, shown at start when no key at hand opens
//! the store (one encrypted with a passphrase, or one whose keyring key is on another
//! computer). What is typed is remembered for this run only — every connection the window
//! makes then opens the store with it — and written nowhere.

use crate::store::StoreKey;
use egui::RichText;
use std::path::{Path, PathBuf};

/// A store waiting for its passphrase.
pub struct UnlockPrompt {
    store: PathBuf,
    /// True when the last passphrase given did not open it.
    wrong: bool,
    typed: String,
    focused: bool,
}

/// What the operator did with the prompt this frame.
pub enum Unlocking {
    /// Still typing.
    Asking,
    /// Try this key on the store.
    Try(StoreKey),
    /// Show the demo mailbox instead.
    ShowDemo,
}

impl UnlockPrompt {
    /// Asks for the passphrase of `store`; `wrong` says the last one tried did not open it.
    pub fn new(store: &Path, wrong: bool) -> UnlockPrompt {
        UnlockPrompt {
            store: store.to_path_buf(),
            wrong,
            typed: String::new(),
            focused: false,
        }
    }

    /// Draws the prompt in a modal window.
    pub fn show(&mut self, ctx: &egui::Context) -> Unlocking {
        let mut answer = Unlocking::Asking;
        egui::Modal::new(egui::Id::unique("store passphrase")).show(ctx, |ui| {
            ui.heading("Unlock your bounce data");
            ui.label(format!(
                "{} is encrypted. Give the passphrase it was encrypted with.",
                self.store.display()
            ));
            if self.wrong {
                ui.label(
                    RichText::new("That passphrase does not open it; nothing was changed.")
                        .color(super::look::WARNING),
                );
            }
            let entered = super::passwords::secret_field(
                ui,
                "Passphrase",
                &mut self.typed,
                &mut self.focused,
            );
            ui.horizontal(|ui| {
                let typed = !self.typed.is_empty();
                if ui.add_enabled(typed, egui::Button::new("Unlock")).clicked()
                    || (typed && entered)
                {
                    // The text moves into the key, which wipes it when dropped.
                    if let Ok(key) = StoreKey::passphrase(std::mem::take(&mut self.typed)) {
                        answer = Unlocking::Try(key);
                    }
                }
                if ui.button("Show the demo instead").clicked() {
                    answer = Unlocking::ShowDemo;
                }
            });
            ui.label(
                RichText::new(format!(
                    "Kept in memory until Bounce Desk closes. To skip this prompt, start it \
                     with the passphrase in ${}.",
                    crate::store::key::PASSPHRASE_VARIABLE
                ))
                .weak(),
            );
        });
        answer
    }
}
