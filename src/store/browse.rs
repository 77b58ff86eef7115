//! Browsing stored bounces one by one: which rows match a filter, in which order, a page of
//! them, and everything about one of them (with its raw message).
//!
//! A table over a million bounces cannot hold them all in memory: [`Store::bounce_ids`]
//! answers with ids only (8 bytes each), and the window asks for the few pages it shows.

use super::ingest::decompress;
use super::stats::{Period, end_second, start_second};
use super::{Result, Store, StoreError};
use crate::families::group_of;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use std::sync::LazyLock;

/// Which bounces to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BounceFilter {
    /// Only these days (whole UTC days, both ends included).
    pub period: Period,
    /// Words to find in the recipient, domain, reason or diagnostic (case-insensitive).
    pub text: String,
    /// Also list delay notices (the charts never count them: a delay is not a failure).
    pub delays: bool,
    /// Only failures and complaints: no auto-replies or non-bounces, as the domain charts
    /// count.
    pub failures_only: bool,
    /// Only this class.
    pub class: Option<String>,
    /// Only this reason.
    pub reason: Option<String>,
    /// Only this recipient domain, or every domain of this provider family.
    pub group: Option<String>,
    /// Only this enhanced status code (`""` for none).
    pub status: Option<String>,
}

/// A column the table can be sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SortColumn {
    /// When the bounce happened.
    #[default]
    Date,
    /// Recipient address.
    Recipient,
    /// Recipient domain.
    Domain,
    /// Class in force.
    Class,
    /// Reason in force.
    Reason,
    /// Enhanced status code.
    Status,
    /// SMTP reply code.
    ReplyCode,
    /// The remote server's words.
    Diagnostic,
}

impl SortColumn {
    fn sql(self) -> &'static str {
        match self {
            SortColumn::Date => "occurred_at",
            SortColumn::Recipient => "recipient_key",
            SortColumn::Domain => "domain",
            SortColumn::Class => "class",
            SortColumn::Reason => "reason",
            SortColumn::Status => "status",
            SortColumn::ReplyCode => "reply_code",
            SortColumn::Diagnostic => "diagnostic",
        }
    }
}

/// A sort order: a column, and whether it runs from high to low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BounceSort {
    /// The column.
    pub column: SortColumn,
    /// Highest (newest, last in the alphabet) first.
    pub descending: bool,
}

impl Default for BounceSort {
    /// Newest first: what an operator looks at after a send.
    fn default() -> Self {
        BounceSort {
            column: SortColumn::Date,
            descending: true,
        }
    }
}

/// One line of the bounce table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceRow {
    /// Store id (for the detail).
    pub id: i64,
    /// Unix seconds.
    pub occurred_at: i64,
    /// The address as written.
    pub recipient: String,
    /// Its domain.
    pub domain: String,
    /// Class in force.
    pub class: String,
    /// Reason in force.
    pub reason: String,
    /// Enhanced status code.
    pub status: Option<String>,
    /// SMTP reply code.
    pub reply_code: Option<i64>,
    /// The remote server's words.
    pub diagnostic: String,
}

/// Everything known about one bounce, for the detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceDetail {
    /// The table line.
    pub row: BounceRow,
    /// Every other field as (name, value), in the order the detail shows them.
    pub fields: Vec<(&'static str, String)>,
    /// Why the engine (or a person) decided so.
    pub why: String,
    /// Where the message was found (account/folder/UID or file).
    pub sources: Vec<String>,
    /// The recipient's policy state now (suppressed, kept, …), when it has one.
    pub recipient: Option<super::RecipientRow>,
    /// The raw message, as stored.
    pub raw: Vec<u8>,
}

/// Rows per page fetched by [`Store::bounce_rows`] callers; one prepared statement serves all.
pub const PAGE: usize = 128;

const ROW_COLUMNS: &str =
    "id, occurred_at, recipient, domain, class, reason, status, reply_code, diagnostic";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BounceRow> {
    Ok(BounceRow {
        id: row.get(0)?,
        occurred_at: row.get(1)?,
        recipient: row.get(2)?,
        domain: row.get(3)?,
        class: row.get(4)?,
        reason: row.get(5)?,
        status: row.get(6)?,
        reply_code: row.get(7)?,
        diagnostic: row.get(8)?,
    })
}

