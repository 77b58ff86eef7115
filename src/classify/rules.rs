//! The readable rule tables: what servers write and what it means.
//!
//! The tables live in `assets/rules/` as plain text so that a person can read, check and extend
//! them without reading Rust; they are compiled into the binary so classification needs no
//! files at run time. Loading never fails: a malformed line is reported by [`RuleSet::problems`]
//! (and a unit test keeps that list empty) while every good line still counts.

use super::codes::StatusCode;
use super::model::Reason;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Diagnostic phrases, grouped in `[reason]` sections; earlier sections win.
const REASON_TABLE: &str = include_str!("../../assets/rules/reasons.txt");
/// Enhanced status codes and the reason each implies when no phrase matched.
const STATUS_TABLE: &str = include_str!("../../assets/rules/status-codes.txt");

/// A phrase from the reason table that matched, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMatch {
    /// The reason of the section the phrase sits in.
    pub reason: Reason,
    /// The phrase as written in the table, for the verdict's explanation.
    pub phrase: &'static str,
}

/// Both tables, loaded once.
pub struct RuleSet {
    phrases: Vec<(Reason, &'static str)>,
    matcher: Option<AhoCorasick>,
    by_status: HashMap<(Option<u8>, u16, u16), Reason>,
    problems: Vec<String>,
}

impl RuleSet {
    /// The tables shipped with the app.
    pub fn builtin() -> &'static RuleSet {
        static RULES: LazyLock<RuleSet> =
            LazyLock::new(|| RuleSet::from_tables(REASON_TABLE, STATUS_TABLE));
        &RULES
    }

    /// Builds a rule set from table texts in the `assets/rules` format.
    pub fn from_tables(reason_table: &'static str, status_table: &'static str) -> RuleSet {
        let mut problems = Vec::new();
        let phrases = parse_reason_table(reason_table, &mut problems);
        let by_status = parse_status_table(status_table, &mut problems);
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(phrases.iter().map(|(_, phrase)| phrase))
            .map_err(|error| problems.push(format!("reason table: {error}")))
            .ok();
        RuleSet {
            phrases,
            matcher,
            by_status,
            problems,
        }
    }

    /// Lines of the tables that could not be read (empty for the shipped tables).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The highest-priority phrase found in `normalized` text (whitespace already collapsed).
    pub fn match_text(&self, normalized: &str) -> Option<PhraseMatch> {
        let matcher = self.matcher.as_ref()?;
        let best = matcher
            .find_overlapping_iter(normalized)
            .map(|found| found.pattern().as_usize())
            .min()?;
        let (reason, phrase) = *self.phrases.get(best)?;
        Some(PhraseMatch { reason, phrase })
    }

    /// The reason a specific status code implies, if the table names one.
    pub fn reason_for_status(&self, code: StatusCode) -> Option<Reason> {
        self.by_status
            .get(&(Some(code.class), code.subject, code.detail))
            .or_else(|| self.by_status.get(&(None, code.subject, code.detail)))
            .copied()
    }
}

fn table_lines(table: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    table
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

fn parse_reason_table(
    table: &'static str,
    problems: &mut Vec<String>,
) -> Vec<(Reason, &'static str)> {
    let mut phrases = Vec::new();
    let mut section = None;
    for (number, line) in table_lines(table) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Reason::from_name(name.trim());
            if section.is_none() {
                problems.push(format!("reasons.txt:{number}: unknown reason [{name}]"));
            }
        } else if let Some(reason) = section {
            phrases.push((reason, line));
        } else {
            problems.push(format!(
                "reasons.txt:{number}: phrase outside a [reason] section"
            ));
        }
    }
    phrases
}

fn parse_status_table(
    table: &'static str,
    problems: &mut Vec<String>,
) -> HashMap<(Option<u8>, u16, u16), Reason> {
    let mut by_status = HashMap::new();
    for (number, line) in table_lines(table) {
        let mut words = line.split_whitespace();
        let (Some(code), Some(name)) = (words.next(), words.next()) else {
            problems.push(format!(
                "status-codes.txt:{number}: expected `X.Y.Z reason`"
            ));
            continue;
        };
        let (class, rest) = match code.strip_prefix("*.") {
            Some(rest) => (None, format!("5.{rest}")),
            None => (code.get(..1).and_then(|c| c.parse().ok()), code.to_string()),
        };
        match (StatusCode::parse(&rest), Reason::from_name(name)) {
            (Some(parsed), Some(reason)) => {
                by_status.insert((class, parsed.subject, parsed.detail), reason);
            }
            _ => problems.push(format!("status-codes.txt:{number}: cannot read `{line}`")),
        }
    }
    by_status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tables_have_no_problems() {
        let rules = RuleSet::builtin();
        assert_eq!(rules.problems(), &[] as &[String]);
        assert!(rules.phrases.len() > 50, "the reason table looks empty");
    }

    #[test]
    fn earlier_section_wins_and_case_is_ignored() {
        let rules = RuleSet::from_tables(
            "[blocked]\nblocked using\n[userunknown]\nuser unknown\n",
            "*.1.1 userunknown\n5.2.2 mailboxfull\n",
        );
        let found = rules.match_text("user unknown; Blocked Using spamhaus");
        assert_eq!(found.map(|m| m.reason), Some(Reason::Blocked));
        let code = |text| StatusCode::parse(text);
        assert_eq!(
            code("4.1.1").and_then(|c| rules.reason_for_status(c)),
            Some(Reason::UserUnknown)
        );
        assert_eq!(code("4.2.2").and_then(|c| rules.reason_for_status(c)), None);
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let rules = RuleSet::from_tables("orphan\n[nosuch]\nx\n[filtered]\nok\n", "5.1\n");
        assert_eq!(rules.problems().len(), 4);
        assert_eq!(
            rules.match_text("ok").map(|m| m.reason),
            Some(Reason::Filtered)
        );
    }
}
