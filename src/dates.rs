//! How times are written for people, the same in the window and on the command line: UTC,
//! to the minute (`2026-11-23 14:05`) or the day (`2026-11-23`).

/// A time as `2026-11-23 14:05` (UTC); empty for a time no calendar has.
pub fn minute(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|at| at.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
