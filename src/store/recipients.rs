//! Keeps each recipient's policy state in step with its history, and records every change
//! with its reason.

use super::{Result, Store, StoreError, domain_of, now};
use crate::classify::{Action, Class, Kind};
use crate::policy::{self, Event, Keep, State, Thresholds};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// A decision about an address given by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByHand {
    /// Keep it on the list whatever it bounces.
    Keep,
    /// Take it off the list whatever the policy says (a subscriber asked to leave, say).
    Suppress,
    /// Hand it back to the policy.
    Release,
}

/// A recipient as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecipientRow {
    /// The address (lower-cased).
    pub recipient: String,
    /// Its state.
    pub state: State,
    /// Why, in words.
    pub reason: String,
    /// Since when (Unix seconds).
    pub since: i64,
    /// Soft bounces in the current run.
    pub soft_count: u32,
}

/// Recomputes the state of each recipient in `keys`; returns how many changed.
pub(super) fn refresh(
    tx: &Transaction<'_>,
    keys: &BTreeSet<String>,
    thresholds: &Thresholds,
) -> Result<usize> {
    let mut history_query = tx.prepare_cached(
        "SELECT id, occurred_at, kind, action, class, reason, status
         FROM bounces WHERE recipient_key = ?1",
    )?;
    let mut changes = 0;
    for key in keys {
        let history = history_query
            .query_map([key], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })?
            .map(|row| {
                let (bounce_id, at, kind, action, class, reason, status) = row?;
                let damaged = |what: &str, value: &str| {
                    StoreError::Damaged(format!("bounce {bounce_id}: {what} `{value}`"))
                };
                Ok(Event {
                    bounce_id,
                    at,
                    kind: Kind::from_name(&kind).ok_or_else(|| damaged("kind", &kind))?,
                    action: Action::parse(&action).ok_or_else(|| damaged("action", &action))?,
                    class: Class::from_name(&class).ok_or_else(|| damaged("class", &class))?,
                    reason,
                    status,
                })
            })
            .collect::<Result<Vec<Event>>>()?;
        let keep: Option<Keep> = tx
            .prepare_cached(
                "SELECT note, kept_at, released_at IS NOT NULL, suppress FROM kept_recipients
                 WHERE recipient_key = ?1",
            )?
            .query_row([key], |row| {
                Ok(Keep {
                    note: row.get(0)?,
                    kept_at: row.get(1)?,
                    released: row.get(2)?,
                    suppress: row.get(3)?,
                })
            })
            .optional()?;
        let verdict = policy::evaluate(&history, keep.as_ref(), thresholds);
        let before: Option<(String, Option<i64>)> = tx
            .prepare_cached(
                "SELECT state, cause_bounce_id FROM recipients WHERE recipient_key = ?1",
            )?
            .query_row([key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let last_failed = history
            .iter()
            .filter(|event| event.action == Action::Failed)
            .map(|event| event.at)
            .max();
        tx.prepare_cached(
            "INSERT INTO recipients (recipient_key, domain, state, reason, since, soft_count,
                 cause_bounce_id, last_failed_at, listed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 EXISTS (SELECT 1 FROM list_members WHERE recipient_key = ?1))
             ON CONFLICT (recipient_key) DO UPDATE SET state = excluded.state,
                 reason = excluded.reason, since = excluded.since,
                 soft_count = excluded.soft_count, cause_bounce_id = excluded.cause_bounce_id,
                 last_failed_at = excluded.last_failed_at",
        )?
        .execute(params![
            key,
            domain_of(key),
            verdict.state.as_str(),
            verdict.reason,
            verdict.since,
            verdict.soft_count,
            verdict.cause,
            last_failed,
        ])?;
        let (from, cause_before) =
            before.unwrap_or_else(|| (State::Active.as_str().to_string(), None));
        // A change of state, or of the bounce a suppression rests on (a label turned a soft
        // verdict into a hard one), is recorded with its reason.
        let new_cause = verdict.state == State::Suppressed && cause_before != verdict.cause;
        if from != verdict.state.as_str() || new_cause {
            changes += 1;
            tx.prepare_cached(
                "INSERT INTO recipient_events (recipient_key, at, from_state, to_state, reason,
                     bounce_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                key,
                now(),
                from,
                verdict.state.as_str(),
                verdict.reason,
                verdict.cause
            ])?;
        }
    }
    Ok(changes)
}

