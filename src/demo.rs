//! The demo mailbox: a few hundred reports written from our own templates
//! (`assets/demo/*.eml`), fed through the real engine and store, with a subscriber list, so
//! that a newcomer sees every view of the app working before connecting a mailbox.
//!
//! Thirteen weekly issues of a newsletter bounce the way real lists do (dead addresses, full
//! mailboxes that recur until the policy suppresses them, delays, complaints, out-of-office
//! replies, a few notices nobody could classify, a company gateway's own wording repeated for
//! every address there, and that gateway's older wording, which a rule of the operator's
//! already decides), and in the last days one provider starts
//! rejecting the sender over DMARC while another block-lists its IP: the two things the
//! dashboard's sender alerts exist for. The data is generated from a fixed seed, dated
//! relative to `now`, so the demo always shows "this week".

use crate::address::domain_of;
use crate::classify::{Class, OwnRule, Reason};
use crate::lists;
use crate::store::stats::{DAY, monday_of};
use crate::store::{BATCH, Prepared, RuleChange, Source, Store, StoreError};
use std::path::Path;

/// One report template and the placeholders it needs.
struct Template {
    name: &'static str,
    text: &'static str,
}

macro_rules! template {
    ($name:literal) => {
        Template {
            name: $name,
            text: include_str!(concat!("../assets/demo/", $name, ".eml")),
        }
    };
}

const USER_UNKNOWN: Template = template!("user-unknown");
const MAILBOX_FULL: Template = template!("mailbox-full");
const DMARC_REJECTED: Template = template!("dmarc-rejected");
const BLOCKLISTED: Template = template!("blocklisted");
const HOST_UNKNOWN: Template = template!("host-unknown");
const DELAYED: Template = template!("delayed");
const TOO_MANY_CONNECTIONS: Template = template!("too-many-connections");
const COMPLAINT: Template = template!("complaint");
const VACATION: Template = template!("vacation");
const UNCLEAR_NOTICE: Template = template!("unclear-notice");
const GATEWAY_PARKED: Template = template!("gateway-parked");
const GATEWAY_RETIRED: Template = template!("gateway-retired");
const ODD_NOTICE: Template = template!("odd-notice");

/// Recipient domains and how many subscribers of 1,000 sit there.
const DOMAINS: [(&str, u32); 12] = [
    ("gmail.com", 310),
    ("outlook.com", 110),
    ("hotmail.com", 80),
    ("yahoo.com", 100),
    ("icloud.com", 70),
    ("gmx.de", 60),
    ("web.de", 50),
    ("t-online.de", 40),
    ("orange.fr", 50),
    ("proton.me", 30),
    ("acme-corp.example", 60),
    ("old-startup.example", 40),
];

/// Subscribers on the demo list.
const SUBSCRIBERS: usize = 2_400;

/// Weekly issues covered.
const ISSUES: i64 = 13;

const FIRST_NAMES: [&str; 16] = [
    "anna", "ben", "chloe", "david", "elif", "farid", "greta", "hugo", "ines", "jonas", "kim",
    "lena", "marco", "nadia", "oscar", "priya",
];

/// What the demo put in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Reports written and ingested.
    pub messages: usize,
    /// Subscribers on the demo list.
    pub subscribers: usize,
}

/// One generated report before it is classified.
struct Draft {
    template: &'static Template,
    recipient: String,
    at: i64,
    issue: i64,
}

/// Builds the demo store at `path` (a new file), dated so that the last issue's reports fall
/// in the week of `now` (Unix seconds), before it.
pub fn build(path: &Path, now: i64) -> Result<DemoSummary, StoreError> {
    let mut rng = fastrand::Rng::with_seed(0xB0_0CE);
    let subscribers = subscriber_addresses(&mut rng);
    let drafts = drafts(&mut rng, &subscribers, now);

    let mut store = Store::open(path)?;
    let list = lists::read_list(subscriber_csv(&subscribers).as_bytes())
        .map_err(|error| StoreError::Damaged(format!("demo list: {error}")))?;
    store.save_list("Weekly Notes (demo)", "demo", &list)?;
    store.change_rule(&RuleChange::Add(earlier_rule()))?;

    let classifier = store.classifier()?;
    let mut batch = Vec::with_capacity(BATCH);
    for (number, draft) in drafts.iter().enumerate() {
        let raw = fill(draft, number);
        let source = Source::File {
            path: format!("demo/{number:04}-{}.eml", draft.template.name),
        };
        batch.push(Prepared::new(source, raw.as_bytes(), &classifier)?);
        if batch.len() == BATCH {
            store.commit(&batch)?;
            batch.clear();
        }
    }
    store.commit(&batch)?;
    Ok(DemoSummary {
        messages: drafts.len(),
        subscribers: subscribers.len(),
    })
}

