//! Writing what the newsletter tool imports: the cleaned list (the imported rows minus the
//! suppressed addresses, every other column as it was) and the suppression list in each
//! tool's format. Every cell but the address goes through [`super::inert`], so that a list
//! opened in a spreadsheet runs nothing.

use super::{ImportedList, TextEncoding, inert, inert_address};
use crate::policy::date;
use crate::store::SuppressedRow;
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::Path;

/// The files `bouncedesk export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// The imported list minus suppressed addresses, in its own columns and delimiter.
    Cleaned,
    /// listmonk import CSV (`email,name,attributes`); import it with mode "Blocklist".
    Listmonk,
    /// Mailchimp import CSV (`Email Address`, …); import with status "Cleaned" or
    /// "Unsubscribed".
    Mailchimp,
    /// Mautic contact import CSV with `doNotEmail` = 1 (map it under "Special fields").
    Mautic,
    /// Sendy: one address per line, no header (suppression list or mass unsubscribe).
    Sendy,
    /// Generic suppression CSV: email, reason, class, status, reply code, date, why.
    Suppression,
}

impl ExportFormat {
    /// Every format, in the order the window offers them.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Cleaned,
        ExportFormat::Listmonk,
        ExportFormat::Mailchimp,
        ExportFormat::Mautic,
        ExportFormat::Sendy,
        ExportFormat::Suppression,
    ];

    /// What the format is, for people.
    pub fn describe(self) -> &'static str {
        match self {
            ExportFormat::Cleaned => "Cleaned list (your list minus suppressed addresses)",
            ExportFormat::Listmonk => "listmonk suppression (import as blocklist)",
            ExportFormat::Mailchimp => "Mailchimp suppression (import as cleaned)",
            ExportFormat::Mautic => "Mautic suppression (do not email)",
            ExportFormat::Sendy => "Sendy suppression (one address per line)",
            ExportFormat::Suppression => "Suppression CSV with reasons",
        }
    }

    /// A file name to offer in the save dialog.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Cleaned => "cleaned-list.csv",
            ExportFormat::Listmonk => "listmonk-blocklist.csv",
            ExportFormat::Mailchimp => "mailchimp-cleaned.csv",
            ExportFormat::Mautic => "mautic-do-not-email.csv",
            ExportFormat::Sendy => "sendy-suppression.txt",
            ExportFormat::Suppression => "suppression.csv",
        }
    }
}

/// What an export will write, shown before it is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportPlan {
    /// Rows the file will hold (kept subscribers, or suppressed addresses).
    pub written: usize,
    /// Subscribers of the list left out (the cleaned list only).
    pub left_out: usize,
    /// Why the addresses are suppressed: cause → how many (of those written for a
    /// suppression list, of those left out for a cleaned one).
    pub causes: BTreeMap<&'static str, usize>,
}

impl ExportPlan {
    /// What `format` will write from `list` (for the cleaned list) and `suppressed`.
    pub fn new(
        format: ExportFormat,
        list: Option<&ImportedList>,
        suppressed: &[SuppressedRow],
    ) -> Self {
        let mut plan = ExportPlan::default();
        match (format, list) {
            (ExportFormat::Cleaned, Some(list)) => {
                let by_address: BTreeMap<&str, &SuppressedRow> = suppressed
                    .iter()
                    .map(|row| (row.recipient.as_str(), row))
                    .collect();
                for row in &list.rows {
                    match by_address.get(row.email.as_str()) {
                        Some(cause) => {
                            plan.left_out += 1;
                            *plan.causes.entry(cause_of(cause)).or_default() += 1;
                        }
                        None => plan.written += 1,
                    }
                }
            }
            (ExportFormat::Cleaned, None) => {}
            _ => {
                plan.written = suppressed.len();
                for row in suppressed {
                    *plan.causes.entry(cause_of(row)).or_default() += 1;
                }
            }
        }
        plan
    }

