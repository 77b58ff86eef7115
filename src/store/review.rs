//! The review queue: the bounces the engine could not decide, grouped by what their servers
//! said, so that one decision labels every bounce that says the same thing — and can be taken
//! back.
//!
//! A group's signature is the diagnostic with what changes from bounce to bounce masked
//! (addresses, host names, numbers, ids), plus the status code and the reporting server: the
//! same server saying the same thing about different people.

use super::ingest::labelled_why;
use super::{Result, Store, StoreError, now, recipients};
use crate::classify::{Class, Reason};
use rusqlite::{OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};

/// How many examples a group shows.
const EXAMPLES: usize = 3;

/// One bounce of a group, as the review view lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewExample {
    /// The bounce.
    pub id: i64,
    /// Who bounced.
    pub recipient: String,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// The server's words.
    pub diagnostic: String,
}

/// Bounces awaiting a person's decision that say the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewGroup {
    /// The words with what varies masked (`ADDRESS`, `HOST`, `#`, `ID`).
    pub signature: String,
    /// The status code they share, if any.
    pub status: Option<String>,
    /// The reporting server they share, if any.
    pub reporting_mta: Option<String>,
    /// Every bounce of the group, newest first.
    pub ids: Vec<i64>,
    /// The first and the last time one of them bounced (Unix seconds).
    pub first: i64,
    /// See `first`.
    pub last: i64,
    /// The newest few, in full.
    pub examples: Vec<ReviewExample>,
}

/// A label as stored: class, reason, note, when.
type StoredLabel = (String, String, String, i64);

/// What a group label changed, kept so that it can be taken back.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelUndo {
    /// Per labelled message (its content hash) and recipient: the label it had before.
    labels: Vec<(Vec<u8>, String, Option<StoredLabel>)>,
    /// Per bounce row touched: its class, reason and explanation before.
    verdicts: Vec<(i64, String, String, String)>,
}

impl LabelUndo {
    /// How many bounces the label changed.
    pub fn bounces(&self) -> usize {
        self.verdicts.len()
    }
}

impl Store {
    /// The bounces awaiting review (class `unknown`), grouped by signature, biggest group
    /// first (then the most recent).
    pub fn review_groups(&self) -> Result<Vec<ReviewGroup>> {
        let mut statement = self.conn.prepare(
            "SELECT id, recipient, occurred_at, diagnostic, status, reporting_mta
             FROM bounces WHERE class = 'unknown' AND action = 'failed'
             ORDER BY occurred_at DESC, id DESC",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                ReviewExample {
                    id: row.get(0)?,
                    recipient: row.get(1)?,
                    occurred_at: row.get(2)?,
                    diagnostic: row.get(3)?,
                },
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut groups: Vec<ReviewGroup> = Vec::new();
        let mut by_key: HashMap<(String, Option<String>, Option<String>), usize> = HashMap::new();
        for row in rows {
            let (example, status, reporting_mta) = row?;
            let signature = signature(&example.diagnostic);
            let key = (signature.clone(), status.clone(), reporting_mta.clone());
            let index = *by_key.entry(key).or_insert_with(|| {
                groups.push(ReviewGroup {
                    signature,
                    status,
                    reporting_mta,
                    ids: Vec::new(),
                    first: example.occurred_at,
                    last: example.occurred_at,
                    examples: Vec::new(),
                });
                groups.len() - 1
            });
            if let Some(group) = groups.get_mut(index) {
                group.ids.push(example.id);
                group.first = group.first.min(example.occurred_at);
                group.last = group.last.max(example.occurred_at);
                if group.examples.len() < EXAMPLES {
                    group.examples.push(example);
                }
            }
        }
        groups.sort_by(|a, b| b.ids.len().cmp(&a.ids.len()).then(b.last.cmp(&a.last)));
        Ok(groups)
    }

    /// Labels bounce `bounce_id` with `class` and `reason` (and a note), by hand.
    pub fn label(
        &mut self,
        bounce_id: i64,
        class: Class,
        reason: Reason,
        note: &str,
    ) -> Result<()> {
        self.label_bounces(&[bounce_id], class, reason, note)
            .map(|_| ())
    }

