//! Verdicts given by hand: the review queue's answers. A label beats every rule, survives
//! re-classification (it is keyed by the message's content and the recipient) and moves the
//! recipient's policy state at once.

use super::ingest::labelled_why;
use super::{Result, Store, StoreError, now, recipients};
use crate::classify::{Class, Reason};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeSet;

impl Store {
    /// Labels bounce `bounce_id` with `class` and `reason` (and a note), by hand.
    pub fn label(
        &mut self,
        bounce_id: i64,
        class: Class,
        reason: Reason,
        note: &str,
    ) -> Result<()> {
        let thresholds = self.thresholds()?;
        let tx = self.conn.transaction()?;
        let found: Option<(Vec<u8>, String)> = tx
            .query_row(
                "SELECT m.sha256, b.recipient_key FROM bounces b
                 JOIN messages m ON m.id = b.message_id WHERE b.id = ?1",
                [bounce_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((sha256, key)) = found else {
            return Err(StoreError::NotFound(format!("bounce {bounce_id}")));
        };
        tx.execute(
            "INSERT INTO manual_labels (sha256, recipient_key, class, reason, note, labelled_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (sha256, recipient_key) DO UPDATE SET class = excluded.class,
                 reason = excluded.reason, note = excluded.note, labelled_at = excluded.labelled_at",
            params![sha256, key, class.as_str(), reason.as_str(), note, now()],
        )?;
        tx.execute(
            "UPDATE bounces SET class = ?1, reason = ?2, why = ?3
             WHERE message_id = (SELECT message_id FROM bounces WHERE id = ?4)
               AND recipient_key = ?5",
            params![
                class.as_str(),
                reason.as_str(),
                labelled_why(note),
                bounce_id,
                key
            ],
        )?;
        recipients::refresh(&tx, &BTreeSet::from([key]), &thresholds)?;
        tx.commit()?;
        Ok(())
    }
}
