//! Reading a subscriber CSV as a newsletter tool exported it: BOM, delimiter, quoting, header
//! or none, which column holds the address; invalid and duplicate rows reported, the rest kept
//! cell for cell so the cleaned list can be written back in the same shape.

use crate::address::{is_valid, normalize};
use std::collections::HashSet;

/// The newsletter tool a list came from, recognised by its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    /// Mailchimp audience export (`Email Address`, `MEMBER_RATING`, …).
    Mailchimp,
    /// listmonk (`email`, `name`, `attributes`).
    Listmonk,
    /// Sendy (headerless `Name,Email`, or its export with `Joined` … `GDPR`).
    Sendy,
    /// Mautic (`email`, `firstname`, `lastname` …).
    Mautic,
    /// Any other CSV.
    Generic,
}

impl Tool {
    /// Reads a stored word.
    pub fn from_name(name: &str) -> Option<Tool> {
        [
            Tool::Mailchimp,
            Tool::Listmonk,
            Tool::Sendy,
            Tool::Mautic,
            Tool::Generic,
        ]
        .into_iter()
        .find(|tool| tool.as_str() == name)
    }

    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Mailchimp => "mailchimp",
            Tool::Listmonk => "listmonk",
            Tool::Sendy => "sendy",
            Tool::Mautic => "mautic",
            Tool::Generic => "generic",
        }
    }
}

/// A list read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedList {
    /// The tool it looks like it came from.
    pub tool: Tool,
    /// The header row as written (empty for a headerless file).
    pub header: Vec<String>,
    /// Which column holds the address.
    pub email_column: usize,
    /// The field delimiter found.
    pub delimiter: u8,
    /// True when the file began with a UTF-8 byte-order mark (kept on export).
    pub had_bom: bool,
    /// True when the file began with Excel's `sep=X` line (kept on export).
    pub sep_line: bool,
    /// The file's text encoding: UTF-8, or Windows-1252 for older Latin-1 exports (kept on
    /// export, so names with accents survive the round trip).
    pub encoding: TextEncoding,
    /// The rows kept, in file order.
    pub rows: Vec<ListRow>,
    /// The rows not kept, and why.
    pub problems: Vec<RowProblem>,
}

/// The text encodings lists come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// Windows-1252 (Latin-1 with the usual extras), what older Excel versions write.
    Windows1252,
}

impl TextEncoding {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }

    /// Reads a stored word.
    pub fn from_name(name: &str) -> Option<TextEncoding> {
        match name {
            "utf-8" => Some(TextEncoding::Utf8),
            "windows-1252" => Some(TextEncoding::Windows1252),
            _ => None,
        }
    }
}

/// One subscriber row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    /// The line in the file where the row starts (1-based), as a spreadsheet shows it.
    pub row_number: usize,
    /// The address, normalised.
    pub email: String,
    /// Every cell as written.
    pub cells: Vec<String>,
}

/// Why a row was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RowProblemKind {
    /// The address cell is not a valid address.
    Invalid,
    /// The address appeared in an earlier row.
    Duplicate,
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// The line in the file where the row starts (1-based).
    pub row_number: usize,
    /// What is wrong.
    pub kind: RowProblemKind,
    /// The address cell as written.
    pub value: String,
}

/// A file that cannot be read as a list at all.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The CSV itself is broken.
    #[error("line {line}: the CSV cannot be read ({message}); check that it is a CSV export")]
    Csv {
        /// Line in the file.
        line: u64,
        /// What the reader said.
        message: String,
    },
    /// No column holds addresses.
    #[error(
        "no column holds e-mail addresses (looked for a header like \"Email\" or \"Email Address\", then for a column of addresses); export the list with its e-mail column"
    )]
    NoEmailColumn,
    /// The file is empty.
    #[error("the file holds no rows")]
    Empty,
    /// UTF-16 text ("Unicode text" in Excel).
    #[error(
        "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" and import that"
    )]
    Utf16,
}

