//! Storing classified messages: once per content, in one transaction per batch.
//!
//! Hashing, compressing and classifying happen in [`Prepared::new`], outside the write lock,
//! so that a sync can prepare the next batch while the store commits this one.

use super::{Result, Store, StoreError, domain_of, now, recipient_key, recipients};
use crate::classify::{Bounce, Classifier, ENGINE_VERSION, Kind, Report};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Where a message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk (or one message of an mbox file, named `path#N`).
    File {
        /// The path as walked.
        path: String,
    },
    /// An IMAP mailbox position.
    Imap {
        /// The account name.
        account: String,
        /// The folder.
        folder: String,
        /// The folder's UIDVALIDITY when the message was fetched.
        uidvalidity: u32,
        /// The message's UID.
        uid: u32,
    },
}

/// A message ready to store: hashed, compressed and classified.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Where it came from.
    pub source: Source,
    /// SHA-256 of the bytes with CRLF read as LF, so the same mail from IMAP and from a file
    /// is one message.
    pub sha256: [u8; 32],
    /// Size of the raw bytes.
    pub size: usize,
    /// When the report was written (its `Date`), else when it was read.
    pub received_at: i64,
    /// The raw bytes, zstd-compressed.
    pub raw_zstd: Vec<u8>,
    /// The engine's verdict.
    pub report: Report,
}

impl Prepared {
    /// Hashes, compresses and classifies one raw message.
    pub fn new(source: Source, raw: &[u8], classifier: &Classifier) -> Result<Prepared> {
        let report = classifier.classify(raw);
        Ok(Prepared {
            source,
            sha256: content_hash(raw),
            size: raw.len(),
            received_at: plausible_time(report.date),
            raw_zstd: compress(raw)?,
            report,
        })
    }
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// Messages stored for the first time.
    pub new_messages: usize,
    /// Messages already in the store (same content), only their new location recorded.
    pub already_stored: usize,
    /// Recipient results stored.
    pub bounces: usize,
    /// Recipients whose policy state changed.
    pub state_changes: usize,
}

impl std::ops::AddAssign for IngestSummary {
    fn add_assign(&mut self, other: IngestSummary) {
        self.new_messages += other.new_messages;
        self.already_stored += other.already_stored;
        self.bounces += other.bounces;
        self.state_changes += other.state_changes;
    }
}

impl Store {
    /// Stores a batch in one transaction: all of it or, if the process dies, none of it.
    pub fn commit(&mut self, batch: &[Prepared]) -> Result<IngestSummary> {
        let thresholds = self.thresholds()?;
        // IMMEDIATE: take the write lock first, so a reader-turned-writer never meets a
        // newer snapshot written by another process (the window, a second sync).
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut summary = IngestSummary::default();
        let mut touched = BTreeSet::new();
        let labels_exist = labels_exist(&tx)?;
        for prepared in batch {
            // An IMAP position already stored is never stored again, whatever its bytes.
            if matches!(prepared.source, Source::Imap { .. })
                && source_exists(&tx, &prepared.source)?
            {
                summary.already_stored += 1;
                continue;
            }
            match insert_message(&tx, prepared)? {
                Some(message_id) => {
                    summary.new_messages += 1;
                    let context = BounceContext {
                        message_id,
                        sha256: &prepared.sha256,
                        received_at: prepared.received_at,
                        kind: prepared.report.kind,
                        labels_exist,
                    };
                    for (position, bounce) in prepared.report.bounces.iter().enumerate() {
                        insert_bounce(&tx, &context, position, bounce)?;
                        touched.insert(recipient_key(&bounce.recipient));
                        summary.bounces += 1;
                    }
                    record_source(&tx, message_id, &prepared.source)?;
                }
                None => {
                    summary.already_stored += 1;
                    let message_id: i64 = tx
                        .prepare_cached("SELECT id FROM messages WHERE sha256 = ?1")?
                        .query_row([&prepared.sha256[..]], |row| row.get(0))?;
                    record_source(&tx, message_id, &prepared.source)?;
                }
            }
        }
        summary.state_changes = recipients::refresh(&tx, &touched, &thresholds)?;
        tx.commit()?;
        Ok(summary)
    }

    /// The highest UID committed from this IMAP folder under this UIDVALIDITY: where the next
    /// sync resumes. Batches commit in UID order, so nothing below it is missing.
    pub fn last_uid(&self, account: &str, folder: &str, uidvalidity: u32) -> Result<Option<u32>> {
        let last: Option<i64> = self.conn.query_row(
            "SELECT MAX(uid) FROM message_sources
             WHERE account = ?1 AND folder = ?2 AND uidvalidity = ?3",
            params![account, folder, i64::from(uidvalidity)],
            |row| row.get(0),
        )?;
        Ok(last.and_then(|uid| u32::try_from(uid).ok()))
    }

