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
/// How plain notices say they are a delay warning rather than a failure.
const NOTICE_KINDS_TABLE: &str = include_str!("../../assets/rules/notice-kinds.txt");

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
pub(super) struct Section<'t> {
    /// The word after `[`: a reason, an SMTP step, a notice kind.
    pub name: &'t str,
    /// The rest of the header (`certain`, or the conditions of an operator's rule).
    pub modifiers: &'t str,
    /// The phrases, each with the `# source:` text above it ("" when there is none).
    pub phrases: Vec<(&'t str, &'t str)>,
}

/// The comment that names where the phrases below it come from. Every phrase needs one, in
/// its own section, so that a person can check each fact against its source.
const SOURCE_COMMENT: &str = "# source:";

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

    /// Every match in `text` as (pattern index, end position), whole words only
    /// ([`at_word_edges`]).
    fn matches<'t>(&'t self, text: &'t str) -> impl Iterator<Item = (usize, usize)> + 't {
        self.matcher
            .iter()
            .flat_map(move |matcher| matcher.find_overlapping_iter(text))
            .filter(move |found| at_word_edges(text, found.start(), found.end()))
            .map(|found| (found.pattern().as_usize(), found.end()))
    }
}

/// True when the match `start..end` in `text` begins where a word begins (if the phrase
/// begins with a letter or digit) and ends where a word ends (likewise): phrases match whole
/// words, so that a code word such as `bl001` never matches inside an id.
pub(super) fn at_word_edges(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let word_byte = |index: Option<usize>| {
        index
            .and_then(|index| bytes.get(index))
            .is_some_and(u8::is_ascii_alphanumeric)
    };
    let phrase = bytes.get(start..end).unwrap_or(&[]);
    let opens_a_word = phrase.first().is_some_and(u8::is_ascii_alphanumeric);
    let closes_a_word = phrase.last().is_some_and(u8::is_ascii_alphanumeric);
    !(opens_a_word && word_byte(start.checked_sub(1)) || closes_a_word && word_byte(Some(end)))
}