/// The rule the demo's operator made from the review queue some weeks ago, for the wording
/// of [`GATEWAY_RETIRED`] (no built-in table knows a gateway's own words).
fn earlier_rule() -> OwnRule {
    OwnRule {
        id: 0,
        phrase: "mailbox retired by acmeguard".to_string(),
        status: None,
        reporting_mta: None,
        class: Class::Hard,
        reason: Reason::UserUnknown,
        note: "Acme's gateway: the person left the company (decided in the review queue)"
            .to_string(),
    }
}

/// Addresses spread over [`DOMAINS`] by their weights.
fn subscriber_addresses(rng: &mut fastrand::Rng) -> Vec<String> {
    let total: u32 = DOMAINS.iter().map(|(_, weight)| weight).sum();
    (0..SUBSCRIBERS)
        .map(|n| {
            let mut pick = rng.u32(0..total);
            let domain = DOMAINS
                .iter()
                .find(|(_, weight)| {
                    let here = pick < *weight;
                    pick = pick.saturating_sub(*weight);
                    here
                })
                .map_or("gmail.com", |(domain, _)| domain);
            let first = FIRST_NAMES[n % FIRST_NAMES.len()];
            format!("{first}.{n}@{domain}")
        })
        .collect()
}

/// The list as a Mailchimp audience export would write it.
fn subscriber_csv(subscribers: &[String]) -> String {
    let mut csv = String::from("Email Address,First Name,MEMBER_RATING\n");
    for (n, address) in subscribers.iter().enumerate() {
        let first = address.split('.').next().unwrap_or_default();
        csv.push_str(&format!("{address},{first},{}\n", 1 + n % 5));
    }
    csv
}

/// The reports of every issue, oldest first.
fn drafts(rng: &mut fastrand::Rng, subscribers: &[String], now: i64) -> Vec<Draft> {
    // The last issue went out two days ago, but never before this Monday, so that "this
    // week" always has it; its reports arrive between the send and now.
    let monday = monday_of(now.div_euclid(DAY)) * DAY;
    let last_send = (now - 2 * DAY).max(monday).min(now - 600);
    let spread = (now - last_send).clamp(600, 30 * 3_600);
    // Addresses whose mailbox stays full: they soft-bounce every week until suppressed.
    let full_mailboxes: Vec<&String> = subscribers.iter().skip(7).step_by(211).collect();
    let mut drafts = Vec::new();
    for week in 0..ISSUES {
        let issue = 120 + week;
        let sent = last_send - (ISSUES - 1 - week) * 7 * DAY;
        let mut add = |template: &'static Template, recipient: &str, rng: &mut fastrand::Rng| {
            drafts.push(Draft {
                template,
                recipient: recipient.to_string(),
                at: sent + rng.i64(60..spread),
                issue,
            });
        };
        for recipient in &full_mailboxes {
            add(&MAILBOX_FULL, recipient, rng);
        }
        for _ in 0..rng.usize(20..30) {
            let recipient = &subscribers[rng.usize(..subscribers.len())];
            let domain = domain_of(recipient);
            let domain = domain.as_str();
            let template = match rng.u32(0..100) {
                _ if domain == "old-startup.example" => &HOST_UNKNOWN,
                0..45 => &USER_UNKNOWN,
                45..57 => &MAILBOX_FULL,
                57..67 => &DELAYED,
                67..72 if matches!(domain, "outlook.com" | "hotmail.com") => &TOO_MANY_CONNECTIONS,
                67..77 => &VACATION,
                77..84 => &COMPLAINT,
                84..88 => &UNCLEAR_NOTICE,
                _ => &USER_UNKNOWN,
            };
            add(template, recipient, rng);
        }
        // The last three issues: a company's mail gateway answers in words of its own, the
        // same for every address there — a group worth one decision in the review queue.
        if week >= ISSUES - 3 {
            for recipient in pick_at(rng, subscribers, &["acme-corp.example"], 6) {
                add(&GATEWAY_PARKED, &recipient, rng);
            }
        }
        // Weeks before, the same gateway said it in other words; a rule decides those now.
        if (3..7).contains(&week) {
            for recipient in pick_at(rng, subscribers, &["acme-corp.example"], 3) {
                add(&GATEWAY_RETIRED, &recipient, rng);
            }
        }
        // And once, a reply nobody else writes.
        if week == ISSUES - 1 {
            for recipient in pick_at(rng, subscribers, &["proton.me"], 1) {
                add(&ODD_NOTICE, &recipient, rng);
            }
        }
        // The last two issues: Yahoo starts refusing over DMARC, Microsoft block-lists the IP.
        if week >= ISSUES - 2 {
            let spike = if week == ISSUES - 1 { 32 } else { 6 };
            for recipient in pick_at(rng, subscribers, &["yahoo.com"], spike) {
                add(&DMARC_REJECTED, &recipient, rng);
            }
            let microsoft = ["outlook.com", "hotmail.com"];
            for recipient in pick_at(rng, subscribers, &microsoft, spike / 2) {
                add(&BLOCKLISTED, &recipient, rng);
            }
        }
    }
    drafts.retain(|draft| draft.at < now);
    drafts.sort_by_key(|draft| draft.at);
    drafts
}

