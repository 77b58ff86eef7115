//! The subcommands that work on the store: ingest, reclassify, import, export, stats.
//!
//! Each opens the store, calls the library, prints what happened, and turns errors into a
//! message on stderr and a non-zero exit status.

use crate::lists::{self, ExportFormat, RowProblemKind};
use crate::mailfiles;
use crate::store::stats::Period;
use crate::store::{IngestSummary, Prepared, ReclassifySummary, Source, Store, today};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::store::BATCH;

/// Prints an error and gives the failure exit status.
pub(super) fn fail(error: impl Display) -> ExitCode {
    eprintln!("bouncedesk: {error}");
    ExitCode::FAILURE
}

/// The store file named by `--db`, or the default one.
fn store_path(db: Option<PathBuf>) -> Result<PathBuf, ExitCode> {
    db.or_else(Store::default_path)
        .ok_or_else(|| fail("no data folder is known for this system; pass --db FILE"))
}

/// Opens the store named by `--db` or the default one; an encrypted store with no key at
/// hand asks for its passphrase in a terminal.
pub(super) fn open(db: Option<PathBuf>) -> Result<Store, ExitCode> {
    let path = store_path(db)?;
    let store = match Store::open(&path) {
        Err(crate::store::StoreError::Locked { .. }) if super::protect::ask_passphrase(&path) => {
            Store::open(&path)
        }
        opened => opened,
    }
    .map_err(fail)?;
    super::protect::warn_if_plain(&store);
    Ok(store)
}

/// `bouncedesk ingest PATH...`
pub fn ingest(db: Option<PathBuf>, paths: &[PathBuf]) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let classifier = match store.classifier() {
        Ok(classifier) => classifier,
        Err(error) => return fail(error),
    };
    let mut summary = IngestSummary::default();
    let mut unreadable = 0usize;
    let mut batch = Vec::with_capacity(BATCH);
    let mut commit = |batch: &mut Vec<Prepared>, summary: &mut IngestSummary| {
        let result = store.commit(batch);
        batch.clear();
        result.map(|done| *summary += done)
    };
    for found in mailfiles::walk(paths) {
        let file = match found {
            Ok(file) => file,
            Err(error) => {
                unreadable += 1;
                eprintln!("bouncedesk: {error}");
                continue;
            }
        };
        let source = Source::File { path: file.name };
        match Prepared::new(source, &file.bytes, &classifier) {
            Ok(prepared) => batch.push(prepared),
            Err(error) => return fail(error),
        }
        if batch.len() >= BATCH
            && let Err(error) = commit(&mut batch, &mut summary)
        {
            return fail(error);
        }
    }
    if let Err(error) = commit(&mut batch, &mut summary) {
        return fail(error);
    }
    say!(
        "{} new message(s), {} already stored, {} recipient result(s), {} recipient state change(s)",
        summary.new_messages,
        summary.already_stored,
        summary.bounces,
        summary.state_changes
    );
    if unreadable > 0 {
        eprintln!("bouncedesk: {unreadable} path(s) could not be read; the rest was stored");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `bouncedesk reclassify [--dry-run]`
pub fn reclassify(db: Option<PathBuf>, dry_run: bool) -> ExitCode {
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let classifier = match store.classifier() {
        Ok(classifier) => classifier,
        Err(error) => return fail(error),
    };
    let summary = match store.reclassify(&classifier, dry_run) {
        Ok(summary) => summary,
        Err(error) => return fail(error),
    };
    print_changes(&summary);
    ExitCode::SUCCESS
}

/// Prints what a re-classification changed (or would change): each recipient, the counts per
/// transition, and a summary line.
pub(super) fn print_changes(summary: &ReclassifySummary) {
    for change in &summary.changes {
        say!(
            "message {:>7}  {:<40} {} → {}",
            change.message_id,
            change.recipient,
            change.old,
            change.new
        );
    }
    for (transition, count) in &summary.by_transition {
        say!("{count:>7} × {transition}");
    }
    say!(
        "{} message(s) read, {} would change{}",
        summary.messages,
        summary.changed_messages,
        if summary.applied {
            "; changes written (labels given by hand kept)"
        } else {
            " (dry run: nothing written)"
        }
    );
}

/// `bouncedesk import LIST.csv`
pub fn import(db: Option<PathBuf>, file: &Path, name: Option<String>) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            return fail(format!(
                "{}: cannot read ({error}); check the path",
                file.display()
            ));
        }
    };
    let list = match lists::read_list(&bytes) {
        Ok(list) => list,
        Err(error) => return fail(format!("{}: {error}", file.display())),
    };
    let name = name.unwrap_or_else(|| {
        file.file_name()
            .map_or_else(|| "list".to_string(), |n| n.to_string_lossy().into_owned())
    });
    let mut store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    if let Err(error) = store.save_list(&name, &file.display().to_string(), &list) {
        return fail(error);
    }
    let count = |kind| list.problems.iter().filter(|p| p.kind == kind).count();
    say!(
        "{name}: {} subscriber(s) imported ({} list), {} invalid address(es), {} duplicate(s) skipped",
        list.rows.len(),
        list.tool.as_str(),
        count(RowProblemKind::Invalid),
        count(RowProblemKind::Duplicate)
    );
    for problem in &list.problems {
        eprintln!(
            "  row {}: {:?} {:?}",
            problem.row_number, problem.kind, problem.value
        );
    }
    ExitCode::SUCCESS
}

