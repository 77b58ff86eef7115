//! Removing data on purpose: an address a subscriber asked to have erased, and raw messages
//! older than the retention the operator set. Verdicts of other recipients, counts and
//! history stay; what is removed does not linger (the store runs with `secure_delete`, and
//! forgetting rebuilds the file so no index page keeps a copy of the address).

use super::ingest::decompress;
use super::{Result, Store, StoreError, recipient_key};
use rusqlite::types::Value;
use std::collections::BTreeSet;

/// What forgetting an address removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Forgotten {
    /// The address, as the store keys it.
    pub address: String,
    /// Bounce results of the address.
    pub bounces: usize,
    /// Stored raw messages that named it (dropped; other recipients' verdicts from them stay,
    /// marked "raw message removed").
    pub raw_messages: usize,
    /// Rows of imported lists.
    pub list_rows: usize,
    /// Labels and decisions given by hand.
    pub by_hand: usize,
    /// Policy state and its changes.
    pub states: usize,
    /// Other texts that mentioned it (a server's words about another recipient, a note),
    /// with the address taken out.
    pub mentions: usize,
    /// True when another program kept reading the store, so that the WAL could not be
    /// emptied: old copies of pages may stay in it until that program closes.
    pub lingering: bool,
}

impl Forgotten {
    /// What was removed, in words.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} bounce(s), {} raw message(s), {} list row(s), {} label(s) or decision(s) \
             by hand, {} policy record(s) removed; {} mention(s) elsewhere blanked",
            self.address,
            self.bounces,
            self.raw_messages,
            self.list_rows,
            self.by_hand,
            self.states,
            self.mentions
        ) + if self.lingering {
            "; another program (the window, a sync) was reading the store, so old copies may \
             stay in its WAL until it closes: close it and forget the address again"
        } else {
            ""
        }
    }
}

/// What replaces a forgotten address where it is mentioned in another record's text.
const BLANKED: &str = "[address removed]";

/// Texts that may mention an address, with the columns that find their row.
const MENTIONING: [(&str, &str, &[&str]); 8] = [
    ("bounces", "diagnostic", &["id"]),
    ("messages", "orig_subject", &["id"]),
    ("messages", "anomalies", &["id"]),
    ("recipient_events", "reason", &["id"]),
    ("recipients", "reason", &["recipient_key"]),
    ("manual_labels", "note", &["sha256", "recipient_key"]),
    ("kept_recipients", "note", &["recipient_key"]),
    ("list_members", "cells", &["list_id", "row_number"]),
];

impl Store {
    /// Forgets `address` everywhere (see [`Forgotten`]), then rebuilds the file and empties
    /// the WAL so that its bytes appear nowhere in them. Long on a large store: it reads
    /// every raw message once.
    pub fn forget(&mut self, address: &str) -> Result<Forgotten> {
        let key = recipient_key(address);
        if !key.contains('@') {
            return Err(StoreError::Invalid(format!(
                "`{address}` is not an e-mail address"
            )));
        }
        let domain = super::domain_of(&key);
        // The scan runs inside the write transaction: a message stored meanwhile (a sync)
        // cannot slip past it.
        let tx = self.write_transaction()?;
        let naming = messages_naming(&tx, &key)?;
        let mut forgotten = Forgotten {
            address: key.clone(),
            raw_messages: naming.len(),
            ..Forgotten::default()
        };
        for id in &naming {
            tx.execute("DELETE FROM message_raw WHERE message_id = ?1", [id])?;
            tx.execute(
                "UPDATE messages SET raw_removed = 'forgotten' WHERE id = ?1",
                [id],
            )?;
        }
        let by_key = |sql: &str| tx.execute(sql, [&key]);
        forgotten.bounces = by_key("DELETE FROM bounces WHERE recipient_key = ?1")?;
        forgotten.by_hand = by_key("DELETE FROM manual_labels WHERE recipient_key = ?1")?
            + by_key("DELETE FROM kept_recipients WHERE recipient_key = ?1")?;
        forgotten.states = by_key("DELETE FROM recipients WHERE recipient_key = ?1")?
            + by_key("DELETE FROM recipient_events WHERE recipient_key = ?1")?;
        forgotten.list_rows = by_key("DELETE FROM list_members WHERE recipient_key = ?1")?;
        tx.execute(
            "UPDATE member_domains SET members =
                 (SELECT count(DISTINCT recipient_key) FROM list_members WHERE domain = ?1)
             WHERE domain = ?1",
            [&domain],
        )?;
        for (table, column, keys) in MENTIONING {
            forgotten.mentions += blank_mentions(&tx, table, column, keys, &key)?;
        }
        tx.commit()?;
        // Rebuilt, no page (an index's divider, a freed page) keeps a copy; the WAL, which
        // held the pages as they were, is emptied.
        self.conn.execute_batch("VACUUM")?;
        forgotten.lingering = !self.empty_wal()?;
        Ok(forgotten)
    }