    /// The plan in words: "4,812 kept, 63 removed: 41 hard, 12 complaints, 10 soft in a row".
    pub fn describe(&self, format: ExportFormat) -> String {
        let causes: Vec<String> = self
            .causes
            .iter()
            .map(|(cause, n)| format!("{n} {cause}"))
            .collect();
        let causes = if causes.is_empty() {
            String::new()
        } else {
            format!(": {}", causes.join(", "))
        };
        match format {
            ExportFormat::Cleaned => format!(
                "{} kept, {} removed{causes}",
                crate::human::count(self.written as i64),
                crate::human::count(self.left_out as i64)
            ),
            _ => format!(
                "{} suppressed address(es){causes}",
                crate::human::count(self.written as i64)
            ),
        }
    }
}

/// Why an address is suppressed, as the export preview groups it.
fn cause_of(row: &SuppressedRow) -> &'static str {
    match row.class.as_str() {
        "hard" => "hard",
        "complaint" => "complaints",
        "soft" => "soft in a row",
        "" => "by hand",
        _ => "other",
    }
}

/// Writes `format` to `path` whole or not at all: the cleaned list from `list`, a suppression
/// list from `suppressed`. Returns the rows written.
pub fn export_to(
    path: &Path,
    format: ExportFormat,
    list: Option<&ImportedList>,
    suppressed: &[SuppressedRow],
) -> io::Result<usize> {
    crate::files::write_atomically(path, |out| match (format, list) {
        (ExportFormat::Cleaned, Some(list)) => {
            let keys: HashSet<String> =
                suppressed.iter().map(|row| row.recipient.clone()).collect();
            write_cleaned(list, &keys, out)
        }
        (ExportFormat::Cleaned, None) => Err(io::Error::other(
            "no list imported yet: import your subscriber list first",
        )),
        _ => write_suppression(format, suppressed, out),
    })
}

/// Writes the cleaned list: `list` without the addresses in `suppressed`, in the file's own
/// delimiter, encoding, byte-order mark and `sep=` line. Returns the number of rows written.
pub fn write_cleaned(
    list: &ImportedList,
    suppressed: &HashSet<String>,
    mut out: impl Write,
) -> io::Result<usize> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(list.delimiter)
        .flexible(true)
        .from_writer(Vec::new());
    if !list.header.is_empty() {
        write_row(&mut writer, &list.header, None)?;
    }
    let mut written = 0;
    for row in list
        .rows
        .iter()
        .filter(|row| !suppressed.contains(&row.email))
    {
        write_row(&mut writer, &row.cells, Some(list.email_column))?;
        written += 1;
    }
    let csv = writer
        .into_inner()
        .map_err(|error| io::Error::other(error.to_string()))?;
    let mut text = String::from_utf8(csv).map_err(io::Error::other)?;
    if list.sep_line {
        text.insert_str(0, &format!("sep={}\n", char::from(list.delimiter)));
    }
    match list.encoding {
        TextEncoding::Utf8 => {
            if list.had_bom {
                out.write_all(b"\xEF\xBB\xBF")?;
            }
            out.write_all(text.as_bytes())?;
        }
        TextEncoding::Windows1252 => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
            out.write_all(&bytes)?;
        }
    }
    out.flush()?;
    Ok(written)
}

/// Writes one record with every cell made inert; the address column (if any) only when it
/// could be read as a formula, since a quote would change the address.
fn write_row<W: Write>(
    writer: &mut csv::Writer<W>,
    cells: &[String],
    address_column: Option<usize>,
) -> io::Result<()> {
    let cells: Vec<_> = cells
        .iter()
        .enumerate()
        .map(|(column, cell)| {
            if Some(column) == address_column {
                inert_address(cell)
            } else {
                inert(cell)
            }
        })
        .collect();
    writer
        .write_record(cells.iter().map(|cell| cell.as_bytes()))
        .map_err(io::Error::other)
}

