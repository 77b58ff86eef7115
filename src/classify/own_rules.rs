//! The operator's own rules: made from their review decisions, kept in their store, applied
//! before the built-in tables so that what they decided for one bounce decides every later
//! bounce that says the same thing.
//!
//! A rule is a phrase of the server's words (matched as the built-in phrases are: whole words,
//! case ignored), optionally an enhanced status code and a reporting server that must match
//! too, and the verdict it gives. Rules travel as text in the format of
//! `assets/rules/reasons.txt`, with the extra conditions in the section header:
//!
//! ```text
//! [blocked class=sender status=5.7.1 mta=mx.example.org]
//! # source: your rule 3: the gateway's own wording
//! message refused by the gateway
//! ```

use super::model::{Class, Reason};
use super::rules::{at_word_edges, sections};
use aho_corasick::{AhoCorasick, MatchKind};
use std::fmt::Write as _;

/// One rule the operator made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnRule {
    /// Its number in the store (0 for one not stored yet).
    pub id: i64,
    /// What the server's words must contain (whole words, case ignored).
    pub phrase: String,
    /// The enhanced status code the bounce must carry too (`5.7.1`), if any.
    pub status: Option<String>,
    /// The reporting server (or its domain) the report must come from too, if any.
    pub reporting_mta: Option<String>,
    /// The class it gives.
    pub class: Class,
    /// The reason it gives.
    pub reason: Reason,
    /// Why the operator made it, in their words.
    pub note: String,
}

impl OwnRule {
    /// True when the rule's conditions other than the phrase hold.
    fn conditions_hold(&self, status: Option<&str>, reporting_mta: Option<&str>) -> bool {
        let status_holds = self
            .status
            .as_deref()
            .is_none_or(|wanted| status == Some(wanted));
        let mta_holds = self.reporting_mta.as_deref().is_none_or(|wanted| {
            reporting_mta.is_some_and(|host| {
                let host = host.to_ascii_lowercase();
                let wanted = wanted.to_ascii_lowercase();
                host == wanted || host.ends_with(&format!(".{wanted}"))
            })
        });
        status_holds && mta_holds
    }

    /// How many conditions the rule names: of two matching rules, the more specific wins.
    fn specificity(&self) -> (usize, usize) {
        let conditions =
            usize::from(self.status.is_some()) + usize::from(self.reporting_mta.is_some());
        (conditions, self.phrase.len())
    }

    /// The rule in words, for explanations: `your rule 3 ("phrase", status 5.7.1)`.
    pub fn describe(&self) -> String {
        let mut text = format!("your rule {} (\"{}\"", self.id, self.phrase);
        if let Some(status) = &self.status {
            let _ = write!(text, ", status {status}");
        }
        if let Some(mta) = &self.reporting_mta {
            let _ = write!(text, ", from {mta}");
        }
        text.push(')');
        text
    }
}

/// The operator's rules, ready to match.
#[derive(Debug, Clone, Default)]
pub struct OwnRules {
    rules: Vec<OwnRule>,
    matcher: Option<AhoCorasick>,
}