impl Store {
    /// The policy state of one address, if it ever bounced.
    pub fn recipient(&self, address: &str) -> Result<Option<RecipientRow>> {
        let key = super::recipient_key(address);
        let row = self
            .conn
            .query_row(
                "SELECT recipient_key, state, reason, since, soft_count FROM recipients
                 WHERE recipient_key = ?1",
                [&key],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, u32>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(recipient, state, reason, since, soft_count)| {
            Ok(RecipientRow {
                state: State::from_name(&state)
                    .ok_or_else(|| StoreError::Damaged(format!("{recipient}: state `{state}`")))?,
                recipient,
                reason,
                since,
                soft_count,
            })
        })
        .transpose()
    }

    /// Keeps an address whatever it bounces, from now on (its history so far no longer
    /// counts); or, with `keep` false, releases it to the policy again. Re-evaluates it.
    pub fn keep(&mut self, address: &str, keep: bool, note: &str) -> Result<()> {
        let decision = if keep { ByHand::Keep } else { ByHand::Release };
        self.decide_by_hand(address, decision, note)
    }

    /// Records a decision by hand about an address (keep it, suppress it, or hand it back
    /// to the policy) with the operator's note, and re-evaluates it at once.
    pub fn decide_by_hand(&mut self, address: &str, decision: ByHand, note: &str) -> Result<()> {
        let key = super::recipient_key(address);
        let thresholds = self.thresholds()?;
        let tx = self.write_transaction()?;
        match decision {
            ByHand::Keep | ByHand::Suppress => {
                tx.prepare_cached(
                    "INSERT INTO kept_recipients (recipient_key, note, kept_at, released_at,
                         suppress)
                     VALUES (?1, ?2, ?3, NULL, ?4)
                     ON CONFLICT (recipient_key) DO UPDATE SET note = excluded.note,
                         kept_at = excluded.kept_at, released_at = NULL,
                         suppress = excluded.suppress",
                )?
                .execute(params![
                    key,
                    note,
                    now(),
                    decision == ByHand::Suppress
                ])?;
            }
            ByHand::Release => {
                tx.prepare_cached(
                    "UPDATE kept_recipients SET released_at = ?2 WHERE recipient_key = ?1",
                )?
                .execute(params![key, now()])?;
            }
        }
        refresh(&tx, &BTreeSet::from([key]), &thresholds)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores new policy thresholds and re-evaluates every recipient under them, in one
    /// transaction; returns how many states changed.
    pub fn set_thresholds(&mut self, thresholds: &Thresholds) -> Result<usize> {
        let tx = self.write_transaction()?;
        for (key, value) in [
            ("policy.soft_bounces", thresholds.soft_bounces),
            ("policy.soft_span_hours", thresholds.soft_span_hours),
            ("policy.soft_reset_days", thresholds.soft_reset_days),
        ] {
            tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value.to_string()])?;
        }
        let keys: BTreeSet<String> = tx
            .prepare("SELECT DISTINCT recipient_key FROM bounces")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let changed = refresh(&tx, &keys, thresholds)?;
        tx.commit()?;
        Ok(changed)
    }

    /// Every suppressed address with its reason, for exports.
    pub fn suppressed(&self) -> Result<Vec<SuppressedRow>> {
        let mut query = self.conn.prepare(
            "SELECT r.recipient_key, r.reason, r.since, b.class, b.reason, b.status, b.reply_code
             FROM recipients r LEFT JOIN bounces b ON b.id = r.cause_bounce_id
             WHERE r.state = 'suppressed' ORDER BY r.recipient_key",
        )?;
        let rows = query
            .query_map([], |row| {
                Ok(SuppressedRow {
                    recipient: row.get(0)?,
                    why: row.get(1)?,
                    since: row.get(2)?,
                    class: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    reason: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    status: row.get(5)?,
                    reply_code: row.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

/// A suppressed address and the bounce that suppressed it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SuppressedRow {
    /// The address (lower-cased).
    pub recipient: String,
    /// The policy's reason, in words.
    pub why: String,
    /// Since when (Unix seconds).
    pub since: i64,
    /// Class of the deciding bounce.
    pub class: String,
    /// Reason of the deciding bounce.
    pub reason: String,
    /// Status code of the deciding bounce.
    pub status: Option<String>,
    /// Reply code of the deciding bounce.
    pub reply_code: Option<i64>,
}

/// Which recipients the recipients view lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientFilter {
    /// A piece of the address (case ignored); empty for all.
    pub text: String,
    /// Only this state.
    pub state: Option<State>,
}

/// How many recipients a search lists at most: the view is for finding someone, not reading
/// the whole list.
pub const RECIPIENTS_SHOWN: usize = 500;

/// One bounce in a recipient's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryBounce {
    /// The bounce.
    pub id: i64,
    /// When (Unix seconds).
    pub occurred_at: i64,
    /// What the server did.
    pub action: String,
    /// The verdict in force.
    pub class: String,
    /// Its reason.
    pub reason: String,
    /// The status code, if any.
    pub status: Option<String>,
    /// Why, in words (a label given by hand says so).
    pub why: String,
    /// The server's words.
    pub diagnostic: String,
}

/// A state change of a recipient, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// When it was recorded (Unix seconds).
    pub at: i64,
    /// The state before.
    pub from: String,
    /// The state after.
    pub to: String,
    /// Why, in words.
    pub reason: String,
}

/// Everything the store knows about one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientHistory {
    /// The address (its normal form).
    pub address: String,
    /// Its state, if it ever bounced or was decided by hand; `None`: active, never bounced.
    pub row: Option<RecipientRow>,
    /// Every bounce, oldest first.
    pub bounces: Vec<HistoryBounce>,
    /// Every recorded state change, oldest first.
    pub changes: Vec<StateChange>,
    /// The imported lists it is on.
    pub lists: Vec<String>,
}

