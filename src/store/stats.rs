//! The aggregates the dashboard and `bouncedesk stats` show, read from the roll-up tables so
//! that each answers in milliseconds over a million bounces.
//!
//! Periods are whole UTC days. The list's bounce rate is unique bounced members over members,
//! against the 2 % line most senders are held to.

use super::{Result, Store};
use crate::families::group_of;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;

/// Seconds in a day: `day` numbers are Unix seconds divided by this.
pub const DAY: i64 = 86_400;

/// The Monday of the week of `day` (day 0, 1970-01-01, was a Thursday): weeks run Monday to
/// Sunday, as in `per_week`.
pub fn monday_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// A span of whole days (`day` = Unix seconds / 86400), both ends included; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub struct Period {
    /// First day, or from the beginning.
    pub from_day: Option<i64>,
    /// Last day, or up to now.
    pub to_day: Option<i64>,
}

impl Period {
    /// Everything.
    pub const ALL: Period = Period {
        from_day: None,
        to_day: None,
    };

    /// The last `days` days up to `today`.
    pub fn last_days(today: i64, days: i64) -> Period {
        Period {
            from_day: Some(today - days + 1),
            to_day: Some(today),
        }
    }

    /// First and last day, open ends as the extreme days.
    pub(super) fn bounds(self) -> (i64, i64) {
        (
            self.from_day.unwrap_or(i64::MIN),
            self.to_day.unwrap_or(i64::MAX),
        )
    }
}

/// Bounces of one class on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// The day.
    pub day: i64,
    /// The class.
    pub class: String,
    /// How many (delays excluded).
    pub n: i64,
}

/// Bounces at one recipient domain (or provider family).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCount {
    /// Domain, or family name.
    pub name: String,
    /// All bounces.
    pub bounces: i64,
    /// Hard bounces.
    pub hard: i64,
    /// Sender-side bounces.
    pub sender: i64,
    /// List members at that domain or family (0 when no list is imported).
    pub members: i64,
    /// List members there who bounced in the period.
    pub bounced_members: i64,
    /// `bounced_members / members`, when there are members: the share of the list at that
    /// provider that bounces, comparable with the 2 % line.
    pub rate: Option<f64>,
}

/// Failures (delays excluded) in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// First day (a Monday) of the week.
    pub monday: i64,
    /// The class.
    pub class: String,
    /// How many.
    pub n: i64,
}

/// Bounces with one code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    /// Enhanced status code ("" when none).
    pub status: String,
    /// Reply code (0 when none).
    pub reply_code: i64,
    /// How many.
    pub n: i64,
}

/// The list's health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListRate {
    /// Distinct addresses in the imported lists.
    pub members: i64,
    /// Members who bounced (any failure) in the period.
    pub bounced: i64,
    /// `bounced / members`.
    pub rate: f64,
    /// The line the operator set (a fraction: 0.02 for the usual 2 %).
    pub line: f64,
    /// True when above `line`.
    pub above_line: bool,
}

/// A provider rejecting the sender: something the operator must fix on their side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SenderAlert {
    /// Provider family or domain.
    pub provider: String,
    /// Sender-side bounces in the period.
    pub count: i64,
    /// The most common status (or reason) among them.
    pub top_code: String,
    /// First day seen in the period.
    pub since_day: i64,
    /// Last day the alert counts (the period's end, or today).
    pub until_day: i64,
    /// In words, ready to show.
    pub message: String,
}

/// Everything `bouncedesk stats --json` prints and the dashboard draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The period.
    pub period: Period,
    /// Messages stored (all time).
    pub messages: i64,
    /// Recipient results in the period (delays included).
    pub bounces: i64,
    /// Results per class in the period (delays excluded).
    pub by_class: BTreeMap<String, i64>,
    /// Results per reason.
    pub by_reason: BTreeMap<String, i64>,
    /// Per day and class.
    pub per_day: Vec<DayCount>,
    /// Per week (Monday to Sunday) and class.
    pub per_week: Vec<WeekCount>,
    /// Top recipient domains.
    pub top_domains: Vec<GroupCount>,
    /// Per provider family (domains without a family under their own name).
    pub by_family: Vec<GroupCount>,
    /// Per enhanced status and reply code.
    pub by_code: Vec<CodeCount>,
    /// Delay notices (never counted as failures).
    pub delayed: i64,
    /// Addresses suppressed in the period.
    pub suppressed_in_period: i64,
    /// The list's bounce rate, when a list is imported.
    pub list: Option<ListRate>,
    /// The operator's bounce-rate line (a fraction: 0.02 for the usual 2 %).
    pub rate_line: f64,
    /// Sender-side alerts.
    pub sender_alerts: Vec<SenderAlert>,
}