/// All tables, loaded once.
pub struct RuleSet {
    /// Each phrase with its reason, whether its section is `certain`, and the section's
    /// position in the file (earlier sections win).
    reasons: PhraseTable<(Reason, bool, usize)>,
    commands: PhraseTable<SmtpCommand>,
    delays: PhraseTable<()>,
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
        static RULES: LazyLock<RuleSet> = LazyLock::new(|| {
            RuleSet::from_tables(REASON_TABLE, STATUS_TABLE, COMMAND_TABLE)
                .with_notice_kinds(NOTICE_KINDS_TABLE)
        });
        &RULES
    }

    /// Builds a rule set from table texts in the `assets/rules` formats (with no notice-kind
    /// table: see [`RuleSet::with_notice_kinds`]).
    pub fn from_tables(
        reason_table: &'static str,
        status_table: &'static str,
        command_table: &'static str,
    ) -> RuleSet {
        let mut problems = Vec::new();
        let mut reasons = Vec::new();
        for (position, section) in sections(reason_table, "reasons.txt", &mut problems)
            .into_iter()
            .enumerate()
        {
            let certain = section.modifiers == "certain";
            match Reason::from_name(section.name) {
                Some(reason) if certain || section.modifiers.is_empty() => reasons.extend(
                    section
                        .phrases
                        .iter()
                        .map(|(phrase, _)| ((reason, certain, position), *phrase)),
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
                    commands.extend(section.phrases.iter().map(|(phrase, _)| (command, *phrase)))
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
            delays: PhraseTable::build(Vec::new(), "notice-kinds.txt", &mut problems),
            by_status: HashMap::new(),
            generic: HashSet::new(),
            decisive: HashSet::new(),
            problems: Vec::new(),
        };
        rules.read_status_table(status_table, &mut problems);
        rules.problems = problems;
        rules
    }

    /// This rule set with the notice-kind table (`assets/rules/notice-kinds.txt` format).
    pub fn with_notice_kinds(mut self, table: &'static str) -> RuleSet {
        let mut delays = Vec::new();
        for section in sections(table, "notice-kinds.txt", &mut self.problems) {
            match section.name {
                "delayed" => delays.extend(section.phrases.iter().map(|(phrase, _)| ((), *phrase))),
                other => self
                    .problems
                    .push(format!("notice-kinds.txt: unknown section [{other}]")),
            }
        }
        self.delays = PhraseTable::build(delays, "notice-kinds.txt", &mut self.problems);
        self
    }

    /// True when `text` (a subject or a plain notice) says the server is still trying: a
    /// delay warning, not a failure.
    pub fn says_delayed(&self, text: &str) -> bool {
        self.delays.matches(text).next().is_some()
    }

    /// Lines of the tables that could not be read (empty for the shipped tables).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The highest-priority phrase found in `lowered` text (whitespace collapsed).
    pub fn match_text(&self, lowered: &str) -> Option<PhraseMatch> {
        // The earliest section wins; within it, the longest phrase, which says the most.
        let ((reason, certain, _), phrase) = self
            .reasons
            .matches(lowered)
            .filter_map(|(index, _)| self.reasons.meanings.get(index))
            .min_by_key(|((_, _, section), phrase)| (*section, std::cmp::Reverse(phrase.len())))
            .copied()?;
        Some(PhraseMatch {
            reason,
            phrase,
            certain,
        })
    }

    /// Every phrase of the reason table with its reason, in file order: the learned model
    /// reads them too, so that it knows the tables' words.
    pub fn phrases(&self) -> impl Iterator<Item = (Reason, &'static str)> + '_ {
        self.reasons
            .meanings
            .iter()
            .map(|((reason, _, _), phrase)| (*reason, *phrase))
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
        for (number, line, source) in sourced_lines(table) {
            if source.is_empty() {
                require_source("status-codes.txt", number, line, problems);
            }
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

/// The lines of a table that say something, with their line number and the `# source:` text
/// above them ("" when there is none). A `[section]` header starts over: every section names
/// its own sources.
fn sourced_lines(table: &str) -> impl Iterator<Item = (usize, &str, &str)> {
    let mut source = "";
    table.lines().enumerate().filter_map(move |(index, line)| {
        let line = line.trim();
        if let Some(named) = line.strip_prefix(SOURCE_COMMENT) {
            source = named.trim();
            return None;
        }
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        if line.starts_with('[') && line.ends_with(']') {
            source = "";
        }
        Some((index + 1, line, source))
    })
}

/// Reports a line that no `# source:` comment covers (it still counts).
fn require_source(file: &str, number: usize, line: &str, problems: &mut Vec<String>) {
    problems.push(format!(
        "{file}:{number}: `{line}` has no `{SOURCE_COMMENT}` line above it"
    ));
}

/// Splits a phrase table into its `[name modifiers]` sections. A phrase that starts with `[`
/// is written `\\[…`. A phrase must stand below a `# source:` comment of its own section.
pub(super) fn sections<'t>(
    table: &'t str,
    file: &str,
    problems: &mut Vec<String>,
) -> Vec<Section<'t>> {
    let mut sections: Vec<Section<'t>> = Vec::new();
    for (number, line, source) in sourced_lines(table) {
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
        if source.is_empty() {
            require_source(file, number, line, problems);
        }
        let phrase = line.strip_prefix('\\').unwrap_or(line);
        match sections.last_mut() {
            Some(section) => section.phrases.push((phrase, source)),
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
            "[blocked]\n# source: a\nblocked using\n[userunknown certain]\n# source: b\nno such account\n\
             [userunknown]\n# source: c\nuser unknown\n",
            "# source: d\n*.1.1 userunknown\n5.2.2 mailboxfull\ngeneric: *.0.0\ndecisive: *.1.8\n",
            "[rcpt]\n# source: e\nafter rcpt to:\n[data]\n# source: f\n\\[data]\n",
        );
        assert_eq!(rules.problems(), &[] as &[String]);
        let found = rules.match_text("User Unknown; blocked using spamhaus");
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
    fn phrases_match_whole_words_only() {
        let rules = RuleSet::from_tables(
            "[blocked]\n# source: a\nbl001\n[mailboxfull]\n# source: b\nover quota\n",
            "",
            "",
        );
        assert_eq!(rules.problems(), &[] as &[String]);
        assert_eq!(
            rules.match_text("550 BL001 refused").map(|m| m.reason),
            Some(Reason::Blocked)
        );
        assert_eq!(rules.match_text("id 7bl001x queued"), None);
        assert_eq!(rules.match_text("the user is over quotas"), None);
        assert_eq!(
            rules.match_text("(over quota)").map(|m| m.reason),
            Some(Reason::MailboxFull)
        );
    }

    #[test]
    fn every_line_needs_a_source_and_bad_lines_are_reported_not_fatal() {
        let rules = RuleSet::from_tables(
            "orphan\n[nosuch]\n# source: a\nx\n[filtered]\nok\n",
            "5.1\n# source: b\ngeneric: 5.x\n",
            "[nosuch]\n",
        );
        let problems = rules.problems();
        let about = |needle: &str| problems.iter().filter(|p| p.contains(needle)).count();
        assert_eq!(about("has no `# source:`"), 3, "{problems:?}");
        assert_eq!(about("phrase before any [section]"), 1, "{problems:?}");
        assert_eq!(about("unknown section"), 2, "{problems:?}");
        assert_eq!(about("cannot read code"), 1, "{problems:?}");
        assert_eq!(about("expected `X.Y.Z reason`"), 1, "{problems:?}");
        assert_eq!(problems.len(), 8, "{problems:?}");
        assert_eq!(
            rules.match_text("ok").map(|m| m.reason),
            Some(Reason::Filtered)
        );
    }

    #[test]
    fn delay_notices_are_told_by_their_words() {
        let rules = RuleSet::builtin();
        assert!(rules.says_delayed("Delayed Mail (still being retried)"));
        assert!(rules.says_delayed(
            "No action is required on your part. Delivery attempts will continue for some time"
        ));
        assert!(!rules.says_delayed("Undelivered Mail Returned to Sender"));
    }

    #[test]
    fn every_registry_code_decides_something() {
        let rules = RuleSet::builtin();
        // The enumerated codes of the IANA registry (RFC 3463 and successors), X.0.0 aside.
        let registry: &[(u16, &[u16])] = &[
            (1, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            (2, &[0, 1, 2, 3, 4]),
            (3, &[0, 1, 2, 3, 4, 5, 6]),
            (4, &[0, 1, 2, 3, 4, 5, 6, 7]),
            (5, &[0, 1, 2, 3, 4, 5, 6]),
            (6, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            (7, &(0..=30).collect::<Vec<u16>>()),
        ];
        for (subject, details) in registry {
            for detail in *details {
                for class in [4, 5] {
                    let code = StatusCode {
                        class,
                        subject: *subject,
                        detail: *detail,
                    };
                    assert!(
                        rules.reason_for_status(code).is_some(),
                        "{code} maps to no reason"
                    );
                }
            }
        }
    }
}
