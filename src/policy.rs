//! Who is suppressed, and why: a recipient's state from its bounce history.
//!
//! A pure function of the history, so that mail read out of order, a re-classification or a
//! label given by hand all give the same answer, and so that every verdict carries a reason the
//! operator can read. The rules (DESIGN.md): one hard bounce or one complaint suppresses; soft
//! bounces suppress only when enough of them in a row span enough time; a delivery or a "keep"
//! by hand resets; a bounce caused by the sender never counts against the address; a delay
//! never counts; an unknown verdict counts for nothing until a person labels it.

use crate::classify::{Action, Class, Kind};
use serde::Serialize;

/// The policy's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Soft bounces in a row that suppress (default 3).
    pub soft_bounces: u32,
    /// Hours the soft bounces must span at least (default 72), so that one bad day of a
    /// provider does not remove anyone.
    pub soft_span_hours: u32,
    /// Days without a soft bounce after which a run starts over (default 30): a full mailbox
    /// in January and another in June are not "in a row".
    pub soft_reset_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            soft_bounces: 3,
            soft_span_hours: 72,
            soft_reset_days: 30,
        }
    }
}

/// A decision given by hand: keep the address whatever it bounces, or suppress it whatever
/// the policy says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keep {
    /// The operator's note.
    pub note: String,
    /// When it was given: for a keep, history before it no longer counts.
    pub kept_at: i64,
    /// True when the operator released it: the policy applies again (after a keep, to what
    /// came after it; after a suppression, to the whole history).
    pub released: bool,
    /// True for a suppression by hand, false for a keep.
    pub suppress: bool,
}

/// One stored result for the recipient, as the policy needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Store id of the bounce, to name the one that decided.
    pub bounce_id: i64,
    /// When it happened (Unix seconds).
    pub at: i64,
    /// What the message was.
    pub kind: Kind,
    /// What the server did.
    pub action: Action,
    /// The verdict in force (a label given by hand already applied).
    pub class: Class,
    /// The reason, for the explanation.
    pub reason: String,
    /// The status code, for the explanation.
    pub status: Option<String>,
}

/// A recipient's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Nothing against the address.
    Active,
    /// Soft bounces in a row, not yet enough to suppress.
    SoftBouncing,
    /// Removed from the list.
    Suppressed,
    /// Kept by hand whatever bounces.
    Kept,
}

impl State {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::SoftBouncing => "soft_bouncing",
            State::Suppressed => "suppressed",
            State::Kept => "kept",
        }
    }

    /// Reads a stored word.
    pub fn from_name(name: &str) -> Option<State> {
        match name {
            "active" => Some(State::Active),
            "soft_bouncing" => Some(State::SoftBouncing),
            "suppressed" => Some(State::Suppressed),
            "kept" => Some(State::Kept),
            _ => None,
        }
    }
}

/// The policy's verdict for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The state.
    pub state: State,
    /// Why, in words.
    pub reason: String,
    /// Since when (Unix seconds; 0 when the recipient never bounced).
    pub since: i64,
    /// Soft bounces in the current run.
    pub soft_count: u32,
    /// The bounce that decided, if one did.
    pub cause: Option<i64>,
}

