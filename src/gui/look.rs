//! How the window shows things: one colour and one name per class, dates and numbers in words.
//! Every view takes them from here, so a class looks the same in a chart, a table and a card.

use crate::store::stats::DAY;
use egui::Color32;

/// The classes the charts and filters show, in order (not-a-bounce is left out).
pub const CLASSES: [&str; 6] = [
    "hard",
    "soft",
    "sender",
    "complaint",
    "auto_reply",
    "unknown",
];

/// The class's name for people.
pub fn class_label(class: &str) -> &str {
    match class {
        "hard" => "Hard",
        "soft" => "Soft",
        "sender" => "Sender-side",
        "complaint" => "Complaint",
        "auto_reply" => "Auto-reply",
        "unknown" => "Unknown",
        "not_bounce" => "Not a bounce",
        other => other,
    }
}

/// The name of a recipient's state for people.
pub fn state_name(state: crate::policy::State) -> &'static str {
    use crate::policy::State;
    match state {
        State::Active => "Active",
        State::SoftBouncing => "Soft-bouncing",
        State::Suppressed => "Suppressed",
        State::Kept => "Kept by hand",
    }
}

/// What each class means for the operator, for tooltips.
pub fn class_meaning(class: &str) -> &'static str {
    match class {
        "hard" => "The address is dead; it is suppressed at once.",
        "soft" => "A temporary failure; suppressed only after repeated failures.",
        "sender" => "The receiving server refused you (reputation, authentication): fix your side.",
        "complaint" => "The recipient marked you as spam; suppressed.",
        "auto_reply" => "An out-of-office or similar reply; ignored.",
        "unknown" => "Could not be decided; label it in the table.",
        _ => "",
    }
}

/// The class's colour, readable on light and dark backgrounds.
pub fn class_color(class: &str) -> Color32 {
    match class {
        "hard" => Color32::from_rgb(0xD6, 0x45, 0x45),
        "soft" => Color32::from_rgb(0xE8, 0x9B, 0x2E),
        "sender" => Color32::from_rgb(0x8E, 0x5C, 0xD9),
        "complaint" => Color32::from_rgb(0xD9, 0x4F, 0xA6),
        "auto_reply" => Color32::from_rgb(0x4A, 0x90, 0xC8),
        _ => Color32::from_rgb(0x8A, 0x8A, 0x8A),
    }
}

/// Colour for warnings (the 2 % line, sender alerts).
pub const WARNING: Color32 = Color32::from_rgb(0xD6, 0x45, 0x45);

/// Colour for plain counts (domains, codes).
pub const NEUTRAL: Color32 = Color32::from_rgb(0x50, 0x82, 0xC8);

/// Colour for what is fine (a bounce rate under the line, reasons).
pub const CALM: Color32 = Color32::from_rgb(0x3C, 0x96, 0x5A);

/// A day number as `Mon 23 Nov` (empty for a day no calendar has).
pub fn day_label(day: i64) -> String {
    day.checked_mul(DAY)
        .and_then(|second| jiff::Timestamp::from_second(second).ok())
        .map(|at| at.strftime("%a %d %b").to_string())
        .unwrap_or_default()
}

/// A day number as `2026-11-23` (empty for a day no calendar has).
pub fn day_iso(day: i64) -> String {
    day.checked_mul(DAY)
        .and_then(|second| jiff::Timestamp::from_second(second).ok())
        .map(|at| at.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A time as `2026-11-23 14:05` (UTC).
pub fn time_label(at: i64) -> String {
    crate::human::minute(at)
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: i64) -> String {
    crate::human::count(n)
}

/// A count and a noun, the noun in the plural unless the count is one: `1 bounce`,
/// `1,200 bounces`.
pub fn plural(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n))
    }
}

/// The change from `before` to `now`: `+12`, `-3`, `same`.
pub fn change(now: i64, before: i64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", count(now - before)),
        std::cmp::Ordering::Less => format!("-{}", count(before - now)),
        std::cmp::Ordering::Equal => "same".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1_000), "-1,000");
        assert_eq!(count(12), "12");
        assert_eq!(plural(1, "bounce"), "1 bounce");
        assert_eq!(plural(1_200, "bounce"), "1,200 bounces");
        assert_eq!(change(10, 4), "+6");
        assert_eq!(change(4, 10), "-6");
        assert_eq!(day_iso(20_416), "2025-11-24");
        assert_eq!(day_label(20_416), "Mon 24 Nov");
        assert_eq!(day_label(i64::MAX), "");
    }
}
