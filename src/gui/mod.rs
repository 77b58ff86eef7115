//! The Bounce Desk window (eframe/egui): first run, the demo mailbox, accounts, sync with
//! progress, the dashboard and the bounce table.
//!
//! Every slow thing (queries over a million bounces, a sync, a connection test) runs on a
//! thread and wakes the window when it has news, so no frame waits for it. What stays on the
//! window's thread is small and rare: opening the store, the operator's own edits to accounts
//! and settings, keyring look-ups, and building the demo when asked.

mod accounts;
mod app;
mod automation;
mod buckets;
mod dashboard;
mod dialogs;
mod jobs;
mod labelling;
mod lists_view;
mod look;
mod passwords;
mod range;
mod reader;
mod recipients;
mod review;
mod rule_form;
mod rules_view;
mod settings_view;
mod sign_in;
mod table;
mod unlock;
mod upgrade;
mod welcome;
mod writer;

pub use app::{BounceDesk, Start, View};
pub use range::Range;

pub use automation::FrameScript;
use automation::{Automation, FrameTimes, Screenshot};
use std::path::PathBuf;
use std::time::Instant;

/// How `bouncedesk` without a subcommand was asked to open the window.
#[derive(Debug, Default)]
pub struct Launch {
    /// The store (`--db`), else the default one.
    pub db: Option<PathBuf>,
    /// Open the demo mailbox.
    pub demo: bool,
    /// The view to start on.
    pub view: Option<View>,
    /// Write a PNG of the view and close.
    pub screenshot: Option<PathBuf>,
    /// Drive the window through a scripted session and print frame times.
    pub frame_times: Option<FrameScript>,
}

/// The window's icon (rendered from assets/icon/bouncedesk.svg); none if it cannot be read.
fn icon() -> std::sync::Arc<egui::IconData> {
    let png = include_bytes!("../../assets/icon/256.png");
    std::sync::Arc::new(eframe::icon_data::from_png_bytes(png).unwrap_or_default())
}

/// Opens the window and returns when it closes; the error says what went wrong in words.
pub fn run(launch: Launch, started: Instant) -> Result<(), String> {
    let store = match launch.db.or_else(crate::store::Store::default_path) {
        Some(path) => path,
        None => return Err("no home folder for the store; give one with --db FILE".into()),
    };
    let (automation, shot_outcome, frame_report) = match (&launch.screenshot, launch.frame_times) {
        (Some(path), _) => {
            let shot = Screenshot::new(path.clone());
            let outcome = shot.outcome.clone();
            (Some(Automation::Screenshot(shot)), Some(outcome), None)
        }
        (None, Some(script)) => {
            let run = FrameTimes::new(started, script);
            let report = run.report.clone();
            (Some(Automation::FrameTimes(run)), None, Some(report))
        }
        (None, None) => (None, None, None),
    };
    // A scripted run starts from nothing remembered and leaves what the operator's window
    // remembers (size, view, column widths) alone: it keeps its own in a throwaway folder.
    let scratch = match automation {
        Some(_) => Some(
            tempfile::tempdir()
                .map_err(|error| format!("cannot make a scratch folder ({error})"))?,
        ),
        None => None,
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Bounce Desk")
            // The desktop groups the windows under this id and finds the icon installed
            // with it (packaging/linux/org.bouncedesk.BounceDesk.desktop).
            .with_app_id("org.bouncedesk.BounceDesk")
            .with_icon(icon())
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([720.0, 480.0]),
        persist_window: scratch.is_none(),
        persistence_path: scratch.as_ref().map(|dir| dir.path().join("app.ron")),
        ..eframe::NativeOptions::default()
    };
    let start = Start {
        store,
        demo: launch.demo,
        view: launch.view,
        automation,
        now: None,
    };
    eframe::run_native(
        "Bounce Desk",
        options,
        Box::new(move |cc| Ok(Box::new(BounceDesk::new(cc, start)))),
    )
    .map_err(|error| format!("cannot open the window ({error}); on Linux, check DISPLAY or WAYLAND_DISPLAY and the graphics drivers"))?;
    if let Some(outcome) = shot_outcome {
        let outcome = outcome.lock().map(|slot| slot.clone()).unwrap_or(None);
        return outcome
            .unwrap_or_else(|| Err("the window closed before the screenshot was taken".into()));
    }
    if let Some(report) = frame_report {
        let report = report.lock().map(|slot| slot.clone()).unwrap_or(None);
        println!(
            "{}",
            report.unwrap_or_else(|| Err("the window closed before the run ended".into()))?
        );
    }
    Ok(())
}