impl Store {
    /// Ids of the bounces that match `filter`, in `sort` order (ties in the same direction
    /// by id, that is by arrival).
    pub fn bounce_ids(&self, filter: &BounceFilter, sort: BounceSort) -> Result<Vec<i64>> {
        let (from, to) = filter.period.bounds();
        // In date order the period is a range of times, so that the date index gives both the
        // rows and their order; in any other order the day index finds the rows.
        let (mut conditions, mut values) = if sort.column == SortColumn::Date {
            (
                vec!["occurred_at >= ? AND occurred_at < ?".to_string()],
                vec![
                    Value::Integer(start_second(from)),
                    Value::Integer(end_second(to)),
                ],
            )
        } else {
            (
                vec!["day BETWEEN ? AND ?".to_string()],
                vec![Value::Integer(from), Value::Integer(to)],
            )
        };
        if !filter.delays {
            conditions.push("action <> 'delayed'".to_string());
        }
        if filter.failures_only {
            conditions.push("class NOT IN ('auto_reply', 'not_bounce')".to_string());
        }
        let text = filter.text.trim().to_lowercase();
        if !text.is_empty() {
            // The words as typed: `%` and `_` in them are letters, not wildcards.
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            let columns = ["recipient_key", "domain", "diagnostic", "reason"];
            let each: Vec<String> = columns
                .iter()
                .map(|column| format!("{column} LIKE ? ESCAPE '\\'"))
                .collect();
            conditions.push(format!("({})", each.join(" OR ")));
            values.extend(std::iter::repeat_n(Value::Text(pattern), columns.len()));
        }
        for (column, wanted) in [("class", &filter.class), ("reason", &filter.reason)] {
            if let Some(wanted) = wanted {
                conditions.push(format!("{column} = ?"));
                values.push(Value::Text(wanted.clone()));
            }
        }
        if let Some(status) = &filter.status {
            conditions.push("COALESCE(status, '') = ?".to_string());
            values.push(Value::Text(status.clone()));
        }
        if let Some(group) = &filter.group {
            let domains = self.domains_in_group(group)?;
            conditions.push(format!(
                "domain IN ({})",
                vec!["?"; domains.len().max(1)].join(",")
            ));
            if domains.is_empty() {
                values.push(Value::Text(group.clone()));
            }
            values.extend(domains.into_iter().map(Value::Text));
        }
        let direction = if sort.descending { "DESC" } else { "ASC" };
        let column = sort.column.sql();
        // Empty codes last either way: they are the least telling rows. (Only the code
        // columns can be empty; leaving the test off the others lets the date order come
        // straight from its index.)
        let empty_last = match sort.column {
            SortColumn::Status | SortColumn::ReplyCode => format!("{column} IS NULL, "),
            _ => String::new(),
        };
        // Newest first without a text search: the date index holds the order, the period and
        // the action and class tests, so it is the right plan whatever the other filters; the
        // planner, without statistics, would pick the class index and sort.
        // (Not through one account's view: a view has no index to name.)
        let hint = if sort.column == SortColumn::Date && text.is_empty() && self.scoped.is_none() {
            "INDEXED BY bounces_by_time"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id FROM bounces {hint} WHERE {} ORDER BY {empty_last}{column} {direction},
             id {direction}",
            conditions.join(" AND "),
        );
        let mut query = self.conn.prepare(&sql)?;
        let ids = query
            .query_map(rusqlite::params_from_iter(values), |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// The domains with bounces that belong to `group`: the domain itself, or every domain
    /// of a provider family ("Microsoft" → outlook.com, hotmail.com, …).
    fn domains_in_group(&self, group: &str) -> Result<Vec<String>> {
        let mut query = self
            .conn
            .prepare_cached("SELECT DISTINCT domain FROM agg_domain")?;
        let domains = query
            .query_map([], |row| row.get::<_, String>(0))?
            .filter_map(|domain| domain.ok())
            .filter(|domain| domain == group || group_of(domain) == group)
            .collect();
        Ok(domains)
    }

    /// The table lines for `ids`, one per id in the order given (`None` for a bounce no
    /// longer stored, so that rows never shift under the ids they were found for).
    pub fn bounce_rows(&self, ids: &[i64]) -> Result<Vec<Option<BounceRow>>> {
        static PAGE_QUERY: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {ROW_COLUMNS} FROM bounces WHERE id IN ({})",
                vec!["?"; PAGE].join(",")
            )
        });
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(PAGE) {
            let mut padded: Vec<i64> = chunk.to_vec();
            padded.resize(PAGE, 0);
            let mut query = self.conn.prepare_cached(&PAGE_QUERY)?;
            let mut found: std::collections::HashMap<i64, BounceRow> = query
                .query_map(rusqlite::params_from_iter(padded), read_row)?
                .map(|row| row.map(|row| (row.id, row)))
                .collect::<rusqlite::Result<_>>()?;
            rows.extend(chunk.iter().map(|id| found.remove(id)));
        }
        Ok(rows)
    }

    /// Everything about bounce `id`, with the raw message it came in.
    pub fn bounce_detail(&self, id: i64) -> Result<BounceDetail> {
        let found = self
            .conn
            .query_row(
                &format!(
                    "SELECT {ROW_COLUMNS}, message_id, kind, action, engine_class,
                        engine_reason, hard_bounce, remote_mta, reporting_mta, last_attempt,
                        feedback_type, why, listed
                     FROM bounces WHERE id = ?1"
                ),
                params![id],
                |row| {
                    let text = |index: usize| -> rusqlite::Result<String> {
                        Ok(row.get::<_, Option<String>>(index)?.unwrap_or_default())
                    };
                    let fields = vec![
                        ("Kind", text(10)?),
                        ("Action", text(11)?),
                        ("Engine's class", text(12)?),
                        ("Engine's reason", text(13)?),
                        ("Hard bounce", yes_no(row.get(14)?)),
                        ("Remote MTA", text(15)?),
                        ("Reporting MTA", text(16)?),
                        ("Last attempt", text(17)?),
                        ("Feedback type", text(18)?),
                        ("On an imported list", yes_no(row.get(20)?)),
                    ];
                    Ok((read_row(row)?, row.get::<_, i64>(9)?, fields, text(19)?))
                },
            )
            .optional()?;
        let (row, message_id, mut fields, why) =
            found.ok_or_else(|| StoreError::NotFound(format!("bounce {id}")))?;
        let (subject, original_id, list_id, anomalies): (
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        ) = self.conn.query_row(
            "SELECT orig_subject, orig_message_id, orig_list_id, anomalies
             FROM messages WHERE id = ?1",
            params![message_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        fields.extend([
            ("Returned subject", subject.unwrap_or_default()),
            ("Returned Message-ID", original_id.unwrap_or_default()),
            ("Returned List-Id", list_id.unwrap_or_default()),
            (
                "Parser notes",
                if anomalies == "[]" {
                    String::new()
                } else {
                    anomalies
                },
            ),
        ]);
        let mut query = self.conn.prepare_cached(
            "SELECT account, folder, uid FROM message_sources WHERE message_id = ?1
             ORDER BY seen_at",
        )?;
        let sources = query
            .query_map(params![message_id], |row| {
                let (account, folder, uid): (String, String, i64) =
                    (row.get(0)?, row.get(1)?, row.get(2)?);
                Ok(if account.is_empty() {
                    format!("file {folder}")
                } else {
                    format!("{account}: {folder}, UID {uid}")
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let compressed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT data FROM message_raw WHERE message_id = ?1",
                params![message_id],
                |row| row.get(0),
            )
            .optional()?;
        let raw = match compressed {
            Some(data) => decompress(&data)?,
            None => Vec::new(),
        };
        if raw.is_empty() {
            let removed: Option<String> = self.conn.query_row(
                "SELECT raw_removed FROM messages WHERE id = ?1",
                params![message_id],
                |row| row.get(0),
            )?;
            if let Some(why) = removed {
                fields.push(("Raw message", format!("removed ({why}); the verdict stays")));
            }
        }
        let recipient = self.recipient(&row.recipient)?;
        Ok(BounceDetail {
            row,
            fields,
            why,
            sources,
            recipient,
            raw,
        })
    }
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Result<(tempfile::TempDir, Store), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("demo.sqlite");
        crate::demo::build(&path, 1_795_705_200)?;
        let store = Store::open(&path)?;
        Ok((dir, store))
    }

    #[test]
    fn every_order_lists_the_same_bounces_of_a_period() -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, store) = demo()?;
        let filter = BounceFilter {
            period: Period::last_days(1_795_705_200 / super::super::stats::DAY, 10),
            ..BounceFilter::default()
        };
        let by_date = store.bounce_ids(&filter, BounceSort::default())?;
        assert!(by_date.len() > 50);
        let mut newest_first = store.bounce_rows(&by_date)?.into_iter().flatten();
        let mut last = i64::MAX;
        assert!(newest_first.all(|row| {
            let in_order = row.occurred_at <= last;
            last = row.occurred_at;
            in_order
        }));
        for column in [
            SortColumn::Recipient,
            SortColumn::Status,
            SortColumn::Diagnostic,
        ] {
            let sort = BounceSort {
                column,
                descending: false,
            };
            let mut other = store.bounce_ids(&filter, sort)?;
            let mut same = by_date.clone();
            other.sort_unstable();
            same.sort_unstable();
            assert_eq!(other, same, "{column:?}");
        }
        Ok(())
    }

    #[test]
    fn search_words_are_literal_and_rows_keep_their_places()
    -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, store) = demo()?;
        let search = |text: &str| {
            let filter = BounceFilter {
                text: text.to_string(),
                ..BounceFilter::default()
            };
            store.bounce_ids(&filter, BounceSort::default())
        };
        assert!(!search("old-startup")?.is_empty());
        assert!(
            search("old_startup")?.is_empty(),
            "_ is a letter, not a wildcard"
        );
        assert!(search("%")?.is_empty());
        let some = search("yahoo")?;
        let ids = [some[0], -7, some[1]];
        let rows = store.bounce_rows(&ids)?;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().map(|row| row.id), Some(some[0]));
        assert!(rows[1].is_none(), "an id no longer stored keeps its place");
        assert_eq!(rows[2].as_ref().map(|row| row.id), Some(some[1]));
        Ok(())
    }
}
