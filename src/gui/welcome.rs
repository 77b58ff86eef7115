//! The first-run view: what Bounce Desk does, and the two ways to start.

use egui::{RichText, Ui};

/// What the operator chose on the welcome view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Welcome {
    /// Set up their bounce mailbox.
    AddAccount,
    /// Look around with generated bounces first.
    OpenDemo,
}

/// Draws the welcome view; returns the choice made this frame.
pub fn show(ui: &mut Ui) -> Option<Welcome> {
    let mut choice = None;
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading(RichText::new("Welcome to Bounce Desk").size(28.0));
        ui.add_space(8.0);
        ui.label(
            "Bounce Desk reads your newsletter's bounce mailbox, sorts every bounce into hard, \
             soft, sender-side, complaint, auto-reply or unknown, and writes a cleaned list for \
             your newsletter tool.",
        );
        ui.label("Everything stays on this computer.");
        ui.add_space(20.0);
        if ui.button(RichText::new("Add account").size(18.0)).clicked() {
            choice = Some(Welcome::AddAccount);
        }
        ui.add_space(8.0);
        if ui
            .button(RichText::new("Open the demo mailbox").size(18.0))
            .clicked()
        {
            choice = Some(Welcome::OpenDemo);
        }
        ui.label("A few hundred made-up bounces, to see every view before connecting yours.");
    });
    choice
}
