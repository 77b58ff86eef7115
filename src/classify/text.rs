//! Small text helpers shared by the readers: whitespace, addresses, HTML to text.
//!
//! Bounce text arrives folded, indented, quoted and sometimes as HTML; every reader needs the
//! same few clean-ups, so they live here once.

use regex::Regex;
use std::sync::LazyLock;

/// Joins every run of whitespace into one space and trims the ends, so that a phrase matches
/// whatever way a server folded its lines.
pub fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Takes the bare address out of `<a@b>`, `"a@b"`, `rfc822;a@b` leftovers and trailing
/// punctuation.
pub fn strip_address(value: &str) -> String {
    let value = value.trim();
    let inner = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    inner
        .trim()
        .trim_matches(|c: char| {
            matches!(
                c,
                '"' | '\'' | '<' | '>' | ',' | ';' | ':' | '.' | '(' | ')'
            )
        })
        .trim()
        .to_string()
}

/// An e-mail address as servers write them in prose: liberal in the local part (but no `/`
/// or `|`, which mark mailbox files and pipes), a domain with at least one dot (so message IDs
/// ending in a bare word are skipped) or an address literal.
pub const ADDRESS: &str = r"[A-Za-z0-9.!#$%&'*+=?^_`{}~-]+@(?:\[[0-9.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)";

fn address_pattern() -> Option<&'static Regex> {
    static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(ADDRESS).ok());
    PATTERN.as_ref()
}

/// Longest diagnostic kept per recipient, so one runaway notice cannot bloat the store.
pub const MAX_DIAGNOSTIC: usize = 2_000;

/// The longest prefix of `text` no longer than `max_bytes` that ends on a character boundary,
/// so long texts can be capped without splitting a character.
pub fn prefix(text: &str, max_bytes: usize) -> &str {
    &text[..text.floor_char_boundary(max_bytes.min(text.len()))]
}

/// Joins the lines of a multi-line SMTP reply for reading: a server that writes
/// `550-5.7.1 The message was blocked 550-5.7.1 because …` repeats its codes on every line,
/// which would cut each sentence in two. Every repeat of the reply's first `NNN-X.Y.Z ` (or
/// `NNN-`) after the first is removed, so that a phrase reads across the lines. The text is
/// returned unchanged when it holds no continuation.
pub fn join_reply_lines(text: &str) -> std::borrow::Cow<'_, str> {
    let Some((start, code)) = first_continuation(text) else {
        return text.into();
    };
    let after_code = &text[start + 4..];
    let status_len = after_code
        .split(' ')
        .next()
        .filter(|word| {
            super::codes::StatusCode::parse(word).is_some_and(|code| code.to_string() == *word)
        })
        .map_or(0, |word| word.len() + 1);
    let end = (start + 4 + status_len).min(text.len());
    let status = &text[start + 4..end];
    let (head, tail) = text.split_at(end);
    let mut joined = tail.to_string();
    for separator in ['-', ' '] {
        joined = joined.replace(&format!(" {code}{separator}{status}"), " ");
    }
    format!("{head}{joined}").into()
}

/// Where the first `NNN-` of a multi-line reply starts (a reply code, then a dash, at the
/// start of a word), and the code.
fn first_continuation(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'-', bytes).find_map(|dash| {
        let start = dash.checked_sub(3)?;
        let code = bytes.get(start..dash)?;
        let is_code =
            matches!(code.first(), Some(b'2' | b'4' | b'5')) && code.iter().all(u8::is_ascii_digit);
        let at_word_start = start == 0
            || bytes
                .get(start - 1)
                .is_some_and(|b| b.is_ascii_whitespace() || b":;'(<[".contains(b));
        (is_code && at_word_start).then(|| (start, &text[start..dash]))
    })
}

/// Every e-mail address written in `text`, with its byte position, in order.
pub fn addresses_in(text: &str) -> Vec<(usize, &str)> {
    let Some(pattern) = address_pattern() else {
        return Vec::new();
    };
    pattern
        .find_iter(text)
        .map(|m| (m.start(), m.as_str().trim_matches('.')))
        .filter(|(_, address)| address.contains('@') && !address.starts_with('@'))
        .collect()
}

/// Turns an HTML body into text a reader can scan: tags dropped, block ends become line
/// breaks, the few entities that matter decoded. Not a renderer: nothing remote is touched.
pub fn html_to_text(html: &str) -> String {
    static BREAKS: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"(?i)<\s*(?:br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li)\b[^>]*>").ok()
    });
    static HIDDEN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"(?is)<(style|script|head)\b.*?</(style|script|head)\s*>").ok()
    });
    static TAGS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").ok());
    let mut text = html.to_string();
    for (pattern, replacement) in [(&HIDDEN, " "), (&BREAKS, "\n"), (&TAGS, " ")] {
        if let Some(pattern) = pattern.as_ref() {
            text = pattern.replace_all(&text, replacement).into_owned();
        }
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_and_addresses() {
        assert_eq!(collapse_whitespace("  a\r\n\t b  c "), "a b c");
        assert_eq!(strip_address(" <Ann@Example.com>, "), "Ann@Example.com");
        assert_eq!(strip_address("\"bob@x.org\""), "bob@x.org");
        let text = "to <a.b+c@mail.example.co.uk>: failed; see id 123@local and x@y.org.";
        let found: Vec<_> = addresses_in(text).into_iter().map(|(_, a)| a).collect();
        assert_eq!(found, vec!["a.b+c@mail.example.co.uk", "x@y.org"]);
    }

    #[test]
    fn multi_line_replies_read_as_one() {
        let reply = "550-5.7.1 [192.0.2.1] Our system has detected that this message is \
                     550-5.7.1 likely suspicious due to the very low reputation of the \
                     550-5.7.1 sending IP address. 550 5.7.1 Learn more";
        assert_eq!(
            join_reply_lines(reply),
            "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely \
             suspicious due to the very low reputation of the sending IP address. Learn more"
        );
        assert_eq!(
            join_reply_lines("550 5.1.1 user unknown"),
            "550 5.1.1 user unknown"
        );
        assert_eq!(
            join_reply_lines("said: 452-4.2.2 The account 452-4.2.2 is full"),
            "said: 452-4.2.2 The account is full"
        );
    }

    #[test]
    fn html_becomes_lines() {
        let html = "<html><head><style>p{}</style></head><p>Delivery to<br>a@b.org &amp; \
                    failed</p></html>";
        let text = html_to_text(html);
        assert!(text.contains("Delivery to\na@b.org & failed"), "{text:?}");
    }
}