/// Computes the state from the recipient's history (any order) and the operator's "keep".
pub fn evaluate(history: &[Event], keep: Option<&Keep>, thresholds: &Thresholds) -> Verdict {
    let reset_at = keep
        .filter(|keep| !keep.suppress)
        .map_or(i64::MIN, |keep| keep.kept_at);
    let mut events: Vec<&Event> = history
        .iter()
        .filter(|event| event.at >= reset_at)
        .collect();
    events.sort_by_key(|event| (event.at, event.bounce_id));
    let mut verdict = Verdict {
        state: State::Active,
        reason: "no bounce counts against it".to_string(),
        since: 0,
        soft_count: 0,
        cause: None,
    };
    let mut soft_run: Vec<&Event> = Vec::new();
    for event in events {
        // A delivery report proves the address works. (Complaints and auto-replies also
        // follow a delivered mail, but they are verdicts of their own.)
        if event.action == Action::Delivered && event.class == Class::NotBounce {
            soft_run.clear();
            verdict = Verdict {
                state: State::Active,
                reason: format!("delivered on {}", date(event.at)),
                since: event.at,
                soft_count: 0,
                cause: Some(event.bounce_id),
            };
            continue;
        }
        if event.action == Action::Delayed || verdict.state == State::Suppressed {
            continue;
        }
        match event.class {
            Class::Hard => {
                verdict = suppressed(event, format!("hard bounce: {}", describe(event)));
            }
            Class::Complaint => {
                verdict = suppressed(event, "complaint (marked as spam)".to_string());
            }
            Class::Soft => {
                let reset_gap = i64::from(thresholds.soft_reset_days).saturating_mul(86_400);
                if soft_run
                    .last()
                    .is_some_and(|last| event.at.saturating_sub(last.at) > reset_gap)
                {
                    soft_run.clear();
                }
                soft_run.push(event);
                let first = soft_run.first().map_or(event.at, |first| first.at);
                let span_hours = event.at.saturating_sub(first) / 3600;
                let count = soft_run.len() as u32;
                verdict = if count >= thresholds.soft_bounces
                    && span_hours >= i64::from(thresholds.soft_span_hours)
                {
                    suppressed(
                        event,
                        format!(
                            "{count} soft bounces in a row over {span_hours} hours, last: {}",
                            describe(event)
                        ),
                    )
                } else {
                    Verdict {
                        state: State::SoftBouncing,
                        reason: format!(
                            "{count} soft bounce(s) in a row since {}, last: {}",
                            date(first),
                            describe(event)
                        ),
                        since: first,
                        soft_count: count,
                        cause: Some(event.bounce_id),
                    }
                };
            }
            // The sender's problem, an automatic reply, no failure, or not yet decided by a
            // person: nothing against the address.
            Class::Sender | Class::AutoReply | Class::NotBounce | Class::Unknown => {}
        }
    }
    match keep {
        Some(keep) if !keep.released => {
            let note = if keep.note.is_empty() {
                String::new()
            } else {
                format!(": {}", keep.note)
            };
            if keep.suppress {
                verdict = Verdict {
                    state: State::Suppressed,
                    reason: format!("suppressed by hand{note} on {}", date(keep.kept_at)),
                    since: keep.kept_at,
                    soft_count: 0,
                    cause: None,
                };
            } else {
                verdict.reason = format!(
                    "kept by hand{note} on {} (since then: {})",
                    date(keep.kept_at),
                    verdict.reason
                );
                verdict.state = State::Kept;
                verdict.since = keep.kept_at;
            }
        }
        _ => {}
    }
    verdict
}

fn suppressed(event: &Event, reason: String) -> Verdict {
    Verdict {
        state: State::Suppressed,
        reason,
        since: event.at,
        soft_count: 0,
        cause: Some(event.bounce_id),
    }
}

fn describe(event: &Event) -> String {
    match &event.status {
        Some(status) => format!("{} {status} on {}", event.reason, date(event.at)),
        None => format!("{} on {}", event.reason, date(event.at)),
    }
}