impl Store {
    /// The recipients matching `filter`, most recent change first, at most
    /// [`RECIPIENTS_SHOWN`], and how many match in all. Addresses on an imported list that
    /// never bounced are found too (as active) when no state is asked for.
    pub fn recipients(&self, filter: &RecipientFilter) -> Result<(Vec<RecipientRow>, usize)> {
        let pattern = format!(
            "%{}%",
            filter
                .text
                .trim()
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let state = filter.state.map(State::as_str);
        let rows = self
            .conn
            .prepare_cached(
                "SELECT recipient_key, state, reason, since, soft_count FROM recipients
             WHERE recipient_key LIKE ?1 ESCAPE '\\' AND (?2 IS NULL OR state = ?2)
             UNION ALL
             SELECT DISTINCT recipient_key, 'active', 'on a list, never bounced', 0, 0
             FROM list_members
             WHERE ?2 IS NULL AND recipient_key LIKE ?1 ESCAPE '\\'
               AND recipient_key NOT IN (SELECT recipient_key FROM recipients)
             ORDER BY 4 DESC, 1",
            )?
            .query_map(params![pattern, state], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, u32>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let total = rows.len();
        let shown = rows
            .into_iter()
            .take(RECIPIENTS_SHOWN)
            .map(|(recipient, state, reason, since, soft_count)| {
                Ok(RecipientRow {
                    state: State::from_name(&state).ok_or_else(|| {
                        StoreError::Damaged(format!("{recipient}: state `{state}`"))
                    })?,
                    recipient,
                    reason,
                    since,
                    soft_count,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((shown, total))
    }

    /// Everything known about `address`: its state, every bounce, every state change, the
    /// lists it is on.
    pub fn recipient_history(&self, address: &str) -> Result<RecipientHistory> {
        let key = super::recipient_key(address);
        let bounces = self
            .conn
            .prepare_cached(
                "SELECT id, occurred_at, action, class, reason, status, why, diagnostic
                 FROM bounces WHERE recipient_key = ?1 ORDER BY occurred_at, id",
            )?
            .query_map([&key], |row| {
                Ok(HistoryBounce {
                    id: row.get(0)?,
                    occurred_at: row.get(1)?,
                    action: row.get(2)?,
                    class: row.get(3)?,
                    reason: row.get(4)?,
                    status: row.get(5)?,
                    why: row.get(6)?,
                    diagnostic: row.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let changes = self
            .conn
            .prepare_cached(
                "SELECT at, from_state, to_state, reason FROM recipient_events
                 WHERE recipient_key = ?1 ORDER BY at, id",
            )?
            .query_map([&key], |row| {
                Ok(StateChange {
                    at: row.get(0)?,
                    from: row.get(1)?,
                    to: row.get(2)?,
                    reason: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let lists = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT l.name FROM list_members m JOIN lists l ON l.id = m.list_id
                 WHERE m.recipient_key = ?1 ORDER BY l.name",
            )?
            .query_map([&key], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(RecipientHistory {
            row: self.recipient(&key)?,
            address: key,
            bounces,
            changes,
            lists,
        })
    }
}
