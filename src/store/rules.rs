//! The operator's own rules in the store: listing, adding, changing and removing them, and
//! what each change does to the stored history, shown before and applied after.
//!
//! A rule decides from the server's words, so the messages it can change are those with a
//! bounce whose diagnostic holds its phrase; only those are replayed through the engine. The
//! window's preview and `bouncedesk rules add --dry-run` are that replay without writing, so
//! the counts a person is shown are the counts that will be written.

use super::{ReclassifySummary, Result, Store, StoreError, now};
use crate::classify::{Class, Classifier, OwnRule, OwnRules, Reason};
use rusqlite::params;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A change to the rules, as a person asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleChange {
    /// A new rule (its `id` is ignored).
    Add(OwnRule),
    /// Rule `id` (the rule's own) gets these conditions and verdict.
    Update(OwnRule),
    /// Rule `id` goes.
    Remove(i64),
}

impl RuleChange {
    /// The phrases whose bounces the change can touch: the new one and, for a change or a
    /// removal, the old one.
    fn phrases(&self, current: &[OwnRule]) -> Vec<String> {
        let old = |id: i64| {
            current
                .iter()
                .find(|rule| rule.id == id)
                .map(|rule| rule.phrase.clone())
        };
        match self {
            RuleChange::Add(rule) => vec![rule.phrase.clone()],
            RuleChange::Update(rule) => std::iter::once(rule.phrase.clone())
                .chain(old(rule.id))
                .collect(),
            RuleChange::Remove(id) => old(*id).into_iter().collect(),
        }
    }

    /// The rules as they would be after the change.
    fn applied_to(&self, current: &[OwnRule]) -> Vec<OwnRule> {
        let mut rules = current.to_vec();
        match self {
            RuleChange::Add(rule) => rules.push(OwnRule {
                id: i64::MAX,
                ..rule.clone()
            }),
            RuleChange::Update(rule) => {
                for stored in &mut rules {
                    if stored.id == rule.id {
                        *stored = rule.clone();
                    }
                }
            }
            RuleChange::Remove(id) => rules.retain(|rule| rule.id != *id),
        }
        rules
    }
}

impl Store {
    /// Every rule, oldest first.
    pub fn rules(&self) -> Result<Vec<OwnRule>> {
        let mut statement = self.conn.prepare(
            "SELECT id, phrase, status, reporting_mta, class, reason, note
             FROM rules ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        let mut rules = Vec::new();
        for row in rows {
            let (id, phrase, status, reporting_mta, class, reason, note) = row?;
            let damaged = || StoreError::Damaged(format!("rule {id}: {class}/{reason}"));
            rules.push(OwnRule {
                id,
                phrase,
                status,
                reporting_mta,
                class: Class::from_name(&class).ok_or_else(damaged)?,
                reason: Reason::from_name(&reason).ok_or_else(damaged)?,
                note,
            });
        }
        Ok(rules)
    }

    /// The engine to classify this store's mail with: the shipped one, with the operator's
    /// own rules and retrained model when there are some.
    pub fn classifier(&self) -> Result<Classifier> {
        let classifier = self.model_classifier()?;
        let rules = self.rules()?;
        Ok(if rules.is_empty() {
            classifier
        } else {
            classifier.with_own_rules(Arc::new(OwnRules::new(rules)))
        })
    }

    /// What `change` would do to the stored history, without doing it.
    pub fn rule_effect(&mut self, change: &RuleChange) -> Result<ReclassifySummary> {
        check(change)?;
        let current = self.rules()?;
        let classifier = self
            .model_classifier()?
            .with_own_rules(Arc::new(OwnRules::new(change.applied_to(&current))));
        let ids = self.messages_saying(&change.phrases(&current))?;
        self.reclassify_messages(&classifier, &ids, true)
    }

    /// Makes `change` and re-classifies the history it touches; returns the rule's id (for a
    /// removal, the removed one) and what changed.
    pub fn change_rule(&mut self, change: &RuleChange) -> Result<(i64, ReclassifySummary)> {
        check(change)?;
        let phrases = change.phrases(&self.rules()?);
        let at = now();
        let id = match change {
            RuleChange::Add(rule) => {
                self.conn.execute(
                    "INSERT INTO rules (phrase, status, reporting_mta, class, reason, note,
                         created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                    params![
                        rule.phrase,
                        rule.status,
                        rule.reporting_mta,
                        rule.class.as_str(),
                        rule.reason.as_str(),
                        rule.note,
                        at
                    ],
                )?;
                self.conn.last_insert_rowid()
            }
            RuleChange::Update(rule) => {
                let changed = self.conn.execute(
                    "UPDATE rules SET phrase = ?1, status = ?2, reporting_mta = ?3, class = ?4,
                         reason = ?5, note = ?6, updated_at = ?7
                     WHERE id = ?8",
                    params![
                        rule.phrase,
                        rule.status,
                        rule.reporting_mta,
                        rule.class.as_str(),
                        rule.reason.as_str(),
                        rule.note,
                        at,
                        rule.id
                    ],
                )?;
                if changed == 0 {
                    return Err(StoreError::NotFound(format!("rule {}", rule.id)));
                }
                rule.id
            }
            RuleChange::Remove(id) => {
                if self.conn.execute("DELETE FROM rules WHERE id = ?1", [id])? == 0 {
                    return Err(StoreError::NotFound(format!("rule {id}")));
                }
                *id
            }
        };
        let classifier = self.classifier()?;
        let ids = self.messages_saying(&phrases)?;
        let summary = self.reclassify_messages(&classifier, &ids, false)?;
        Ok((id, summary))
    }

    /// The stored messages with a bounce whose words hold one of `phrases` (case ignored):
    /// the only ones a rule with those phrases can change. A phrase beyond ASCII, which SQLite
    /// cannot lower-case, takes every message.
    fn messages_saying(&self, phrases: &[String]) -> Result<Vec<i64>> {
        let mut ids = BTreeSet::new();
        for phrase in phrases {
            let lowered = phrase.to_lowercase();
            let (sql, argument) = if lowered.is_ascii() {
                (
                    "SELECT DISTINCT message_id FROM bounces
                     WHERE instr(lower(diagnostic), ?1) > 0",
                    lowered,
                )
            } else {
                ("SELECT id FROM messages WHERE ?1 = ?1", lowered)
            };
            let mut statement = self.conn.prepare(sql)?;
            for id in statement.query_map([argument], |row| row.get::<_, i64>(0))? {
                ids.insert(id?);
            }
        }
        Ok(ids.into_iter().collect())
    }
}

/// Refuses a rule that could never match or that gives no verdict an operator can act on.
fn check(change: &RuleChange) -> Result<()> {
    let rule = match change {
        RuleChange::Add(rule) | RuleChange::Update(rule) => rule,
        RuleChange::Remove(_) => return Ok(()),
    };
    if rule.phrase.trim().chars().count() < 3 {
        return Err(StoreError::Invalid(
            "a rule needs a phrase of at least three characters from the server's words".into(),
        ));
    }
    if rule.class == Class::Unknown {
        return Err(StoreError::Invalid(
            "a rule must decide: choose a class other than unknown".into(),
        ));
    }
    Ok(())
}