/// A date for explanations (UTC, day precision).
pub fn date(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;
    const T0: i64 = 1_790_000_000;

    fn event(id: i64, hours: i64, class: Class, action: Action) -> Event {
        Event {
            bounce_id: id,
            at: T0 + hours * HOUR,
            kind: Kind::Bounce,
            action,
            class,
            reason: "mailboxfull".to_string(),
            status: Some("4.2.2".to_string()),
        }
    }

    fn failed(id: i64, hours: i64, class: Class) -> Event {
        event(id, hours, class, Action::Failed)
    }

    fn delivered(id: i64, hours: i64) -> Event {
        Event {
            kind: Kind::Delivered,
            ..event(id, hours, Class::NotBounce, Action::Delivered)
        }
    }

    /// The policy table of DESIGN.md and issue 3, one row per rule.
    #[test]
    fn the_policy_table() {
        use Class::*;
        let suppressed_by_hand = Keep {
            note: "asked to be removed".to_string(),
            kept_at: T0,
            released: false,
            suppress: true,
        };
        let kept = Keep {
            note: "the CEO".to_string(),
            kept_at: T0 + 5 * HOUR,
            released: false,
            suppress: false,
        };
        let released = Keep {
            released: true,
            ..kept.clone()
        };
        let suppression_released = Keep {
            released: true,
            ..suppressed_by_hand.clone()
        };
        let cases: Vec<(&str, Vec<Event>, Option<&Keep>, State)> = vec![
            ("no history", vec![], None, State::Active),
            (
                "suppressed by hand whatever the history",
                vec![failed(1, 0, Sender)],
                Some(&suppressed_by_hand),
                State::Suppressed,
            ),
            (
                "a released suppression hands the whole history back to the policy",
                vec![failed(1, -5, Hard)],
                Some(&suppression_released),
                State::Suppressed,
            ),
            (
                "a released suppression of a clean address leaves it active",
                vec![failed(1, 0, Sender)],
                Some(&suppression_released),
                State::Active,
            ),
            (
                "one hard bounce suppresses",
                vec![failed(1, 0, Hard)],
                None,
                State::Suppressed,
            ),
            (
                "one complaint suppresses",
                vec![failed(1, 0, Complaint)],
                None,
                State::Suppressed,
            ),
            (
                "sender-side bounces never suppress",
                (0..20).map(|i| failed(i, i * 24, Sender)).collect(),
                None,
                State::Active,
            ),
            (
                "three soft bounces inside 72 h do not suppress yet",
                vec![failed(1, 0, Soft), failed(2, 24, Soft), failed(3, 48, Soft)],
                None,
                State::SoftBouncing,
            ),
            (
                "three soft bounces over 72 h suppress",
                vec![failed(1, 0, Soft), failed(2, 40, Soft), failed(3, 72, Soft)],
                None,
                State::Suppressed,
            ),
            (
                "two soft bounces over a week do not suppress",
                vec![failed(1, 0, Soft), failed(2, 24 * 7, Soft)],
                None,
                State::SoftBouncing,
            ),
            (
                "a delivery resets the soft run",
                vec![
                    failed(1, 0, Soft),
                    failed(2, 40, Soft),
                    delivered(3, 50),
                    failed(4, 80, Soft),
                ],
                None,
                State::SoftBouncing,
            ),
            (
                "delays never count",
                (0..5)
                    .map(|i| event(i, i * 48, Hard, Action::Delayed))
                    .collect(),
                None,
                State::Active,
            ),
            (
                "unknown counts for nothing until labelled",
                vec![failed(1, 0, Unknown), failed(2, 100, Unknown)],
                None,
                State::Active,
            ),
            (
                "auto-replies are ignored",
                vec![failed(1, 0, AutoReply)],
                None,
                State::Active,
            ),
            (
                "a complaint (whose mail was delivered) suppresses",
                vec![Event {
                    kind: Kind::Feedback,
                    ..event(1, 0, Complaint, Action::Delivered)
                }],
                None,
                State::Suppressed,
            ),
            (
                "kept by hand beats a hard bounce, before or after the keep",
                vec![failed(1, 0, Hard), failed(2, 10, Hard)],
                Some(&kept),
                State::Kept,
            ),
            (
                "a released keep has reset the history before it",
                vec![failed(1, 0, Hard), failed(2, 10, Soft)],
                Some(&released),
                State::SoftBouncing,
            ),
            (
                "soft bounces months apart are not in a row",
                vec![
                    failed(1, 0, Soft),
                    failed(2, 24 * 60, Soft),
                    failed(3, 24 * 120, Soft),
                ],
                None,
                State::SoftBouncing,
            ),
            (
                "a delivered recipient in a mixed report resets",
                vec![
                    failed(1, 0, Soft),
                    failed(2, 40, Soft),
                    event(3, 50, NotBounce, Action::Delivered),
                    failed(4, 80, Soft),
                ],
                None,
                State::SoftBouncing,
            ),
            (
                "a delivery after a hard bounce makes the address active again",
                vec![failed(1, 0, Hard), delivered(2, 10)],
                None,
                State::Active,
            ),
            (
                "history in any order gives the same answer",
                vec![failed(3, 72, Soft), failed(1, 0, Soft), failed(2, 40, Soft)],
                None,
                State::Suppressed,
            ),
        ];
        for (name, history, kept, expected) in cases {
            let verdict = evaluate(&history, kept, &Thresholds::default());
            assert_eq!(verdict.state, expected, "{name}: {}", verdict.reason);
            assert!(
                !verdict.reason.is_empty(),
                "{name}: every state has a reason"
            );
        }
    }

    #[test]
    fn thresholds_are_settings() {
        let history = vec![failed(1, 0, Class::Soft), failed(2, 10, Class::Soft)];
        let strict = Thresholds {
            soft_bounces: 2,
            soft_span_hours: 8,
            soft_reset_days: 30,
        };
        assert_eq!(evaluate(&history, None, &strict).state, State::Suppressed);
        assert_eq!(
            evaluate(&history, None, &Thresholds::default()).state,
            State::SoftBouncing
        );
    }

    #[test]
    fn the_reason_names_the_deciding_bounce() {
        let verdict = evaluate(&[failed(7, 0, Class::Hard)], None, &Thresholds::default());
        assert_eq!(verdict.cause, Some(7));
        assert!(
            verdict
                .reason
                .starts_with("hard bounce: mailboxfull 4.2.2 on "),
            "{}",
            verdict.reason
        );
    }
}
