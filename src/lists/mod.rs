//! Subscriber lists in and out: reading the CSV a newsletter tool exported, and writing the
//! cleaned list and the suppression list in the shape each tool imports.
//!
//! CSV is read and written by the `csv` crate only; what this module adds is the knowledge of
//! the tools' formats, the e-mail column, and keeping spreadsheet formulas inert.

mod export;
mod import;

pub use export::{ExportFormat, write_cleaned, write_suppression};
pub use import::{ImportedList, ListError, ListRow, RowProblem, RowProblemKind, Tool, read_list};

/// Normalises an address as lists compare them: trimmed, without `<…>` or `mailto:`,
/// lower-cased.
pub fn normalize_address(value: &str) -> String {
    let value = value.trim().trim_start_matches('<').trim_end_matches('>');
    let value = value
        .strip_prefix("mailto:")
        .or_else(|| value.strip_prefix("MAILTO:"))
        .unwrap_or(value);
    value.trim().to_lowercase()
}

/// A strict check of what newsletter tools accept as an address: one `@`, a dot-atom local
/// part of at most 64 bytes, a domain of at least two labels with an alphabetic (or `xn--`)
/// top-level label, 254 bytes in all.
pub fn is_valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| atext(c) || c == '.');
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top_ok = labels.last().is_some_and(|top| {
        (top.len() >= 2 && top.chars().all(|c| c.is_ascii_alphabetic())) || top.starts_with("xn--")
    });
    local_ok
        && address.len() <= 254
        && domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && top_ok
}

/// Makes a cell inert for spreadsheets: a cell starting with `=`, `+`, `-`, `@`, tab, CR, LF
/// or NUL gets a leading `'` (OWASP's advice), except plain numbers and E.164 phone numbers,
/// which a spreadsheet reads as numbers and newsletter tools must get back as they were.
/// Idempotent: an inert cell stays as it is.
pub fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0'));
    if risky && !is_plain_number(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let mut parts = digits.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(normalize_address(" <Ann@Example.COM> "), "ann@example.com");
        assert_eq!(normalize_address("mailto:bo@x.org"), "bo@x.org");
        for good in [
            "ann@example.com",
            "a.b+tag@mail.example.co.uk",
            "x@xn--bcher-kva.example",
        ] {
            assert!(is_valid_address(good), "{good}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "a..b@x.org",
            "a@x",
            "a b@x.org",
            "a@-x.org",
            "a@x.1",
        ] {
            assert!(!is_valid_address(bad), "{bad}");
        }
    }

    #[test]
    fn formulas_become_inert_numbers_do_not() {
        assert_eq!(
            inert("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(inert("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(inert("@SUM(1+1)"), "'@SUM(1+1)");
        assert_eq!(inert("-2+3"), "'-2+3");
        assert_eq!(inert("\t=1"), "'\t=1");
        assert_eq!(inert("+4915112345678"), "+4915112345678");
        assert_eq!(inert("-12.5"), "-12.5");
        assert_eq!(inert("Ann"), "Ann");
        let once = inert("=1+2").into_owned();
        assert_eq!(inert(&once), once, "idempotent");
    }
}