impl Store {
    /// The whole summary for `period`.
    pub fn summary(&self, period: Period) -> Result<Summary> {
        let (from, to) = period.bounds();
        // Only messages: counting a million bounce rows here would cost more than the charts.
        let messages = self.message_count()?;
        let mut by_class = BTreeMap::new();
        let mut by_reason = BTreeMap::new();
        let mut delayed = 0;
        let mut bounces = 0;
        for (class, reason, is_delay, n) in self.class_reason_counts(from, to)? {
            bounces += n;
            if is_delay {
                delayed += n;
                continue;
            }
            *by_class.entry(class).or_default() += n;
            *by_reason.entry(reason).or_default() += n;
        }
        let (top_domains, by_family) = self.domain_groups(period)?;
        Ok(Summary {
            period,
            messages,
            bounces,
            by_class,
            by_reason,
            per_day: self.per_day(period)?,
            per_week: self.per_week(period)?,
            top_domains,
            by_family,
            by_code: self.code_counts(period)?,
            delayed,
            suppressed_in_period: self.conn.query_row(
                "SELECT COUNT(*) FROM recipients WHERE state = 'suppressed'
                 AND since >= ?1 AND since < ?2",
                params![start_second(from), end_second(to)],
                |row| row.get(0),
            )?,
            list: self.list_rate(period)?,
            rate_line: self.settings()?.rate_line_percent / 100.0,
            sender_alerts: self.sender_alerts(period)?,
        })
    }

    /// Failures per class in `period` (delays excluded): the headline numbers alone, for
    /// comparing with the period before without the rest of a summary.
    pub fn class_counts(&self, period: Period) -> Result<BTreeMap<String, i64>> {
        let (from, to) = period.bounds();
        let mut by_class = BTreeMap::new();
        for (class, _, is_delay, n) in self.class_reason_counts(from, to)? {
            if !is_delay {
                *by_class.entry(class).or_default() += n;
            }
        }
        Ok(by_class)
    }