    /// UIDs of `folder` committed locally whose after-sync action is still to do: bounces and
    /// complaints only (not what a person labelled as no bounce) unless `all_mail`.
    pub fn pending_after_sync(
        &self,
        account: &str,
        folder: &str,
        uidvalidity: u32,
        all_mail: bool,
    ) -> Result<Vec<u32>> {
        let mut query = self.conn.prepare_cached(
            "SELECT s.uid FROM message_sources s JOIN messages m ON m.id = s.message_id
             WHERE s.account = ?1 AND s.folder = ?2 AND s.uidvalidity = ?3 AND s.acted = 0
               AND (?4 OR (m.kind IN ('bounce', 'feedback') AND NOT EXISTS (
                   SELECT 1 FROM manual_labels l
                   WHERE l.sha256 = m.sha256 AND l.class IN ('not_bounce', 'auto_reply'))))
             ORDER BY s.uid",
        )?;
        let uids = query
            .query_map(
                params![account, folder, i64::from(uidvalidity), all_mail],
                |row| row.get::<_, i64>(0),
            )?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(uids
            .into_iter()
            .filter_map(|uid| u32::try_from(uid).ok())
            .collect())
    }

    /// Records that the after-sync action was done for these UIDs.
    pub fn mark_acted(
        &mut self,
        account: &str,
        folder: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> Result<()> {
        let tx = self.write_transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE message_sources SET acted = 1
                 WHERE account = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
            )?;
            for uid in uids {
                update.execute(params![
                    account,
                    folder,
                    i64::from(uidvalidity),
                    i64::from(*uid)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

/// True when any label was given by hand. Most stores have none: then no bounce needs to
/// look for one.
pub(super) fn labels_exist(conn: &rusqlite::Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM manual_labels)")?
        .query_row([], |row| row.get(0))?)
}

/// True when the store already holds a message seen at this IMAP position.
fn source_exists(conn: &rusqlite::Connection, source: &Source) -> Result<bool> {
    let (account, folder, uidvalidity, uid) = source_key(source);
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM message_sources
             WHERE account = ?1 AND folder = ?2 AND uidvalidity = ?3 AND uid = ?4",
        )?
        .query_row(params![account, folder, uidvalidity, uid], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The `why` of a verdict given by hand.
pub(super) fn labelled_why(note: &str) -> String {
    if note.is_empty() {
        "labelled by hand".to_string()
    } else {
        format!("labelled by hand: {note}")
    }
}

/// Inserts the message unless its content is already stored; returns the new id.
fn insert_message(tx: &Transaction<'_>, prepared: &Prepared) -> Result<Option<i64>> {
    let report = &prepared.report;
    let anomalies = super::to_json(&report.anomalies)?;
    let id: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO messages (sha256, size, received_at, ingested_at, kind, anomalies,
                 orig_message_id, orig_list_id, orig_subject, engine_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (sha256) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                &prepared.sha256[..],
                prepared.size as i64,
                prepared.received_at,
                now(),
                report.kind.as_str(),
                anomalies,
                report.original.message_id,
                report.original.list_id,
                report.original.subject,
                ENGINE_VERSION,
            ],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = id {
        tx.prepare_cached("INSERT INTO message_raw (message_id, data) VALUES (?1, ?2)")?
            .execute(params![id, prepared.raw_zstd])?;
    }
    Ok(id)
}

/// The message a recipient result belongs to.
pub(super) struct BounceContext<'a> {
    /// Store id of the message.
    pub message_id: i64,
    /// Its content hash, the key of labels given by hand.
    pub sha256: &'a [u8],
    /// When it happened.
    pub received_at: i64,
    /// What the message is.
    pub kind: Kind,
    /// False when the store holds no label at all, so none needs looking up.
    pub labels_exist: bool,
}

/// Inserts one recipient result, with the label a person gave it (if any) in force.
pub(super) fn insert_bounce(
    tx: &Transaction<'_>,
    context: &BounceContext<'_>,
    position: usize,
    bounce: &Bounce,
) -> Result<()> {
    let key = recipient_key(&bounce.recipient);
    let label: Option<(String, String, String)> = if !context.labels_exist {
        None
    } else {
        tx
        .prepare_cached("SELECT class, reason, note FROM manual_labels WHERE sha256 = ?1 AND recipient_key = ?2")?
            .query_row(
            params![context.sha256, key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?
    };
    let (class, reason, why) = match label {
        Some((class, reason, note)) => (class, reason, labelled_why(&note)),
        None => (
            bounce.class.as_str().to_string(),
            bounce.reason.as_str().to_string(),
            bounce.why.clone(),
        ),
    };
    let at = context.received_at;
    tx.prepare_cached(
        "INSERT INTO bounces (message_id, position, occurred_at, day, recipient, recipient_key,
             domain, kind, action, status, reply_code, class, reason, engine_class,
             engine_reason, hard_bounce, diagnostic, remote_mta, reporting_mta, last_attempt,
             feedback_type, why, listed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22,
             EXISTS (SELECT 1 FROM list_members WHERE recipient_key = ?6))",
    )?
    .execute(params![
        context.message_id,
        position as i64,
        at,
        at.div_euclid(super::stats::DAY),
        bounce.recipient,
        key,
        domain_of(&bounce.recipient),
        context.kind.as_str(),
        bounce.action.as_str(),
        bounce.status,
        bounce.reply_code,
        class,
        reason,
        bounce.class.as_str(),
        bounce.reason.as_str(),
        bounce.hard_bounce,
        bounce.diagnostic,
        bounce.remote_mta,
        bounce.reporting_mta,
        bounce.last_attempt,
        bounce.feedback_type,
        why,
    ])?;
    Ok(())
}

fn source_key(source: &Source) -> (&str, &str, i64, i64) {
    match source {
        Source::File { path } => ("", path.as_str(), 0, 0),
        Source::Imap {
            account,
            folder,
            uidvalidity,
            uid,
        } => (
            account.as_str(),
            folder.as_str(),
            i64::from(*uidvalidity),
            i64::from(*uid),
        ),
    }
}

fn record_source(tx: &Transaction<'_>, message_id: i64, source: &Source) -> Result<()> {
    let (account, folder, uidvalidity, uid) = source_key(source);
    // A position holds one message: a rewritten mbox (`path#3` now another message) points
    // the position at the new one.
    tx.prepare_cached(
        "INSERT INTO message_sources (message_id, account, folder, uidvalidity, uid, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account, folder, uidvalidity, uid)
         DO UPDATE SET message_id = excluded.message_id, seen_at = excluded.seen_at",
    )?
    .execute(params![
        message_id,
        account,
        folder,
        uidvalidity,
        uid,
        now()
    ])?;
    Ok(())
}

/// The report's own date if it is plausible (not in the future, not before e-mail was common),
/// else now: a wrong clock on a remote server must not skew charts or the soft-bounce policy.
fn plausible_time(date: Option<i64>) -> i64 {
    const YEAR_2000: i64 = 946_684_800;
    let now = now();
    date.filter(|at| (YEAR_2000..=now + super::stats::DAY).contains(at))
        .unwrap_or(now)
}

/// SHA-256 of `raw` with every CRLF read as LF.
pub fn content_hash(raw: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    let mut rest = raw;
    while let Some(cr) = memchr::memmem::find(rest, b"\r\n") {
        hasher.update(&rest[..cr]);
        rest = &rest[cr + 1..];
    }
    hasher.update(rest);
    hasher.finalize().into()
}

/// Compresses raw mail for storage. One compression context per thread, reused: creating one
/// per message cost more than compressing it.
pub fn compress(raw: &[u8]) -> Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Compressor::new(1).map_err(StoreError::Compression)?);
        }
        match slot.as_mut() {
            Some(compressor) => compressor.compress(raw).map_err(StoreError::Compression),
            None => zstd::bulk::compress(raw, 1).map_err(StoreError::Compression),
        }
    })
}

/// Restores stored raw mail.
pub fn decompress(data: &[u8]) -> Result<Vec<u8>> {
    zstd::stream::decode_all(data).map_err(StoreError::Compression)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_copies_hash_alike() {
        assert_eq!(
            content_hash(b"Subject: x\r\n\r\nbody\r\n"),
            content_hash(b"Subject: x\n\nbody\n")
        );
        assert_ne!(content_hash(b"a\rb"), content_hash(b"ab"));
    }

    #[test]
    fn compression_round_trips() {
        let raw = b"Subject: hello\n\nworld ".repeat(50);
        let packed = compress(&raw).expect("compressed");
        assert!(packed.len() < raw.len());
        assert_eq!(decompress(&packed).expect("restored"), raw);
        assert!(decompress(b"not zstd").is_err());
    }
}
