//! How the time chart groups days: by day, week, month or quarter, chosen by the span shown,
//! so that a week shows seven bars and sixteen years show sixty-odd instead of eight hundred
//! hair-thin ones; and how each bucket is named on the axis (with the year once the span
//! crosses one).

use crate::store::stats::monday_of;
use jiff::civil::Date;

/// One bar's width in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// A day.
    Day,
    /// A week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// A calendar quarter.
    Quarter,
}

impl Bucket {
    /// The bucket for a chart spanning `days` days: at most a few dozen bars.
    pub fn for_span(days: i64) -> Bucket {
        match days {
            ..=62 => Bucket::Day,
            63..=400 => Bucket::Week,
            401..=3_700 => Bucket::Month,
            _ => Bucket::Quarter,
        }
    }

    /// The first day of the bucket holding `day`.
    pub fn start(self, day: i64) -> i64 {
        match self {
            Bucket::Day => day,
            Bucket::Week => monday_of(day),
            Bucket::Month | Bucket::Quarter => {
                let Some(date) = date_of(day) else {
                    return day;
                };
                let month = match self {
                    Bucket::Quarter => (date.month() - 1) / 3 * 3 + 1,
                    _ => date.month(),
                };
                Date::new(date.year(), month, 1)
                    .ok()
                    .and_then(day_of)
                    .unwrap_or(day)
            }
        }
    }

    /// The first day of the bucket after the one starting at `start`.
    pub fn next(self, start: i64) -> i64 {
        let months = match self {
            Bucket::Day => return start + 1,
            Bucket::Week => return start + 7,
            Bucket::Month => 1,
            Bucket::Quarter => 3,
        };
        date_of(start)
            .and_then(|date| date.checked_add(jiff::Span::new().months(months)).ok())
            .and_then(day_of)
            .unwrap_or(start + 31 * i64::from(months))
    }

    /// The bucket starting at `start` named for the axis and hover text; `with_year` when the
    /// chart spans more than one year.
    pub fn label(self, start: i64, with_year: bool) -> String {
        let Some(date) = date_of(start) else {
            return String::new();
        };
        let format = match (self, with_year) {
            (Bucket::Day, false) => "%a %d %b",
            (Bucket::Day, true) => "%d %b %Y",
            (Bucket::Week, false) => "week of %d %b",
            (Bucket::Week, true) => "week of %d %b %Y",
            (Bucket::Month, _) => "%b %Y",
            (Bucket::Quarter, _) => {
                return format!("Q{} {}", (date.month() - 1) / 3 + 1, date.year());
            }
        };
        date.strftime(format).to_string()
    }

    /// The bucket starts from the one holding `first` to the one holding `last`.
    pub fn starts(self, first: i64, last: i64) -> Vec<i64> {
        let mut starts = Vec::new();
        let mut start = self.start(first);
        while start <= last && starts.len() < 10_000 {
            starts.push(start);
            start = self.next(start);
        }
        starts
    }
}

fn date_of(day: i64) -> Option<Date> {
    let second = day.checked_mul(crate::store::stats::DAY)?;
    let at = jiff::Timestamp::from_second(second).ok()?;
    Some(at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

fn day_of(date: Date) -> Option<i64> {
    let at = date
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    Some(at.as_second().div_euclid(crate::store::stats::DAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 24 November 2025.
    const MONDAY: i64 = 20_416;

    #[test]
    fn the_span_picks_the_bucket_and_buckets_tile_the_calendar() {
        assert_eq!(Bucket::for_span(7), Bucket::Day);
        assert_eq!(Bucket::for_span(365), Bucket::Week);
        assert_eq!(Bucket::for_span(5 * 365), Bucket::Month);
        assert_eq!(Bucket::for_span(16 * 365), Bucket::Quarter);
        assert_eq!(Bucket::Week.start(MONDAY + 3), MONDAY);
        let months = Bucket::Month.starts(MONDAY, MONDAY + 30);
        assert_eq!(months.len(), 2, "November and December");
        assert_eq!(Bucket::Month.label(months[1], false), "Dec 2025");
        assert_eq!(
            Bucket::Quarter.label(Bucket::Quarter.start(MONDAY), true),
            "Q4 2025"
        );
        assert_eq!(Bucket::Day.label(MONDAY, false), "Mon 24 Nov");
        assert_eq!(Bucket::Week.label(MONDAY, true), "week of 24 Nov 2025");
        let quarters = Bucket::Quarter.starts(MONDAY - 400, MONDAY);
        assert!(quarters.windows(2).all(|pair| pair[1] - pair[0] >= 89));
    }
}
