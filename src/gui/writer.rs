//! The window's writer: one thread, with its own store connection, makes every change the
//! operator asks for (opening and migrating the store, building the demo, labels, decisions
//! by hand, settings, accounts, the model, the OS keyring) in the order asked, so that no
//! frame waits on a disk, a lock or a keyring prompt.
//!
//! Each change runs on the thread and hands back a step for the window to take with its
//! outcome (a notice, the state to show, what to ask the reader again); the window takes those
//! steps at the start of a frame. Changes asked while the store is opening wait behind it.

use crate::store::Store;
use std::sync::mpsc::{Receiver, Sender, channel};

/// What the window does with a change's outcome, on the UI thread.
pub type Then<App> = Box<dyn FnOnce(&mut App) + Send>;

/// A change made on the writer thread.
type Change<App> = Box<dyn FnOnce(&mut Store) -> Then<App> + Send>;

/// The writer thread and the steps it has handed back.
pub struct Writer<App> {
    changes: Sender<Change<App>>,
    outcomes: Receiver<Then<App>>,
    /// Changes asked and not yet taken back (the opening counts as one).
    pending: usize,
}

impl<App: 'static> Writer<App> {
    /// Starts the thread: `open` makes the store (and says what the window needs from it);
    /// if it fails, `failed` tells the window why (the window may answer a locked store with
    /// a prompt, any other failure with words), then once for every change asked later,
    /// which are not made. `wake` repaints the window.
    pub fn start<Why: Clone + From<String> + Send + 'static>(
        open: impl FnOnce() -> Result<(Store, Then<App>), Why> + Send + 'static,
        failed: fn(Why) -> Then<App>,
        wake: impl Fn() + Send + 'static,
    ) -> Writer<App> {
        let (changes, inbox) = channel::<Change<App>>();
        let (outbox, outcomes) = channel();
        let spawned = std::thread::Builder::new()
            .name("store writer".into())
            .spawn(move || {
                let reply = |then: Then<App>| {
                    let _ = outbox.send(then);
                    wake();
                };
                match open() {
                    Ok((mut store, opened)) => {
                        reply(opened);
                        while let Ok(change) = inbox.recv() {
                            reply(change(&mut store));
                        }
                    }
                    Err(why) => {
                        reply(failed(why.clone()));
                        while inbox.recv().is_ok() {
                            reply(failed(why.clone()));
                        }
                    }
                }
            });
        let writer = Writer {
            changes,
            outcomes,
            pending: 1,
        };
        if let Err(error) = spawned {
            // No thread: the window hears why now (and again for every change asked).
            let (outbox, outcomes) = channel();
            let why = format!("cannot start the store writer: {error}");
            let _ = outbox.send(failed(Why::from(why)));
            return Writer { outcomes, ..writer };
        }
        writer
    }

    /// Makes `change` on the writer thread, after every change asked before it.
    pub fn change(&mut self, change: impl FnOnce(&mut Store) -> Then<App> + Send + 'static) {
        self.pending += 1;
        if self.changes.send(Box::new(change)).is_err() {
            // The thread is gone (it could not start): nothing will come back for this one.
            self.pending -= 1;
        }
    }

    /// True while a change (or the opening) is under way.
    pub fn busy(&self) -> bool {
        self.pending > 0
    }

    /// The steps the changes made since the last call handed back, in order.
    pub fn receive(&mut self) -> Vec<Then<App>> {
        let steps: Vec<Then<App>> = self.outcomes.try_iter().collect();
        self.pending = self.pending.saturating_sub(steps.len());
        steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn steps_until_idle(writer: &mut Writer<Vec<String>>, log: &mut Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while writer.busy() && Instant::now() < deadline {
            for step in writer.receive() {
                step(log);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn changes_run_in_order_after_the_opening_and_report_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.sqlite");
        let mut writer: Writer<Vec<String>> = Writer::start(
            move || {
                let store = Store::open(&path).map_err(|error| error.to_string())?;
                let opened: Then<Vec<String>> = Box::new(|log| log.push("opened".into()));
                Ok((store, opened))
            },
            |why: String| Box::new(move |log| log.push(format!("failed: {why}"))),
            || {},
        );
        for value in ["1", "2"] {
            writer.change(move |store| {
                let result = store.set_setting("test.key", value);
                Box::new(move |log| log.push(format!("set {value}: {}", result.is_ok())))
            });
        }
        let mut log = Vec::new();
        steps_until_idle(&mut writer, &mut log);
        assert_eq!(log, ["opened", "set 1: true", "set 2: true"]);
    }

    #[test]
    fn a_store_that_cannot_open_answers_every_change_with_why() {
        let mut writer: Writer<Vec<String>> = Writer::start(
            || Err("the disk is gone".to_string()),
            |why: String| Box::new(move |log| log.push(why)),
            || {},
        );
        writer.change(|_| Box::new(|log| log.push("made".into())));
        let mut log = Vec::new();
        steps_until_idle(&mut writer, &mut log);
        assert_eq!(log, ["the disk is gone", "the disk is gone"]);
    }
}
