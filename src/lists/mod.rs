//! Subscriber lists in and out: reading the CSV a newsletter tool exported, and writing the
//! cleaned list and the suppression list in the shape each tool imports.
//!
//! CSV is read and written by the `csv` crate only; what this module adds is the knowledge of
//! the tools' formats, the e-mail column, and keeping spreadsheet formulas inert.

mod export;
mod import;

pub use export::{ExportFormat, ExportPlan, export_to, write_cleaned, write_suppression};
pub use import::{
    ImportedList, ListError, ListRow, RowProblem, RowProblemKind, TextEncoding, Tool, read_list,
};

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

/// Makes an address cell inert only when a spreadsheet could run it: a plain address (even one
/// starting with `-` or `+`) stays as it is, since any change would make it another address;
/// one with formula characters (`=cmd|'/C calc'!A0@x.org` is syntactically an address) is
/// quoted like any other cell.
pub fn inert_address(cell: &str) -> std::borrow::Cow<'_, str> {
    let plain = cell
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '@'));
    if plain && !cell.starts_with(['=', '@']) {
        std::borrow::Cow::Borrowed(cell)
    } else {
        inert(cell)
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
        assert_eq!(inert_address("-dash@example.net"), "-dash@example.net");
        assert_eq!(inert_address("ann@example.com"), "ann@example.com");
        assert_eq!(
            inert_address("=cmd|'/Ccalc'!A0@x.org"),
            "'=cmd|'/Ccalc'!A0@x.org"
        );
        assert_eq!(inert_address("\t=x@y.org"), "'\t=x@y.org");
    }
}
