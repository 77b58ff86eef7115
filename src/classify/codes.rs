//! SMTP reply codes (`550`) and enhanced status codes (`5.1.1`, RFC 3463/5248) found in report
//! fields or in the free text servers write.
//!
//! Codes are the most reliable signal a bounce carries, but servers bury them in prose, next to
//! IP addresses and version numbers that look alike; this module is the one place that knows
//! how to tell them apart.

use regex::Regex;
use std::sync::LazyLock;

/// An enhanced status code `class.subject.detail`, kept as numbers so that comparisons do not
/// depend on how a server padded or spelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCode {
    /// 2 (success), 4 (persistent transient) or 5 (permanent).
    pub class: u8,
    /// The subject (1 = address, 2 = mailbox, 3 = mail system, 4 = network, 5 = protocol,
    /// 6 = content, 7 = security or policy).
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl StatusCode {
    /// Reads `X.Y.Z` at the start of `text` (as in a `Status:` field), ignoring what follows.
    pub fn parse(text: &str) -> Option<StatusCode> {
        let token = text
            .trim()
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()?;
        let mut numbers = token.trim_end_matches('.').split('.');
        let class = numbers.next()?.parse::<u8>().ok()?;
        let subject = numbers.next()?.parse::<u16>().ok()?;
        let detail = numbers.next()?.parse::<u16>().ok()?;
        if numbers.next().is_some() || !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999
        {
            return None;
        }
        Some(StatusCode {
            class,
            subject,
            detail,
        })
    }

    /// Finds the first enhanced status code written anywhere in free text, skipping IP
    /// addresses and dotted version numbers.
    pub fn find_in(text: &str) -> Option<StatusCode> {
        StatusCode::find_all(text).next()
    }

    /// Every enhanced status code written in free text, in order; the last one is usually the
    /// remote server's own answer when a relay quotes it inside its message.
    pub fn find_all(text: &str) -> impl Iterator<Item = StatusCode> + '_ {
        static PATTERN: LazyLock<Option<Regex>> =
            LazyLock::new(|| Regex::new(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}").ok());
        let bytes = text.as_bytes();
        // A code stands alone: no digit or dot just before it, and after it no digit, and no
        // dot that a digit follows (that would be an IP address or a version number).
        let stands_alone = move |start: usize, end: usize| {
            let before = start.checked_sub(1).and_then(|i| bytes.get(i));
            let after = bytes.get(end);
            let after_next = bytes.get(end + 1);
            let glued_before = before.is_some_and(|b| b.is_ascii_digit() || *b == b'.');
            let glued_after = after.is_some_and(u8::is_ascii_digit)
                || (after == Some(&b'.') && after_next.is_some_and(u8::is_ascii_digit));
            !(glued_before || glued_after)
        };
        PATTERN
            .as_ref()
            .into_iter()
            .flat_map(move |pattern| pattern.find_iter(text))
            .filter(move |found| stands_alone(found.start(), found.end()))
            .filter_map(|found| StatusCode::parse(found.as_str()))
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// Finds the SMTP reply code a server wrote at the start of its answer (`550 5.1.1 …`,
/// `said: 550-…`, `smtp; 554 …`), preferring one that stands right before an enhanced code.
pub fn find_reply_code(text: &str) -> Option<u16> {
    static PATTERN: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?:^|[\s:;(\[<=#])([245][0-5][0-9])(?:[ \-]|\]|\)|$)").ok());
    let pattern = PATTERN.as_ref()?;
    let codes = pattern
        .captures_iter(text)
        .filter_map(|caps| caps.get(1))
        .map(|m| (m.as_str(), &text[m.end()..]));
    let mut first = None;
    for (code, rest) in codes {
        let Some(value) = code
            .parse::<u16>()
            .ok()
            .filter(|value| is_reply_code(*value))
        else {
            continue;
        };
        let followed_by_status = StatusCode::parse(rest.trim_start_matches([' ', '-'])).is_some();
        if followed_by_status {
            return Some(value);
        }
        first.get_or_insert(value);
    }
    first
}

/// Reply codes that SMTP (RFC 5321 and its extensions) defines; other three-digit numbers in
/// a diagnostic are ids, sizes or counters.
fn is_reply_code(code: u16) -> bool {
    matches!(
        code,
        211 | 214 | 220 | 221 | 235 | 250 | 251 | 252 | 253
            | 421 | 422 | 430 | 431 | 432 | 441 | 442 | 446 | 447 | 449 | 450 | 451 | 452 | 453
            | 454 | 455 | 458 | 459 | 471
            | 500..=505 | 510..=513 | 515 | 517 | 521 | 523 | 524 | 525 | 530 | 533 | 534 | 535
            | 538 | 540 | 541 | 550..=557 | 570 | 571
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Option<String> {
        StatusCode::find_in(text).map(|c| c.to_string())
    }

    #[test]
    fn enhanced_codes_in_prose() {
        assert_eq!(code("550 5.1.1 <a@b>: user unknown"), Some("5.1.1".into()));
        assert_eq!(
            code("Remote said: 550-5.7.26 unauthenticated"),
            Some("5.7.26".into())
        );
        assert_eq!(code("#5.1.1 SMTP; 550 not found"), Some("5.1.1".into()));
        assert_eq!(code("error (5.2.2)."), Some("5.2.2".into()));
        assert_eq!(code("ends with code 4.4.7."), Some("4.4.7".into()));
    }

    #[test]
    fn ip_addresses_and_versions_are_not_codes() {
        assert_eq!(code("connect to 5.1.1.9 port 25 refused"), None);
        assert_eq!(code("host 192.0.2.5 said no"), None);
        assert_eq!(code("value 15.1.1"), None);
        assert_eq!(code("5.1.1.2 then 4.2.2"), Some("4.2.2".into()));
        let all: Vec<String> = StatusCode::find_all("5.0.0 5.1.1")
            .map(|c| c.to_string())
            .collect();
        assert_eq!(all, vec!["5.0.0", "5.1.1"]);
    }

    #[test]
    fn status_field_with_comment() {
        assert_eq!(
            StatusCode::parse("5.0.0 (permanent failure)").map(|c| c.to_string()),
            Some("5.0.0".into())
        );
        assert_eq!(StatusCode::parse("9.1.1"), None);
        assert_eq!(StatusCode::parse(""), None);
    }

    #[test]
    fn reply_code_prefers_the_one_before_a_status() {
        assert_eq!(find_reply_code("smtp; 550 5.1.1 no such user"), Some(550));
        assert_eq!(
            find_reply_code("said: 452-4.2.2 The email account"),
            Some(452)
        );
        assert_eq!(
            find_reply_code("port 250 then host said: 554 5.7.1 denied"),
            Some(554)
        );
        assert_eq!(find_reply_code("Mailbox unavailable"), None);
        assert_eq!(find_reply_code("542 a@b Rejected; id 225 ok"), None);
    }
}
