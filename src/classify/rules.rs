//! The readable rule tables: what servers write and what it means.
//!
//! The tables live in `assets/rules/` as plain text so that a person can read, check and extend
//! them without reading Rust; they are compiled into the binary so classification needs no
//! files at run time. Loading never fails: a malformed line is reported by [`RuleSet::problems`]
//! (and a unit test keeps that list empty) while every good line still counts.

use super::codes::StatusCode;
use super::model::Reason;
use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Diagnostic phrases, grouped in `[reason]` sections; earlier sections win.
const REASON_TABLE: &str = include_str!("../../assets/rules/reasons.txt");
/// Enhanced status codes and the reason each implies when no phrase matched.
const STATUS_TABLE: &str = include_str!("../../assets/rules/status-codes.txt");
/// How servers say which SMTP command a reply answered.
const COMMAND_TABLE: &str = include_str!("../../assets/rules/smtp-commands.txt");

/// A phrase from the reason table that matched, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMatch {
    /// The reason of the section the phrase sits in.
    pub reason: Reason,
    /// The phrase as written in the table, for the verdict's explanation.
    pub phrase: &'static str,
    /// True when the section is marked `certain`: the words mean this reason whatever SMTP
    /// command they answered.
    pub certain: bool,
}

/// The SMTP step a failing reply answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpCommand {
    /// Connection, greeting, HELO/EHLO.
    Connect,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// DATA or end of DATA.
    Data,
}

impl SmtpCommand {
    fn from_section(name: &str) -> Option<SmtpCommand> {
        match name {
            "connect" => Some(SmtpCommand::Connect),
            "mail" => Some(SmtpCommand::Mail),
            "rcpt" => Some(SmtpCommand::Rcpt),
            "data" => Some(SmtpCommand::Data),
            _ => None,
        }
    }
}

/// One `[section]` of a phrase table: its name, the words after the name, and its phrases.
struct Section {
    name: &'static str,
    modifiers: &'static str,
    phrases: Vec<&'static str>,
}

/// A phrase table compiled into one automaton; pattern `i` is the `i`-th phrase in file order.
struct PhraseTable<T> {
    meanings: Vec<(T, &'static str)>,
    matcher: Option<AhoCorasick>,
}

impl<T: Copy> PhraseTable<T> {
    fn build(meanings: Vec<(T, &'static str)>, file: &str, problems: &mut Vec<String>) -> Self {
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(meanings.iter().map(|(_, phrase)| phrase))
            .map_err(|error| problems.push(format!("{file}: {error}")))
            .ok();
        PhraseTable { meanings, matcher }
    }

    /// Every match in `text` as (pattern index, end position).
    fn matches<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        self.matcher
            .iter()
            .flat_map(move |matcher| matcher.find_overlapping_iter(text))
            .map(|found| (found.pattern().as_usize(), found.end()))
    }
}

/// All tables, loaded once.
pub struct RuleSet {
    reasons: PhraseTable<(Reason, bool)>,
    commands: PhraseTable<SmtpCommand>,
    by_status: HashMap<CodeKey, Reason>,
    generic: HashSet<CodeKey>,
    decisive: HashSet<CodeKey>,
    problems: Vec<String>,
}

/// A status code as the tables write it: the class may be `*` (4 or 5).
type CodeKey = (Option<u8>, u16, u16);

impl RuleSet {
    /// The tables shipped with the app.
    pub fn builtin() -> &'static RuleSet {
        static RULES: LazyLock<RuleSet> =
            LazyLock::new(|| RuleSet::from_tables(REASON_TABLE, STATUS_TABLE, COMMAND_TABLE));
        &RULES
    }