impl OwnRules {
    /// Compiles `rules`; a rule with an empty phrase never matches.
    pub fn new(rules: Vec<OwnRule>) -> OwnRules {
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(rules.iter().map(|rule| rule.phrase.as_str()))
            .ok();
        OwnRules { rules, matcher }
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[OwnRule] {
        &self.rules
    }

    /// True when there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule that decides a bounce with these words, status and reporting server: of the
    /// matching ones the most specific (most conditions, then longest phrase, then oldest).
    pub fn find(
        &self,
        text: &str,
        status: Option<&str>,
        reporting_mta: Option<&str>,
    ) -> Option<&OwnRule> {
        let matcher = self.matcher.as_ref()?;
        matcher
            .find_overlapping_iter(text)
            .filter(|found| at_word_edges(text, found.start(), found.end()))
            .filter_map(|found| self.rules.get(found.pattern().as_usize()))
            .filter(|rule| !rule.phrase.is_empty() && rule.conditions_hold(status, reporting_mta))
            .max_by_key(|rule| (rule.specificity(), std::cmp::Reverse(rule.id)))
    }

    /// The rules as text in the format of `assets/rules/reasons.txt`, one section each.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Bounce Desk — your own rules\n\
             #\n\
             # The format of assets/rules/reasons.txt: a [reason] section, a \"# source:\" line,\n\
             # then the phrase. The header may add class=…, status=X.Y.Z and mta=host, which a\n\
             # bounce must then match too. Import with `bouncedesk rules import FILE`.\n",
        );
        for rule in &self.rules {
            let _ = write!(out, "\n[{} class={}", rule.reason, rule.class.as_str());
            if let Some(status) = &rule.status {
                let _ = write!(out, " status={status}");
            }
            if let Some(mta) = &rule.reporting_mta {
                let _ = write!(out, " mta={mta}");
            }
            let note = if rule.note.is_empty() {
                String::new()
            } else {
                format!(": {}", rule.note.replace('\n', " "))
            };
            let phrase = if rule.phrase.starts_with('[') {
                format!("\\{}", rule.phrase)
            } else {
                rule.phrase.clone()
            };
            let _ = write!(out, "]\n# source: your rule {}{note}\n{phrase}\n", rule.id);
        }
        out
    }

    /// Reads rules written by [`OwnRules::to_text`] (or by hand in that format); every
    /// problem is named with its line, and nothing is returned unless the whole text reads.
    pub fn parse(text: &str) -> Result<Vec<OwnRule>, Vec<String>> {
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        // A rule's "source" is its note: the file says where each rule came from.
        let mut unsourced = Vec::new();
        for section in sections(text, "rules", &mut unsourced) {
            let Some(reason) = Reason::from_name(section.name) else {
                problems.push(format!("[{}]: no such reason", section.name));
                continue;
            };
            let mut rule = OwnRule {
                id: 0,
                phrase: String::new(),
                status: None,
                reporting_mta: None,
                class: reason.class(),
                reason,
                note: String::new(),
            };
            for condition in section.modifiers.split_whitespace() {
                match condition.split_once('=') {
                    Some(("class", class)) => match Class::from_name(class) {
                        Some(class) => rule.class = class,
                        None => {
                            problems.push(format!("[{}]: no such class `{class}`", section.name))
                        }
                    },
                    Some(("status", status)) => match super::codes::StatusCode::parse(status) {
                        Some(code) => rule.status = Some(code.to_string()),
                        None => problems.push(format!(
                            "[{}]: `{status}` is no status code (X.Y.Z)",
                            section.name
                        )),
                    },
                    Some(("mta", host)) if !host.is_empty() => {
                        rule.reporting_mta = Some(host.to_ascii_lowercase())
                    }
                    _ => problems.push(format!(
                        "[{}]: `{condition}` is not class=…, status=… or mta=…",
                        section.name
                    )),
                }
            }
            for (phrase, source) in &section.phrases {
                let note = source
                    .split_once(':')
                    .map_or("", |(_, note)| note)
                    .trim()
                    .to_string();
                rules.push(OwnRule {
                    phrase: phrase.to_lowercase(),
                    note,
                    ..rule.clone()
                });
            }
        }
        problems.extend(
            unsourced
                .into_iter()
                .filter(|problem| !problem.contains("no `# source:` line")),
        );
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, phrase: &str, status: Option<&str>, reason: Reason) -> OwnRule {
        OwnRule {
            id,
            phrase: phrase.to_string(),
            status: status.map(str::to_string),
            reporting_mta: None,
            class: reason.class(),
            reason,
            note: String::new(),
        }
    }

    #[test]
    fn the_most_specific_matching_rule_decides() {
        let rules = OwnRules::new(vec![
            rule(1, "refused by gateway", None, Reason::Blocked),
            rule(2, "refused by gateway", Some("5.7.1"), Reason::SpamDetected),
            rule(3, "nope", None, Reason::UserUnknown),
        ]);
        let found = |text, status| rules.find(text, status, None).map(|r| r.id);
        assert_eq!(
            found("550 5.7.1 Refused by Gateway", Some("5.7.1")),
            Some(2)
        );
        assert_eq!(found("550 Refused by gateway", Some("5.0.0")), Some(1));
        assert_eq!(found("all is nopeful", None), None, "whole words only");
        assert_eq!(found("something else", None), None);
    }

    #[test]
    fn a_reporting_server_condition_takes_its_subdomains() {
        let mut only_there = rule(4, "over the limit", None, Reason::MailboxFull);
        only_there.reporting_mta = Some("example.org".to_string());
        let rules = OwnRules::new(vec![only_there]);
        assert!(
            rules
                .find("over the limit", None, Some("mx1.example.org"))
                .is_some()
        );
        assert!(
            rules
                .find("over the limit", None, Some("EXAMPLE.ORG"))
                .is_some()
        );
        assert!(
            rules
                .find("over the limit", None, Some("example.net"))
                .is_none()
        );
        assert!(rules.find("over the limit", None, None).is_none());
    }

    #[test]
    fn rules_travel_as_text_and_come_back_the_same() {
        let mut second = rule(7, "[x] gateway refused", Some("5.7.1"), Reason::Blocked);
        second.reporting_mta = Some("mx.example.org".to_string());
        second.class = Class::Sender;
        second.note = "labelled in review".to_string();
        let rules = OwnRules::new(vec![
            rule(3, "no box here", None, Reason::UserUnknown),
            second,
        ]);
        let text = rules.to_text();
        let read = OwnRules::parse(&text).expect("its own output");
        let expected: Vec<OwnRule> = rules
            .rules()
            .iter()
            .map(|rule| OwnRule {
                id: 0,
                ..rule.clone()
            })
            .collect();
        assert_eq!(read, expected);
    }

    #[test]
    fn a_broken_file_names_every_problem_and_gives_nothing() {
        let problems = OwnRules::parse(
            "[nosuch]\n# source: a\nx\n[blocked status=9.9]\n# source: b\ny\n[blocked color=red]\nz\n",
        )
        .expect_err("three problems");
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