/// `count` subscribers at the given domains.
fn pick_at(
    rng: &mut fastrand::Rng,
    subscribers: &[String],
    domains: &[&str],
    count: usize,
) -> Vec<String> {
    let at: Vec<&String> = subscribers
        .iter()
        .filter(|address| domains.contains(&domain_of(address).as_str()))
        .collect();
    (0..count)
        .filter_map(|_| at.get(rng.usize(..at.len().max(1))).map(|a| a.to_string()))
        .collect()
}

/// The report's text with every placeholder filled.
fn fill(draft: &Draft, number: usize) -> String {
    let date = jiff::Timestamp::from_second(draft.at)
        .map(|at| at.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_default();
    draft
        .template
        .text
        .replace("{rcpt}", &draft.recipient)
        .replace("{domain}", &domain_of(&draft.recipient))
        .replace("{date}", &date)
        .replace("{id}", &number.to_string())
        .replace("{issue}", &draft.issue.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::stats::Period;

    #[test]
    fn demo_store_holds_every_class_and_the_spike() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("demo.sqlite");
        let now = crate::store::now();
        let built = build(&path, now)?;
        assert!((300..700).contains(&built.messages), "{built:?}");
        let store = Store::open(&path)?;
        let summary = store.summary(Period::ALL)?;
        let classes = crate::classify::Class::ALL;
        for class in classes.iter().map(|class| class.as_str()) {
            if class == "not_bounce" {
                continue;
            }
            assert!(
                summary.by_class.get(class).copied().unwrap_or(0) > 0,
                "no {class} in {:?}",
                summary.by_class
            );
        }
        let today = now / DAY;
        let week = store.summary(Period::last_days(today, 7))?;
        assert!(
            week.sender_alerts
                .iter()
                .any(|alert| alert.top_code == "5.7.9"),
            "{:?}",
            week.sender_alerts
        );
        assert!(
            week.list
                .is_some_and(|list| list.members == SUBSCRIBERS as i64)
        );
        // The demo's rule is what decides the gateway's older wording; the tables cannot.
        let retired = fill(
            &Draft {
                template: &GATEWAY_RETIRED,
                recipient: "anna.1@acme-corp.example".to_string(),
                at: now,
                issue: 1,
            },
            1,
        );
        let by_tables = crate::classify::Classifier::default().classify(retired.as_bytes());
        let by_store = store.classifier()?.classify(retired.as_bytes());
        assert_eq!(by_tables.bounces[0].class, Class::Unknown);
        assert_eq!(by_store.bounces[0].class, Class::Hard);
        assert_eq!(store.rules()?.len(), 1);
        Ok(())
    }
}