    /// Builds a rule set from table texts in the `assets/rules` formats.
    pub fn from_tables(
        reason_table: &'static str,
        status_table: &'static str,
        command_table: &'static str,
    ) -> RuleSet {
        let mut problems = Vec::new();
        let mut reasons = Vec::new();
        for section in sections(reason_table, "reasons.txt", &mut problems) {
            let certain = section.modifiers == "certain";
            match Reason::from_name(section.name) {
                Some(reason) if certain || section.modifiers.is_empty() => reasons.extend(
                    section
                        .phrases
                        .iter()
                        .map(|phrase| ((reason, certain), *phrase)),
                ),
                _ => problems.push(format!(
                    "reasons.txt: unknown section [{} {}]",
                    section.name, section.modifiers
                )),
            }
        }
        let mut commands = Vec::new();
        for section in sections(command_table, "smtp-commands.txt", &mut problems) {
            match SmtpCommand::from_section(section.name) {
                Some(command) => {
                    commands.extend(section.phrases.iter().map(|phrase| (command, *phrase)))
                }
                None => problems.push(format!(
                    "smtp-commands.txt: unknown section [{}]",
                    section.name
                )),
            }
        }
        let mut rules = RuleSet {
            reasons: PhraseTable::build(reasons, "reasons.txt", &mut problems),
            commands: PhraseTable::build(commands, "smtp-commands.txt", &mut problems),
            by_status: HashMap::new(),
            generic: HashSet::new(),
            decisive: HashSet::new(),
            problems: Vec::new(),
        };
        rules.read_status_table(status_table, &mut problems);
        rules.problems = problems;
        rules
    }

    /// Lines of the tables that could not be read (empty for the shipped tables).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The highest-priority phrase found in `lowered` text (lower-case, whitespace collapsed).
    pub fn match_text(&self, lowered: &str) -> Option<PhraseMatch> {
        let (best, _) = self
            .reasons
            .matches(lowered)
            .min_by_key(|(index, _)| *index)?;
        let ((reason, certain), phrase) = *self.reasons.meanings.get(best)?;
        Some(PhraseMatch {
            reason,
            phrase,
            certain,
        })
    }

    /// The SMTP command the last described step of `lowered` text answered, if it says.
    pub fn command_in(&self, lowered: &str) -> Option<SmtpCommand> {
        let (index, _) = self.commands.matches(lowered).max_by_key(|(_, end)| *end)?;
        self.commands
            .meanings
            .get(index)
            .map(|(command, _)| *command)
    }

    /// The reason a specific status code implies, if the table names one.
    pub fn reason_for_status(&self, code: StatusCode) -> Option<Reason> {
        lookup(&self.by_status, code).copied()
    }

    /// True for codes that say nothing about the cause (`5.0.0`).
    pub fn is_generic(&self, code: StatusCode) -> bool {
        contains(&self.generic, code)
    }

    /// True for codes that beat any wording (the sender's address was refused).
    pub fn is_decisive(&self, code: StatusCode) -> bool {
        contains(&self.decisive, code)
    }

    fn read_status_table(&mut self, table: &'static str, problems: &mut Vec<String>) {
        for (number, line) in table_lines(table) {
            let directive = line
                .strip_prefix("generic:")
                .map(|codes| (codes, &mut self.generic))
                .or_else(|| {
                    line.strip_prefix("decisive:")
                        .map(|codes| (codes, &mut self.decisive))
                });
            if let Some((codes, set)) = directive {
                for code in codes.split_whitespace() {
                    match code_key(code) {
                        Some(key) => {
                            set.insert(key);
                        }
                        None => problems.push(format!(
                            "status-codes.txt:{number}: cannot read code `{code}`"
                        )),
                    }
                }
                continue;
            }
            let mut words = line.split_whitespace();
            let key = words.next().and_then(code_key);
            let reason = words.next().and_then(Reason::from_name);
            match (key, reason) {
                (Some(key), Some(reason)) => {
                    self.by_status.insert(key, reason);
                }
                _ => problems.push(format!(
                    "status-codes.txt:{number}: expected `X.Y.Z reason`, found `{line}`"
                )),
            }
        }
    }
}

