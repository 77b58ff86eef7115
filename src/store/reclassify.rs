//! Re-classification: replays today's engine over every stored message, shows what would
//! change, and applies it only when asked. Labels given by hand are re-applied, so they win.

use super::ingest::{BounceContext, decompress, insert_bounce};
use super::{Result, Store, recipient_key, recipients};
use crate::classify::{Classifier, ENGINE_VERSION};
use rusqlite::params;
use std::collections::{BTreeMap, BTreeSet};

use super::BATCH;

/// One recipient whose engine verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerdictChange {
    /// The stored message.
    pub message_id: i64,
    /// The recipient ("" when a result appeared or vanished without one).
    pub recipient: String,
    /// `class/reason` before ("-" when the result is new).
    pub old: String,
    /// `class/reason` now ("-" when the result is gone).
    pub new: String,
}

/// What a re-classification found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReclassifySummary {
    /// Messages read.
    pub messages: usize,
    /// Messages whose results changed.
    pub changed_messages: usize,
    /// Each changed recipient verdict.
    pub changes: Vec<VerdictChange>,
    /// `old → new` counts, for the summary line per reason.
    pub by_transition: BTreeMap<String, usize>,
    /// True when the changes were written.
    pub applied: bool,
    /// Messages whose raw bytes were removed (retention, a forgotten address): they keep
    /// their verdicts, since there is nothing to classify again.
    pub without_raw: usize,
}

impl ReclassifySummary {
    /// Bounces whose verdict changes (or changed); `changes` may hold only some of them.
    pub fn changed_bounces(&self) -> usize {
        self.by_transition.values().sum()
    }

    /// Keeps the counts and only the first `examples` changes: what a window shows, without
    /// carrying one entry per changed bounce of a large history into a frame (dropping 50,000
    /// of them there takes 20 ms).
    pub fn keep_examples(&mut self, examples: usize) {
        self.changes.truncate(examples);
        self.changes.shrink_to_fit();
    }
}

/// recipient → `class/reason`, for the old → new lines.
type Verdicts = BTreeMap<String, String>;

/// A stored result as reclassify compares it: recipient, kind, action, status, reply code,
/// engine class, engine reason.
type Stored = (String, String, String, String, i64, String, String);

fn verdicts(results: &[Stored]) -> Verdicts {
    results
        .iter()
        .map(|(recipient, _, action, _, _, class, reason)| {
            let detail = if action == "failed" {
                String::new()
            } else {
                format!(" ({action})")
            };
            (recipient.clone(), format!("{class}/{reason}{detail}"))
        })
        .collect()
}

