//! How numbers and times are written for people, the same in the window, on the command line
//! and in export previews: counts with thousands separators, times in UTC to the minute.

/// A time as `2026-11-23 14:05` (UTC); empty for a time no calendar has.
pub fn minute(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|at| at.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A count with thousands separators: `1,234,567`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