fn lookup<V>(map: &HashMap<CodeKey, V>, code: StatusCode) -> Option<&V> {
    map.get(&(Some(code.class), code.subject, code.detail))
        .or_else(|| map.get(&(None, code.subject, code.detail)))
}

fn contains(set: &HashSet<CodeKey>, code: StatusCode) -> bool {
    set.contains(&(Some(code.class), code.subject, code.detail))
        || set.contains(&(None, code.subject, code.detail))
}

/// Reads `5.1.1` or `*.1.1` (class 4 or 5).
fn code_key(code: &str) -> Option<CodeKey> {
    let (class, rest) = match code.strip_prefix("*.") {
        Some(rest) => (None, format!("5.{rest}")),
        None => (Some(code.get(..1)?.parse().ok()?), code.to_string()),
    };
    let parsed = StatusCode::parse(&rest)?;
    (parsed.to_string() == rest).then_some((class, parsed.subject, parsed.detail))
}

fn table_lines(table: &'static str) -> impl Iterator<Item = (usize, &'static str)> {
    table
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

/// Splits a phrase table into its `[name modifiers]` sections. A phrase that starts with `[`
/// is written `\[…`.
fn sections(table: &'static str, file: &str, problems: &mut Vec<String>) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for (number, line) in table_lines(table) {
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let header = header.trim();
            let (name, modifiers) = header.split_once(' ').unwrap_or((header, ""));
            sections.push(Section {
                name,
                modifiers: modifiers.trim(),
                phrases: Vec::new(),
            });
            continue;
        }
        let phrase = line.strip_prefix('\\').unwrap_or(line);
        match sections.last_mut() {
            Some(section) => section.phrases.push(phrase),
            None => problems.push(format!("{file}:{number}: phrase before any [section]")),
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tables_have_no_problems() {
        let rules = RuleSet::builtin();
        assert_eq!(rules.problems(), &[] as &[String]);
        assert!(
            rules.reasons.meanings.len() > 100,
            "the reason table looks empty"
        );
        assert!(rules.commands.meanings.len() > 10);
    }

    #[test]
    fn earlier_section_wins_and_case_is_ignored() {
        let rules = RuleSet::from_tables(
            "[blocked]\nblocked using\n[userunknown certain]\nno such account\n[userunknown]\nuser unknown\n",
            "*.1.1 userunknown\n5.2.2 mailboxfull\ngeneric: *.0.0\ndecisive: *.1.8\n",
            "[rcpt]\nafter rcpt to:\n[data]\n\\[data]\n",
        );
        assert_eq!(rules.problems(), &[] as &[String]);
        let found = rules.match_text("user unknown; blocked using spamhaus");
        assert_eq!(found.map(|m| m.reason), Some(Reason::Blocked));
        assert_eq!(
            rules.match_text("no such account").map(|m| m.certain),
            Some(true)
        );
        assert_eq!(
            rules.match_text("user unknown").map(|m| m.certain),
            Some(false)
        );
        let code = |text| StatusCode::parse(text).expect("a code");
        assert_eq!(
            rules.reason_for_status(code("4.1.1")),
            Some(Reason::UserUnknown)
        );
        assert_eq!(rules.reason_for_status(code("4.2.2")), None);
        assert!(rules.is_generic(code("4.0.0")));
        assert!(rules.is_decisive(code("5.1.8")));
        assert_eq!(
            rules.command_in("after rcpt to: ok then [data] failed"),
            Some(SmtpCommand::Data)
        );
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let rules = RuleSet::from_tables(
            "orphan\n[nosuch]\nx\n[filtered]\nok\n",
            "5.1\ngeneric: 5.x\n",
            "[nosuch]\n",
        );
        assert_eq!(rules.problems().len(), 5, "{:?}", rules.problems());
        assert_eq!(
            rules.match_text("ok").map(|m| m.reason),
            Some(Reason::Filtered)
        );
    }
}