/// Writes the suppression list in `format` (any format but `Cleaned`). Returns the number of
/// addresses written.
pub fn write_suppression(
    format: ExportFormat,
    rows: &[SuppressedRow],
    out: impl Write,
) -> io::Result<usize> {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let header: &[&str] = match format {
        ExportFormat::Listmonk => &["email", "name", "attributes"],
        ExportFormat::Mailchimp => &[
            "Email Address",
            "Bounce Reason",
            "Bounce Class",
            "Status Code",
            "Last Bounce",
        ],
        ExportFormat::Mautic => &[
            "email",
            "doNotEmail",
            "bouncedesk_reason",
            "bouncedesk_class",
            "bouncedesk_status",
        ],
        ExportFormat::Suppression => &[
            "email",
            "reason",
            "class",
            "status",
            "reply_code",
            "date",
            "why",
        ],
        ExportFormat::Sendy | ExportFormat::Cleaned => &[],
    };
    if !header.is_empty() {
        writer.write_record(header).map_err(io::Error::other)?;
    }
    for row in rows {
        let status = row.status.clone().unwrap_or_default();
        let day = date(row.since);
        let cells: Vec<String> = match format {
            ExportFormat::Listmonk => {
                let attributes = serde_json::json!({
                    "bouncedesk": {
                        "reason": row.reason,
                        "class": row.class,
                        "status": row.status,
                        "date": day,
                    }
                });
                // listmonk skips rows without a name: the local part stands in.
                let name = row
                    .recipient
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                vec![row.recipient.clone(), name, attributes.to_string()]
            }
            ExportFormat::Mailchimp => vec![
                row.recipient.clone(),
                row.reason.clone(),
                row.class.clone(),
                status,
                day,
            ],
            ExportFormat::Mautic => vec![
                row.recipient.clone(),
                "1".to_string(),
                row.reason.clone(),
                row.class.clone(),
                status,
            ],
            ExportFormat::Suppression => vec![
                row.recipient.clone(),
                row.reason.clone(),
                row.class.clone(),
                status,
                row.reply_code.map(|c| c.to_string()).unwrap_or_default(),
                day,
                row.why.clone(),
            ],
            ExportFormat::Sendy | ExportFormat::Cleaned => vec![row.recipient.clone()],
        };
        write_row(&mut writer, &cells, Some(0))?;
    }
    writer.flush()?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::read_list;

    #[test]
    fn cleaned_list_keeps_shape_and_neutralises_formulas() {
        let csv = "\u{feff}Email Address;First Name;Note\n\
                   ann@example.com;Ann;=HYPERLINK(\"http://x\",\"y\")\n\
                   dead@example.com;Dead;x\n\
                   bo@example.org;+cmd;@SUM(1+1)\n";
        let list = read_list(csv.as_bytes()).expect("list");
        let suppressed = HashSet::from(["dead@example.com".to_string()]);
        let mut out = Vec::new();
        let written = write_cleaned(&list, &suppressed, &mut out).expect("written");
        assert_eq!(written, 2);
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        assert!(!text.contains("dead@example.com"));
        assert!(
            text.contains("ann@example.com;Ann;\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
            "{text}"
        );
        assert!(text.contains("bo@example.org;'+cmd;'@SUM(1+1)"), "{text}");
        let again = read_list(text.as_bytes()).expect("re-read");
        let mut second = Vec::new();
        write_cleaned(&again, &HashSet::new(), &mut second).expect("written");
        assert_eq!(
            String::from_utf8(second).expect("utf-8"),
            text,
            "export is stable"
        );
    }

    #[test]
    fn suppression_formats() {
        let rows = vec![SuppressedRow {
            recipient: "dead@example.com".into(),
            why: "hard bounce: userunknown 5.1.1 on 2026-11-02".into(),
            since: 1_793_577_600,
            class: "hard".into(),
            reason: "userunknown".into(),
            status: Some("5.1.1".into()),
            reply_code: Some(550),
        }];
        let write = |format| {
            let mut out = Vec::new();
            write_suppression(format, &rows, &mut out).expect("written");
            String::from_utf8(out).expect("utf-8")
        };
        assert_eq!(write(ExportFormat::Sendy), "dead@example.com\n");
        assert!(write(ExportFormat::Mautic).contains("dead@example.com,1,userunknown,hard,5.1.1"));
        assert!(write(ExportFormat::Mailchimp).starts_with("Email Address,"));
        let listmonk = write(ExportFormat::Listmonk);
        assert!(
            listmonk.starts_with("email,name,attributes\n"),
            "{listmonk}"
        );
        assert!(
            listmonk.contains("\"\"reason\"\":\"\"userunknown\"\""),
            "{listmonk}"
        );
        assert!(write(ExportFormat::Suppression).contains(",550,"));
    }
}