impl Store {
    /// Replays the engine over every stored message; writes the changes unless `dry_run`.
    pub fn reclassify(
        &mut self,
        classifier: &Classifier,
        dry_run: bool,
    ) -> Result<ReclassifySummary> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM messages ORDER BY id")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let summary = self.reclassify_messages(classifier, &ids, dry_run)?;
        if !dry_run {
            // Every message was replayed by today's engine, changed or not.
            self.conn.execute(
                "UPDATE messages SET engine_version = ?1 WHERE engine_version < ?1",
                [ENGINE_VERSION],
            )?;
        }
        Ok(summary)
    }

    /// How many stored messages an older engine classified: after an upgrade, the window
    /// offers to replay the history (and shows what that would change) when there are any.
    pub fn messages_by_older_engine(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE engine_version < ?1",
            [ENGINE_VERSION],
            |row| row.get(0),
        )?)
    }

    /// Replays the engine over the stored messages `ids` (in that order); writes the changes
    /// unless `dry_run`. What a rule can change is known in advance, so a rule's effect is
    /// this over the messages it can touch.
    pub(super) fn reclassify_messages(
        &mut self,
        classifier: &Classifier,
        ids: &[i64],
        dry_run: bool,
    ) -> Result<ReclassifySummary> {
        let thresholds = self.thresholds()?;
        let mut summary = ReclassifySummary {
            applied: !dry_run,
            ..ReclassifySummary::default()
        };
        for chunk in ids.chunks(BATCH) {
            let tx = if dry_run {
                self.conn.transaction()?
            } else {
                self.write_transaction()?
            };
            let labels_exist = super::ingest::labels_exist(&tx)?;
            let mut touched = BTreeSet::new();
            for &message_id in chunk {
                summary.messages += 1;
                let (sha256, raw_zstd, received_at): (Vec<u8>, Option<Vec<u8>>, i64) = tx
                    .prepare_cached(
                        "SELECT m.sha256, r.data, m.received_at FROM messages m
                         LEFT JOIN message_raw r ON r.message_id = m.id WHERE m.id = ?1",
                    )?
                    .query_row([message_id], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })?;
                let Some(raw_zstd) = raw_zstd else {
                    summary.without_raw += 1;
                    continue;
                };
                let report = classifier.classify(&decompress(&raw_zstd)?);
                // Everything the store keeps of a result, in order: any difference is a change.
                let stored: Vec<Stored> = tx
                    .prepare_cached(
                        "SELECT recipient_key, kind, action, COALESCE(status, ''),
                             COALESCE(reply_code, 0), engine_class, engine_reason
                         FROM bounces WHERE message_id = ?1 ORDER BY position",
                    )?
                    .query_map([message_id], |row| {
                        Ok((
                            row.get(0)?,
                            row.get(1)?,
                            row.get(2)?,
                            row.get(3)?,
                            row.get(4)?,
                            row.get(5)?,
                            row.get(6)?,
                        ))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                let fresh: Vec<Stored> = report
                    .bounces
                    .iter()
                    .map(|b| {
                        (
                            recipient_key(&b.recipient),
                            report.kind.as_str().to_string(),
                            b.action.as_str().to_string(),
                            b.status.clone().unwrap_or_default(),
                            i64::from(b.reply_code.unwrap_or(0)),
                            b.class.as_str().to_string(),
                            b.reason.as_str().to_string(),
                        )
                    })
                    .collect();
                if stored == fresh {
                    continue;
                }
                let before = verdicts(&stored);
                let after = verdicts(&fresh);
                summary.changed_messages += 1;
                record_changes(&mut summary, message_id, &before, &after);
                if dry_run {
                    continue;
                }
                touched.extend(before.keys().cloned());
                touched.extend(after.keys().cloned());
                tx.prepare_cached("DELETE FROM bounces WHERE message_id = ?1")?
                    .execute([message_id])?;
                let anomalies = super::to_json(&report.anomalies)?;
                tx.prepare_cached(
                    "UPDATE messages SET kind = ?1, anomalies = ?2, engine_version = ?3,
                         orig_message_id = ?4, orig_list_id = ?5, orig_subject = ?6
                     WHERE id = ?7",
                )?
                .execute(params![
                    report.kind.as_str(),
                    anomalies,
                    ENGINE_VERSION,
                    report.original.message_id,
                    report.original.list_id,
                    report.original.subject,
                    message_id
                ])?;
                let context = BounceContext {
                    message_id,
                    sha256: &sha256,
                    received_at,
                    kind: report.kind,
                    labels_exist,
                };
                for (position, bounce) in report.bounces.iter().enumerate() {
                    insert_bounce(&tx, &context, position, bounce)?;
                }
            }
            recipients::refresh(&tx, &touched, &thresholds)?;
            tx.commit()?;
        }
        Ok(summary)
    }
}

fn record_changes(
    summary: &mut ReclassifySummary,
    message_id: i64,
    before: &Verdicts,
    after: &Verdicts,
) {
    let recipients: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for recipient in recipients {
        let old = before
            .get(recipient)
            .cloned()
            .unwrap_or_else(|| "-".to_string());
        let new = after
            .get(recipient)
            .cloned()
            .unwrap_or_else(|| "-".to_string());
        if old == new {
            continue;
        }
        *summary
            .by_transition
            .entry(format!("{old} → {new}"))
            .or_default() += 1;
        summary.changes.push(VerdictChange {
            message_id,
            recipient: recipient.clone(),
            old,
            new,
        });
    }
}