/// Reads a subscriber list from the bytes of a CSV file.
pub fn read_list(bytes: &[u8]) -> Result<ImportedList, ListError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ListError::Utf16);
    }
    let had_bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let raw = if had_bom { &bytes[3..] } else { bytes };
    let (text, encoding) = match std::str::from_utf8(raw) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(raw);
            (text, TextEncoding::Windows1252)
        }
    };
    // Excel writes "sep=;" as a first line to name the delimiter.
    let first_line = text.lines().next().unwrap_or("").trim();
    let (body, declared) = match first_line.strip_prefix("sep=") {
        Some(sep) if sep.len() == 1 => (
            text.split_once('\n').map_or("", |(_, rest)| rest),
            sep.bytes().next(),
        ),
        _ => (text.as_ref(), None),
    };
    let delimiter = declared.unwrap_or_else(|| sniff_delimiter(body.as_bytes()));
    let records = read_records(body.as_bytes(), delimiter)?;
    let line_offset = usize::from(declared.is_some());
    let Some(first) = records.first() else {
        return Err(ListError::Empty);
    };
    let headerless = first.1.iter().any(|cell| is_valid(&normalize(cell)));
    let (header, data) = if headerless {
        (Vec::new(), &records[..])
    } else {
        (first.1.clone(), &records[1..])
    };
    let cells_only: Vec<Vec<String>> = data.iter().map(|(_, cells)| cells.clone()).collect();
    let email_column = email_column(&header, &cells_only).ok_or(ListError::NoEmailColumn)?;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in data {
        let row_number = *line as usize + line_offset;
        let value = cells.get(email_column).cloned().unwrap_or_default();
        let email = normalize(&value);
        let problem = if !is_valid(&email) {
            Some(RowProblemKind::Invalid)
        } else if !seen.insert(email.clone()) {
            Some(RowProblemKind::Duplicate)
        } else {
            None
        };
        match problem {
            Some(kind) => problems.push(RowProblem {
                row_number,
                kind,
                value,
            }),
            None => rows.push(ListRow {
                row_number,
                email,
                cells: cells.clone(),
            }),
        }
    }
    Ok(ImportedList {
        tool: detect_tool(&header, headerless),
        header,
        email_column,
        delimiter,
        had_bom,
        sep_line: declared.is_some(),
        encoding,
        rows,
        problems,
    })
}

/// Every non-blank record with the file line it starts on.
fn read_records(body: &[u8], delimiter: u8) -> Result<Vec<(u64, Vec<String>)>, ListError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut records = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|error| ListError::Csv {
            line: error.position().map_or(0, |p| p.line()),
            message: error.to_string(),
        })?;
        if record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
        {
            continue;
        }
        let line = record.position().map_or(0, |position| position.line());
        // The text was decoded to UTF-8 above, so every cell is valid UTF-8.
        records.push((
            line,
            record
                .iter()
                .map(|cell| String::from_utf8_lossy(cell).into_owned())
                .collect(),
        ));
    }
    Ok(records)
}