    fn class_reason_counts(&self, from: i64, to: i64) -> Result<Vec<(String, String, bool, i64)>> {
        let mut query = self.conn.prepare_cached(
            "SELECT class, reason, delayed, SUM(n) FROM agg_day WHERE day BETWEEN ?1 AND ?2
             GROUP BY class, reason, delayed",
        )?;
        let rows = query
            .query_map(params![from, to], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Failures per day and class (delays excluded), for the stacked chart.
    pub fn per_day(&self, period: Period) -> Result<Vec<DayCount>> {
        let (from, to) = period.bounds();
        let mut query = self.conn.prepare_cached(
            "SELECT day, class, SUM(n) FROM agg_day WHERE day BETWEEN ?1 AND ?2 AND delayed = 0
             GROUP BY day, class HAVING SUM(n) > 0 ORDER BY day, class",
        )?;
        let rows = query
            .query_map(params![from, to], |row| {
                Ok(DayCount {
                    day: row.get(0)?,
                    class: row.get(1)?,
                    n: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The top 20 recipient domains and provider families by bounces in the period, each with
    /// its list members and bounce rate.
    pub fn domain_groups(&self, period: Period) -> Result<(Vec<GroupCount>, Vec<GroupCount>)> {
        let domains = self.domain_counts(period)?;
        let members = self.members_by_domain()?;
        let bounced = self.bounced_members_by_domain(period)?;
        let top_domains = groups(
            &domains,
            &members,
            &bounced,
            |domain| domain.to_string(),
            20,
        );
        let by_family = groups(
            &domains,
            &members,
            &bounced,
            |domain| group_of(domain).to_string(),
            20,
        );
        Ok((top_domains, by_family))
    }

    /// Failures per week (Monday-based) and class.
    pub fn per_week(&self, period: Period) -> Result<Vec<WeekCount>> {
        let (from, to) = period.bounds();
        // Day 0 (1970-01-01) was a Thursday: (day + 3) / 7 numbers weeks from Monday.
        let mut query = self.conn.prepare_cached(
            "SELECT (day + 3) / 7 * 7 - 3, class, SUM(n) FROM agg_day
             WHERE day BETWEEN ?1 AND ?2 AND delayed = 0
             GROUP BY 1, class HAVING SUM(n) > 0 ORDER BY 1, class",
        )?;
        let rows = query
            .query_map(params![from, to], |row| {
                Ok(WeekCount {
                    monday: row.get(0)?,
                    class: row.get(1)?,
                    n: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// List members who bounced in the period, per domain.
    fn bounced_members_by_domain(&self, period: Period) -> Result<BTreeMap<String, i64>> {
        let (from, to) = period.bounds();
        let rows = self
            .conn
            .prepare_cached(
                "SELECT domain, COUNT(*) FROM recipients
                 WHERE listed = 1 AND last_failed_at >= ?1 AND last_failed_at < ?2
                 GROUP BY domain",
            )?
            .query_map(params![start_second(from), end_second(to)], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Results per (status, reply code) in the period, most frequent first.
    pub fn code_counts(&self, period: Period) -> Result<Vec<CodeCount>> {
        let (from, to) = period.bounds();
        let mut query = self.conn.prepare_cached(
            "SELECT status, reply_code, SUM(n) AS total FROM agg_code WHERE day BETWEEN ?1 AND ?2
             GROUP BY status, reply_code HAVING total > 0 ORDER BY total DESC LIMIT 30",
        )?;
        let rows = query
            .query_map(params![from, to], |row| {
                Ok(CodeCount {
                    status: row.get(0)?,
                    reply_code: row.get(1)?,
                    n: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// (domain, class) → count in the period; the all-time roll-up when the period is open.
    fn domain_counts(&self, period: Period) -> Result<Vec<(String, String, i64)>> {
        let rows = if period == Period::ALL {
            self.conn
                .prepare_cached("SELECT domain, class, n FROM agg_domain WHERE n > 0")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        } else {
            let (from, to) = period.bounds();
            self.conn
                .prepare_cached(
                    "SELECT domain, class, SUM(n) FROM agg_domain_day WHERE day BETWEEN ?1 AND ?2
                     GROUP BY domain, class HAVING SUM(n) > 0",
                )?
                .query_map(params![from, to], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })?
                .collect::<rusqlite::Result<_>>()?
        };
        Ok(rows)
    }

    fn members_by_domain(&self) -> Result<BTreeMap<String, i64>> {
        let rows = self
            .conn
            .prepare_cached("SELECT domain, members FROM member_domains")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The imported lists' bounce rate in the period.
    pub fn list_rate(&self, period: Period) -> Result<Option<ListRate>> {
        let (from, to) = period.bounds();
        let members: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(members), 0) FROM member_domains",
            [],
            |row| row.get(0),
        )?;
        if members == 0 {
            return Ok(None);
        }
        // `last_failed_at` answers "bounced since" for periods up to today; a period that
        // ended earlier is counted from the bounces themselves.
        let today = super::today();
        let bounced: i64 = if to >= today {
            self.conn.query_row(
                "SELECT COUNT(*) FROM recipients
                 WHERE listed = 1 AND last_failed_at >= ?1 AND last_failed_at < ?2",
                params![start_second(from), end_second(to)],
                |row| row.get(0),
            )?
        } else {
            self.conn.query_row(
                "SELECT COUNT(DISTINCT recipient_key) FROM bounces
                 WHERE day BETWEEN ?1 AND ?2 AND action = 'failed' AND listed = 1",
                params![from, to],
                |row| row.get(0),
            )?
        };
        let rate = bounced as f64 / members as f64;
        let line = self.settings()?.rate_line_percent / 100.0;
        Ok(Some(ListRate {
            members,
            bounced,
            rate,
            line,
            above_line: rate > line,
        }))
    }

    /// Providers refusing the sender in the last 30 days of the period: alerts are about what
    /// is happening now, and old trouble that stopped is no alert.
    pub fn sender_alerts(&self, period: Period) -> Result<Vec<SenderAlert>> {
        let (from, to) = period.bounds();
        let last_day = to.min(super::today());
        let window = Period {
            from_day: Some(from.max(last_day - 29)),
            to_day: Some(last_day),
        };
        let (from, to) = window.bounds();
        let mut per_provider: BTreeMap<String, (i64, String, i64)> = BTreeMap::new();
        for (domain, class, n) in self.domain_counts(window)? {
            if class != "sender" {
                continue;
            }
            let entry = per_provider
                .entry(group_of(&domain).to_string())
                .or_insert((0, String::new(), 0));
            entry.0 += n;
            // The provider's biggest domain tells the code; enough to say what is wrong.
            if n > entry.2 {
                entry.1 = domain;
                entry.2 = n;
            }
        }
        let mut details = self.conn.prepare_cached(
            "SELECT COALESCE(status, reason), MIN(day), COUNT(*) FROM bounces
             WHERE class = 'sender' AND domain = ?3 AND day BETWEEN ?1 AND ?2
             GROUP BY 1 ORDER BY 3 DESC LIMIT 1",
        )?;
        let threshold = self.settings()?.alert_threshold;
        let mut alerts = Vec::new();
        for (provider, (count, biggest, _)) in per_provider {
            if count < threshold {
                continue;
            }
            let Some((top_code, since_day)) = details
                .query_row(params![from, to, biggest], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()?
            else {
                continue;
            };
            let message = format!(
                "{provider}: {count} × {top_code} refused by the provider since {} — check your sending IP, SPF/DKIM/DMARC and content",
                crate::policy::date(start_second(since_day))
            );
            alerts.push(SenderAlert {
                provider,
                count,
                top_code,
                since_day,
                until_day: last_day,
                message,
            });
        }
        alerts.sort_by_key(|alert| std::cmp::Reverse(alert.count));
        Ok(alerts)
    }
}

/// The first second of day `day` (saturating for open periods).
pub(super) fn start_second(day: i64) -> i64 {
    day.saturating_mul(DAY)
}

/// The first second after day `day` (saturating for open periods).
pub(super) fn end_second(day: i64) -> i64 {
    day.saturating_add(1).saturating_mul(DAY)
}

/// Folds (domain, class, n) rows into groups named by `name_of`, biggest first.
fn groups(
    domains: &[(String, String, i64)],
    members: &BTreeMap<String, i64>,
    bounced: &BTreeMap<String, i64>,
    name_of: impl Fn(&str) -> String,
    limit: usize,
) -> Vec<GroupCount> {
    let mut by_name: BTreeMap<String, GroupCount> = BTreeMap::new();
    for (domain, class, n) in domains {
        let name = name_of(domain);
        let group = by_name.entry(name.clone()).or_insert_with(|| GroupCount {
            name,
            bounces: 0,
            hard: 0,
            sender: 0,
            members: 0,
            bounced_members: 0,
            rate: None,
        });
        group.bounces += n;
        match class.as_str() {
            "hard" => group.hard += n,
            "sender" => group.sender += n,
            _ => {}
        }
    }
    for (domain, count) in members {
        if let Some(group) = by_name.get_mut(&name_of(domain)) {
            group.members += count;
        }
    }
    for (domain, count) in bounced {
        if let Some(group) = by_name.get_mut(&name_of(domain)) {
            group.bounced_members += count;
        }
    }
    let mut groups: Vec<GroupCount> = by_name
        .into_values()
        .map(|mut group| {
            group.rate =
                (group.members > 0).then(|| group.bounced_members as f64 / group.members as f64);
            group
        })
        .collect();
    groups.sort_by(|a, b| b.bounces.cmp(&a.bounces).then_with(|| a.name.cmp(&b.name)));
    groups.truncate(limit);
    groups
}