    /// Labels every bounce of `bounce_ids` by hand, in one transaction: the labels beat
    /// every rule and survive re-classification, and the recipients' states move at once.
    /// Returns what it replaced, for [`Store::undo_labels`].
    pub fn label_bounces(
        &mut self,
        bounce_ids: &[i64],
        class: Class,
        reason: Reason,
        note: &str,
    ) -> Result<LabelUndo> {
        let thresholds = self.thresholds()?;
        let tx = self.write_transaction()?;
        let mut undo = LabelUndo::default();
        let mut keys = BTreeSet::new();
        let mut labelled = std::collections::HashSet::new();
        for &bounce_id in bounce_ids {
            let found: Option<(Vec<u8>, String, i64)> = tx
                .prepare_cached(
                    "SELECT m.sha256, b.recipient_key, b.message_id FROM bounces b
                     JOIN messages m ON m.id = b.message_id WHERE b.id = ?1",
                )?
                .query_row([bounce_id], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            let Some((sha256, key, message_id)) = found else {
                return Err(StoreError::NotFound(format!("bounce {bounce_id}")));
            };
            // Two rows of one message and recipient share one label.
            if !labelled.insert((sha256.clone(), key.clone())) {
                continue;
            }
            keys.insert(key.clone());
            let before: Option<StoredLabel> = tx
                .prepare_cached(
                    "SELECT class, reason, note, labelled_at FROM manual_labels
                     WHERE sha256 = ?1 AND recipient_key = ?2",
                )?
                .query_row(params![sha256, key], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()?;
            let mut verdicts = tx.prepare_cached(
                "SELECT id, class, reason, why FROM bounces
                 WHERE message_id = ?1 AND recipient_key = ?2",
            )?;
            for row in verdicts.query_map(params![message_id, key], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })? {
                undo.verdicts.push(row?);
            }
            undo.labels.push((sha256.clone(), key.clone(), before));
            tx.prepare_cached(
                "INSERT INTO manual_labels (sha256, recipient_key, class, reason, note,
                     labelled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sha256, recipient_key) DO UPDATE SET class = excluded.class,
                     reason = excluded.reason, note = excluded.note,
                     labelled_at = excluded.labelled_at",
            )?
            .execute(params![
                sha256,
                key,
                class.as_str(),
                reason.as_str(),
                note,
                now()
            ])?;
            tx.prepare_cached(
                "UPDATE bounces SET class = ?1, reason = ?2, why = ?3
                 WHERE message_id = ?4 AND recipient_key = ?5",
            )?
            .execute(params![
                class.as_str(),
                reason.as_str(),
                labelled_why(note),
                message_id,
                key
            ])?;
        }
        recipients::refresh(&tx, &keys, &thresholds)?;
        tx.commit()?;
        Ok(undo)
    }

    /// Takes back the labels `undo` recorded: the labels and verdicts before come back, and
    /// the recipients' states follow.
    pub fn undo_labels(&mut self, undo: &LabelUndo) -> Result<()> {
        let thresholds = self.thresholds()?;
        let tx = self.write_transaction()?;
        let mut keys = BTreeSet::new();
        for (sha256, key, before) in &undo.labels {
            keys.insert(key.clone());
            match before {
                Some((class, reason, note, labelled_at)) => tx.execute(
                    "UPDATE manual_labels SET class = ?3, reason = ?4, note = ?5,
                         labelled_at = ?6
                     WHERE sha256 = ?1 AND recipient_key = ?2",
                    params![sha256, key, class, reason, note, labelled_at],
                )?,
                None => tx.execute(
                    "DELETE FROM manual_labels WHERE sha256 = ?1 AND recipient_key = ?2",
                    params![sha256, key],
                )?,
            };
        }
        for (id, class, reason, why) in &undo.verdicts {
            tx.execute(
                "UPDATE bounces SET class = ?2, reason = ?3, why = ?4 WHERE id = ?1",
                params![id, class, reason, why],
            )?;
        }
        recipients::refresh(&tx, &keys, &thresholds)?;
        tx.commit()?;
        Ok(())
    }
}