/// The delimiter that splits the first lines most consistently (outside quotes).
fn sniff_delimiter(body: &[u8]) -> u8 {
    let sample = &body[..body.len().min(16 * 1024)];
    let lines: Vec<&[u8]> = sample
        .split(|b| *b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .take(20)
        .collect();
    let count = |line: &[u8], delimiter: u8| {
        let mut quoted = false;
        line.iter()
            .filter(|b| {
                if **b == b'"' {
                    quoted = !quoted;
                }
                !quoted && **b == delimiter
            })
            .count()
    };
    [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|delimiter| {
            let counts: Vec<usize> = lines.iter().map(|line| count(line, delimiter)).collect();
            let first = counts.first().copied().unwrap_or(0);
            let consistent = counts.iter().filter(|c| **c == first).count();
            (delimiter, first > 0, consistent, first)
        })
        .filter(|(_, present, _, _)| *present)
        .max_by_key(|(_, _, consistent, first)| (*consistent, *first))
        .map_or(b',', |(delimiter, ..)| delimiter)
}

/// The address column: a header that names it, else the column whose cells are addresses.
fn email_column(header: &[String], data: &[Vec<String>]) -> Option<usize> {
    let named = header.iter().position(|name| {
        let name = name.trim().to_lowercase().replace(['_', '-'], " ");
        matches!(
            name.as_str(),
            "email"
                | "e mail"
                | "email address"
                | "e mail address"
                | "mail"
                | "emailaddress"
                | "subscriber email"
                | "email addresses"
        )
    });
    named.or_else(|| {
        let sample: Vec<&Vec<String>> = data.iter().take(200).collect();
        let columns = sample.iter().map(|row| row.len()).max().unwrap_or(0);
        (0..columns)
            .map(|column| {
                let hits = sample
                    .iter()
                    .filter(|row| {
                        row.get(column)
                            .is_some_and(|cell| is_valid(&normalize(cell)))
                    })
                    .count();
                (column, hits)
            })
            .filter(|(_, hits)| *hits * 2 > sample.len())
            .max_by_key(|(_, hits)| *hits)
            .map(|(column, _)| column)
    })
}

fn detect_tool(header: &[String], headerless: bool) -> Tool {
    let has = |name: &str| header.iter().any(|h| h.trim().eq_ignore_ascii_case(name));
    if headerless || (has("Joined") && has("GDPR")) {
        Tool::Sendy
    } else if has("Email Address") && (has("MEMBER_RATING") || has("LEID") || has("OPTIN_TIME")) {
        Tool::Mailchimp
    } else if has("email") && has("attributes") {
        Tool::Listmonk
    } else if has("email") && (has("firstname") || has("lastname")) {
        Tool::Mautic
    } else {
        Tool::Generic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailchimp_export_with_bom_and_duplicates() {
        let csv = "\u{feff}Email Address,First Name,Last Name,MEMBER_RATING\n\
                   Ann@Example.com,Ann,Lee,2\n\
                   not-an-address,Bad,Row,1\n\
                   ann@example.com ,Ann,Again,2\n\
                   bo@example.org,\"Bo, Jr.\",Larsen,3\n";
        let list = read_list(csv.as_bytes()).expect("a list");
        assert!(list.had_bom);
        assert_eq!(list.tool, Tool::Mailchimp);
        assert_eq!(list.email_column, 0);
        assert_eq!(list.rows.len(), 2);
        assert_eq!(list.rows[1].cells[1], "Bo, Jr.");
        assert_eq!(list.rows[0].email, "ann@example.com");
        let kinds: Vec<_> = list
            .problems
            .iter()
            .map(|p| (p.row_number, p.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![(3, RowProblemKind::Invalid), (4, RowProblemKind::Duplicate)]
        );
    }

    #[test]
    fn semicolons_and_a_column_found_by_its_contents() {
        let csv = "Name;Adresse;Stadt\nAnna;anna@example.de;Berlin\nBen;ben@example.de;Köln\n";
        let list = read_list(csv.as_bytes()).expect("a list");
        assert_eq!(list.delimiter, b';');
        assert_eq!(list.email_column, 1);
        assert_eq!(list.tool, Tool::Generic);
        assert_eq!(list.rows[1].cells[2], "Köln");
    }

    #[test]
    fn headerless_sendy_and_listmonk() {
        let sendy = read_list(b"Ann,ann@example.com\nBo,bo@example.org\n").expect("sendy");
        assert_eq!(
            (sendy.tool, sendy.email_column, sendy.header.len()),
            (Tool::Sendy, 1, 0)
        );
        let listmonk = read_list(
            b"email,name,attributes\nann@example.com,Ann,\"{\"\"city\"\": \"\"Oslo\"\"}\"\n",
        )
        .expect("listmonk");
        assert_eq!(listmonk.tool, Tool::Listmonk);
        assert_eq!(listmonk.rows[0].cells[2], "{\"city\": \"Oslo\"}");
    }

    #[test]
    fn excel_habits_latin1_sep_line_and_utf16() {
        let latin1 = b"sep=;\nName;Email\nJos\xe9;jose@example.es\n";
        let list = read_list(latin1).expect("a list");
        assert!(list.sep_line);
        assert_eq!(list.delimiter, b';');
        assert_eq!(list.encoding, TextEncoding::Windows1252);
        assert_eq!(list.header, vec!["Name", "Email"]);
        assert_eq!(list.rows[0].cells[0], "Jos\u{e9}");
        assert_eq!(list.rows[0].row_number, 3, "row numbers are file lines");
        assert!(matches!(read_list(b"\xFF\xFEe\0"), Err(ListError::Utf16)));
    }

    #[test]
    fn a_list_without_addresses_says_what_to_do() {
        let error = read_list(b"name,city\nAnn,Oslo\n").expect_err("refused");
        assert!(error.to_string().contains("e-mail column"), "{error}");
        assert!(matches!(read_list(b""), Err(ListError::Empty)));
    }
}
