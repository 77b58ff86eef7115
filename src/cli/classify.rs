//! `bouncedesk classify`: verdicts for message files, printed as JSON lines or a table.

use super::Format;
use crate::classify::{Bounce, Classifier, Report};
use crate::mailfiles;
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Classifies every message under `paths` and prints the verdicts.
pub fn run(format: Format, paths: &[PathBuf]) -> ExitCode {
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
