//! `bouncedesk recipient ADDRESS`, `bouncedesk keep ADDRESS` and `bouncedesk suppress
//! ADDRESS`: where one address stands and why, and the decisions a person takes about it.

use super::store::{fail, open};
use crate::human::minute as time_label;
use crate::store::ByHand;
use std::path::PathBuf;
use std::process::ExitCode;

/// Prints everything the store knows about `address`.
pub fn show(db: Option<PathBuf>, address: &str) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let history = match store.recipient_history(address) {
        Ok(history) => history,
        Err(error) => return fail(error),
    };
    say!("{}", history.address);
    match &history.row {
        Some(row) if row.since > 0 => say!(
            "  {} since {}: {}",
            row.state.as_str(),
            time_label(row.since),
            row.reason
        ),
        Some(row) => say!("  {}: {}", row.state.as_str(), row.reason),
        None => say!("  active: it never bounced"),
    }
    if history.lists.is_empty() {
        say!("  on no imported list");
    } else {
        say!("  on the list(s): {}", history.lists.join(", "));
    }
    if !history.bounces.is_empty() {
        say!("  bounces, oldest first:");
    }
    for bounce in &history.bounces {
        say!(
            "    #{:<7} {}  {:<8} {:<10} {:<16} {:<7} {}",
            bounce.id,
            time_label(bounce.occurred_at),
            bounce.action,
            bounce.class,
            bounce.reason,
            bounce.status.as_deref().unwrap_or("-"),
            bounce.why
        );
    }
    if !history.changes.is_empty() {
        say!("  state changes:");
    }
    for change in &history.changes {
        say!(
            "    {}  {} → {}: {}",
            time_label(change.at),
            change.from,
            change.to,
            change.reason
        );
    }
    ExitCode::SUCCESS
}

/// Keeps, suppresses or releases `address` by hand, with a note.
pub fn decide(db: Option<PathBuf>, address: &str, decision: ByHand, note: &str) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    if let Err(error) = store.decide_by_hand(address, decision, note) {
        return fail(error);
    }
    match store.recipient(address) {
        Ok(Some(row)) => {
            say!("{}: {} ({})", row.recipient, row.state.as_str(), row.reason);
            ExitCode::SUCCESS
        }
        Ok(None) => {
            say!("{address}: active");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}