    /// Checkpoints the WAL into the file and truncates it, waiting a little for readers
    /// (which keep it from being emptied); false if one is still there.
    fn empty_wal(&self) -> Result<bool> {
        for _ in 0..50 {
            let busy: i64 = self
                .conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
            if busy == 0 {
                return Ok(true);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Ok(false)
    }

    /// Drops the raw bytes of messages received more than the retention setting's days
    /// before `now` (nothing when it is 0); their verdicts, counts and history stay. Returns
    /// how many were dropped. Run after every sync.
    pub fn drop_old_raw(&mut self, now: i64) -> Result<usize> {
        let days = self.settings()?.raw_retention_days;
        if days == 0 {
            return Ok(0);
        }
        let cutoff = now - i64::from(days) * super::stats::DAY;
        let tx = self.write_transaction()?;
        let dropped = tx.execute(
            "DELETE FROM message_raw WHERE message_id IN
                 (SELECT id FROM messages WHERE received_at < ?1)",
            [cutoff],
        )?;
        tx.execute(
            "UPDATE messages SET raw_removed = 'retention'
             WHERE received_at < ?1 AND raw_removed IS NULL",
            [cutoff],
        )?;
        tx.commit()?;
        Ok(dropped)
    }
}

/// The stored messages that name `key`: those with a result for it, and any other whose raw
/// text mentions it (a forward, a quoted list).
fn messages_naming(conn: &rusqlite::Connection, key: &str) -> Result<BTreeSet<i64>> {
    let mut naming: BTreeSet<i64> = conn
        .prepare("SELECT DISTINCT message_id FROM bounces WHERE recipient_key = ?1")?
        .query_map([key], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let finder = memchr::memmem::Finder::new(key.as_bytes());
    let mut raws = conn.prepare("SELECT message_id, data FROM message_raw")?;
    let mut rows = raws.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if naming.contains(&id) {
            continue;
        }
        let compressed: Vec<u8> = row.get(1)?;
        let raw = decompress(&compressed)?.to_ascii_lowercase();
        if finder.find(&raw).is_some() {
            naming.insert(id);
        }
    }
    Ok(naming)
}

/// Takes `key` out of `column` wherever it is mentioned (any letter case); returns how many
/// rows changed.
fn blank_mentions(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    column: &str,
    keys: &[&str],
    key: &str,
) -> Result<usize> {
    let select = format!(
        "SELECT {column}, {} FROM {table} WHERE instr(lower({column}), ?1) > 0",
        keys.join(", ")
    );
    let found: Vec<(String, Vec<Value>)> = tx
        .prepare(&select)?
        .query_map([key], |row| {
            let text: String = row.get(0)?;
            let ids = (1..=keys.len())
                .map(|index| row.get::<_, Value>(index))
                .collect::<rusqlite::Result<Vec<Value>>>()?;
            Ok((text, ids))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let condition: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(index, name)| format!("{name} = ?{}", index + 2))
        .collect();
    let update = format!(
        "UPDATE {table} SET {column} = ?1 WHERE {}",
        condition.join(" AND ")
    );
    for (text, ids) in &found {
        let mut values = vec![Value::Text(without(text, key))];
        values.extend(ids.iter().cloned());
        tx.execute(&update, rusqlite::params_from_iter(values))?;
    }
    Ok(found.len())
}

/// `text` with every occurrence of `key` (ASCII letter case ignored) replaced by [`BLANKED`].
fn without(text: &str, key: &str) -> String {
    let lowered = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (at, _) in lowered.match_indices(key) {
        out.push_str(&text[from..at]);
        out.push_str(BLANKED);
        from = at + key.len();
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_blanked_in_any_letter_case() {
        assert_eq!(
            without(
                "550 <Ann@Example.org>: no such user (ann@example.org)",
                "ann@example.org"
            ),
            "550 <[address removed]>: no such user ([address removed])"
        );
        assert_eq!(without("nothing here", "ann@example.org"), "nothing here");
    }
}
