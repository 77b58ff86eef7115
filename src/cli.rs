//! The `bouncedesk` command line: parses arguments and dispatches to the library.
//!
//! It holds no logic of its own beyond printing, so scripts, cron jobs and tests drive exactly
//! the code the window uses.

use crate::classify::{Bounce, Classifier, Report};
use crate::mailfiles;
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Command-line arguments of `bouncedesk`.
#[derive(Debug, Parser)]
#[command(
    name = "bouncedesk",
    version,
    about = "Classify a newsletter's bounces and clean its list, on your own machine."
)]
pub struct Cli {
    /// What to do; without one, the window opens (once the GUI lands) or help is shown.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify messages (files, folders, maildirs, mbox files) and print one verdict per
    /// failed recipient.
    Classify {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Files or folders to read; folders are walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// How `classify` prints its verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line (per failed recipient, or one per non-bounce file).
    Jsonl,
    /// Aligned columns for people.
    Table,
}

/// Runs the parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Some(Command::Classify { format, paths }) => classify(format, &paths),
        None => {
            eprintln!(
                "The Bounce Desk window is not built yet. Try:\n  \
                 bouncedesk classify --format table assets/samples\n\
                 or `bouncedesk --help` for every command."
            );
            ExitCode::SUCCESS
        }
    }
}

/// One line of `classify --format jsonl`: the contract fields of `DESIGN.md` first, then the
/// rest of what the engine knows.
#[derive(Debug, Serialize)]
struct JsonLine<'a> {
    file: &'a str,
    kind: &'static str,
    #[serde(flatten)]
    bounce: Option<&'a Bounce>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_message_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_list_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_subject: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    anomalies: &'a [String],
}

fn classify(format: Format, paths: &[PathBuf]) -> ExitCode {
    let classifier = Classifier::default();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut failures = 0usize;
    if format == Format::Table {
        let _ = writeln!(
            out,
            "{:<40} {:<9} {:<36} {:<10} {:<15} {:<7} {:<5}",
            "FILE", "KIND", "RECIPIENT", "CLASS", "REASON", "STATUS", "REPLY"
        );
    }
    for found in mailfiles::walk(paths) {
        let file = match found {
            Ok(file) => file,
            Err(error) => {
                failures += 1;
                eprintln!("bouncedesk: {error}");
                continue;
            }
        };
        let report = classifier.classify(&file.bytes);
        let written = match format {
            Format::Jsonl => write_jsonl(&mut out, &file.name, &report),
            Format::Table => write_table(&mut out, &file.name, &report),
        };
        if let Err(error) = written {
            eprintln!("bouncedesk: cannot write the output: {error}");
            return ExitCode::FAILURE;
        }
    }
    if let Err(error) = out.flush() {
        eprintln!("bouncedesk: cannot write the output: {error}");
        return ExitCode::FAILURE;
    }
    if failures > 0 {
        eprintln!("bouncedesk: {failures} path(s) could not be read; the rest was classified");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn write_jsonl(out: &mut impl Write, file: &str, report: &Report) -> io::Result<()> {
    let line = |bounce| JsonLine {
        file,
        kind: report.kind.as_str(),
        bounce,
        original_message_id: report.original.message_id.as_deref(),
        original_list_id: report.original.list_id.as_deref(),
        original_subject: report.original.subject.as_deref(),
        anomalies: &report.anomalies,
    };
    let lines: Vec<JsonLine<'_>> = if report.bounces.is_empty() {
        vec![line(None)]
    } else {
        report
            .bounces
            .iter()
            .map(|bounce| line(Some(bounce)))
            .collect()
    };
    for line in lines {
        serde_json::to_writer(&mut *out, &line).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, file: &str, report: &Report) -> io::Result<()> {
    let file = shorten(file, 40);
    if report.bounces.is_empty() {
        return writeln!(out, "{file:<40} {:<9}", report.kind.as_str());
    }
    for bounce in &report.bounces {
        writeln!(
            out,
            "{file:<40} {:<9} {:<36} {:<10} {:<15} {:<7} {:<5}",
            report.kind.as_str(),
            shorten(&bounce.recipient, 36),
            bounce.class.as_str(),
            bounce.reason.as_str(),
            bounce.status.as_deref().unwrap_or("-"),
            bounce
                .reply_code
                .map_or_else(|| "-".to_string(), |code| code.to_string()),
        )?;
    }
    Ok(())
}

/// Keeps the end of a long value (the file name matters more than its folders).
fn shorten(value: &str, width: usize) -> String {
    let count = value.chars().count();
    if count <= width {
        return value.to_string();
    }
    let tail: String = value.chars().skip(count + 1 - width).collect();
    format!("…{tail}")
}