/// `bouncedesk export --format F --output FILE`
pub fn export(
    db: Option<PathBuf>,
    format: ExportFormat,
    output: &Path,
    list_name: Option<&str>,
) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let suppressed = match store.suppressed() {
        Ok(rows) => rows,
        Err(error) => return fail(error),
    };
    let stored = if format == ExportFormat::Cleaned {
        match store.load_list(list_name) {
            Ok(Some(stored)) => Some(stored),
            Ok(None) => {
                return fail(
                    "no list imported yet: run `bouncedesk import LIST.csv` first (or name one with --list)",
                );
            }
            Err(error) => return fail(error),
        }
    } else {
        None
    };
    let list = stored.as_ref().map(|stored| &stored.list);
    let plan = lists::ExportPlan::new(format, list, &suppressed);
    // Written beside the target and renamed, so a failed export never leaves half a file.
    let written = lists::export_to(output, format, list, &suppressed);
    match written {
        Ok(_) => {
            say!("{}: {}", output.display(), plan.describe(format));
            ExitCode::SUCCESS
        }
        Err(error) => fail(format!("{}: cannot write ({error})", output.display())),
    }
}

/// `bouncedesk stats [--json] [--days N]`
pub fn stats(db: Option<PathBuf>, json: bool, days: Option<i64>) -> ExitCode {
    let store = match open(db) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let period = days.map_or(Period::ALL, |days| Period::last_days(today(), days.max(1)));
    let summary = match store.summary(period) {
        Ok(summary) => summary,
        Err(error) => return fail(error),
    };
    if json {
        return match serde_json::to_string_pretty(&summary) {
            Ok(text) => {
                say!("{text}");
                ExitCode::SUCCESS
            }
            Err(error) => fail(error),
        };
    }
    say!(
        "{} message(s), {} recipient result(s), {} delay notice(s)",
        summary.messages,
        summary.bounces,
        summary.delayed
    );
    say!("store: {}", store.protection().describe());
    for (class, n) in &summary.by_class {
        say!("  {class:<11} {n}");
    }
    if let Some(list) = &summary.list {
        let above = if list.above_line {
            format!(" — above the {} % line", list.line * 100.0)
        } else {
            String::new()
        };
        say!(
            "list: {} of {} members bounced = {:.2} %{above}",
            list.bounced,
            list.members,
            list.rate * 100.0,
        );
    }
    say!("top domains:");
    for group in summary.top_domains.iter().take(10) {
        say!(
            "  {:<30} {:>7} (hard {}, sender {})",
            group.name,
            group.bounces,
            group.hard,
            group.sender
        );
    }
    for alert in &summary.sender_alerts {
        say!("ALERT {}", alert.message);
    }
    ExitCode::SUCCESS
}