/// The diagnostic with what changes from one bounce to the next masked (`ADDRESS`, `HOST`,
/// `#`, `ID`), the rest lower-cased and whitespace collapsed.
pub fn signature(diagnostic: &str) -> String {
    let mut out = String::with_capacity(diagnostic.len().min(400));
    for (position, word) in diagnostic.split_whitespace().enumerate() {
        if !out.is_empty() {
            out.push(' ');
        }
        // A reply code opens a reply; three digits anywhere else are a number like any other.
        if position == 0 && is_reply_code(word) {
            out.push_str(word);
            continue;
        }
        out.push_str(&mask(word));
        if out.len() > 400 {
            break;
        }
    }
    out
}

/// One word of a diagnostic, masked if it names someone or something that varies.
fn mask(word: &str) -> String {
    let core = word.trim_matches(|c: char| !c.is_alphanumeric());
    let (lead, trail) = match word.find(core) {
        Some(at) if !core.is_empty() => (&word[..at], &word[at + core.len()..]),
        _ => return word.to_lowercase(),
    };
    let letters = core.chars().filter(|c| c.is_alphabetic()).count();
    let digits = core.chars().filter(char::is_ascii_digit).count();
    let masked = if core.contains('@') {
        "ADDRESS"
    } else if core.contains('.') && letters > 0 && !is_status_code(core) {
        "HOST"
    } else if digits > 0 && letters == 0 {
        if is_status_code(core) {
            return word.to_lowercase();
        }
        "#"
    } else if digits > 0 && core.len() >= 6 {
        "ID"
    } else {
        return word.to_lowercase();
    };
    format!("{lead}{masked}{trail}")
}

/// The phrase a rule made from a group would most likely want: the longest run of the
/// signature's words that names no one (no masked word, no number or code).
pub fn suggested_phrase(signature: &str) -> String {
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    for word in signature.split(' ') {
        let core = word.trim_matches(|c: char| !c.is_alphanumeric());
        let plain = !core.is_empty()
            && !core.chars().any(|c| c.is_ascii_digit() || c.is_uppercase())
            && !matches!(core, "ADDRESS" | "HOST" | "ID");
        let opens = word.starts_with(|c: char| !c.is_alphanumeric());
        let closes = word.ends_with(|c: char| !c.is_alphanumeric());
        if !plain || opens {
            runs.push(Vec::new());
        }
        if plain {
            if let Some(run) = runs.last_mut() {
                run.push(core);
            }
            if closes {
                runs.push(Vec::new());
            }
        }
    }
    runs.into_iter()
        .map(|run| run.join(" "))
        .max_by_key(String::len)
        .unwrap_or_default()
}

fn is_status_code(word: &str) -> bool {
    crate::classify::StatusCode::parse(word).is_some_and(|code| code.to_string() == word)
}

fn is_reply_code(word: &str) -> bool {
    word.len() == 3
        && word.bytes().all(|b| b.is_ascii_digit())
        && matches!(word.as_bytes().first(), Some(b'2' | b'4' | b'5'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_mask_what_varies_and_keep_what_is_said() {
        let one = signature(
            "550 5.7.1 <ann@example.org>: Refused by gw3.example.net ref 4f3a2b91, try in 30 minutes, case 524",
        );
        let two = signature(
            "550 5.7.1 <bob@example.com>: Refused by gw1.example.net ref 77aa0c12, try in 10 minutes, case 411",
        );
        assert_eq!(one, two);
        assert_eq!(
            one,
            "550 5.7.1 <ADDRESS>: refused by HOST ref ID, try in # minutes, case #"
        );
        assert_ne!(one, signature("550 5.7.1 <ann@example.org>: Mailbox full"));
        assert_eq!(suggested_phrase(&one), "refused by");
        assert_eq!(
            suggested_phrase("550 5.0.0 zorglub has frobnicated ADDRESS (ticket ID)"),
            "zorglub has frobnicated"
        );
        assert_eq!(suggested_phrase("# #"), "");
    }
}
