//! The periods the operator chooses between, and the period each is compared with.

use crate::store::stats::{Period, monday_of};

/// A period as the operator picks it; resolved against today when asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Range {
    /// Monday to today, compared with the same days of last week.
    #[default]
    ThisWeek,
    /// The last 30 days, compared with the 30 before.
    Last30Days,
    /// The last 90 days, compared with the 90 before.
    Last90Days,
    /// Everything stored.
    All,
}

impl Range {
    /// Every choice, in the order the selector shows them.
    pub const ALL: [Range; 4] = [
        Range::ThisWeek,
        Range::Last30Days,
        Range::Last90Days,
        Range::All,
    ];

    /// The choice in words.
    pub fn label(self) -> &'static str {
        match self {
            Range::ThisWeek => "This week",
            Range::Last30Days => "Last 30 days",
            Range::Last90Days => "Last 90 days",
            Range::All => "All time",
        }
    }

    /// What the comparison is with, in words.
    pub fn compared_with(self) -> &'static str {
        match self {
            Range::ThisWeek => "vs the same days last week",
            Range::Last30Days => "vs the 30 days before",
            Range::Last90Days => "vs the 90 days before",
            Range::All => "",
        }
    }

    /// The days covered, given today's day number.
    pub fn period(self, today: i64) -> Period {
        match self {
            Range::ThisWeek => Period {
                from_day: Some(monday_of(today)),
                to_day: Some(today),
            },
            Range::Last30Days => Period::last_days(today, 30),
            Range::Last90Days => Period::last_days(today, 90),
            Range::All => Period::ALL,
        }
    }

    /// The period of the same length just before (none for all time).
    pub fn previous(self, today: i64) -> Option<Period> {
        let current = self.period(today);
        let (from, to) = (current.from_day?, current.to_day?);
        let length = to - from + 1;
        let shift = if self == Range::ThisWeek { 7 } else { length };
        Some(Period {
            from_day: Some(from - shift),
            to_day: Some(to - shift),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let wednesday = 20_418; // 2025-11-26
        assert_eq!(monday_of(wednesday), 20_416);
        assert_eq!(monday_of(20_416), 20_416);
        assert_eq!(
            monday_of(20_415),
            20_409,
            "a Sunday belongs to the week before"
        );
        let week = Range::ThisWeek;
        assert_eq!(week.period(wednesday).from_day, Some(20_416));
        assert_eq!(
            week.previous(wednesday),
            Some(Period {
                from_day: Some(20_409),
                to_day: Some(20_411)
            })
        );
        assert_eq!(
            Range::Last30Days.previous(wednesday).and_then(|p| p.to_day),
            Some(wednesday - 30)
        );
        assert_eq!(Range::All.previous(wednesday), None);
    }
}
