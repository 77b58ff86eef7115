//! Reads bounces that carry no machine-readable status: the plain-text notices of qmail,
//! Exim, Gmail, Yahoo, Exchange, Domino and the rest.
//!
//! One generic reader rather than a parser per vendor: cut the notice where the returned
//! original begins, find the lines that name a failed recipient, and give each recipient the
//! text that follows it. The patterns below are what these servers write (learnt from the
//! corpus and the vendors' documented formats); adding a server usually means adding a line.

use super::codes::{StatusCode, find_reply_code};
use super::text::{
    ADDRESS, MAX_DIAGNOSTIC, addresses_in, collapse_whitespace, prefix, strip_address,
};
use regex::{Regex, RegexSet};
use std::sync::LazyLock;

/// Most recipients read from one notice: a real report names a few; a text that seems to name
/// thousands is a list or a spam run, and reading it all would only slow the sync.
const MAX_RECIPIENTS: usize = 500;

/// Lines (trimmed, case-insensitive) where the returned original message begins.
const RETURNED_COPY_MARKERS: &[&str] = &[
    r"^-+ ?this is a copy of (the|your) message",
    r"^-+ ?below this line is a copy of the message",
    r"^-+ ?enclosed is a copy of the message",
    r"^-+ ?attachment is a copy of the message",
    r"^-+ ?original message follows",
    r"^-+ ?mensaje original adjunto",
    r"^-+ ?the header of the original message is following",
    r"^-+ ?original message -+$",
    r"^-+ ?original message headers? -*$",
    r"^-+ ?unsent message follows",
    r"^-+ ?returned mail follows",
    r"^\|?-+ ?message text follows",
    r"^-+ ?start of returned message",
    r"^-+ ?returned message -+$",
    r"^-+ ?original mail info",
    r"^-+ ?unsent message below",
    r"^-+ ?the header and top \d+ lines of the message follows",
    r"^message headers follow",
    r"^original message follows",
    r"^original message headers:?$",
    r"^original message as received is as follows",
    r"^included is a copy of the message header",
    r"^below is a copy of the original message",
    r"^here is a copy of the first part of the message",
    r"^a copy of the original message below this line",
    r"^a summary of the undelivered message you sent follows",
    r"^the first \d+ lines of your original message follow",
    r"^-+ ?the following text was generated during the delivery attempt",
    r"^content-type: message/rfc822",
    r"^the attachment contains the original mail headers",
    r"^\*+ +end of message +\*+",
];

/// Header names that, at the start of a line, mean an unannounced copy of the original began.
const HEADER_START: &str = r"(?i)^(received|return-path|dkim-signature|x-received|arc-seal|x-google-smtp-source|delivered-to|message-id|domainkey-signature|authentication-results|x-originating-ip)\s*:";

/// Markers after which a transcript follows; they end the notice only when headers come next.
const TRANSCRIPT_MARKERS: &str =
    r"(?i)^-+ ?transcript of session follows|^---+ ?session transcript ---";

/// Line patterns that name a failed recipient; `{A}` is the address, captured as group 1.
const RECIPIENT_LINES: &[&str] = &[
    // qmail, Postfix, Yahoo, GMX: "<a@b>:" or "<a@b> (expanded from …)"
    r"^\s{0,4}<({A})>\s*(:|\(|$|\s+\(|\s+delivery failed|\s{2,}\()",
    // Exim, Gmail, Notes, mail.ru: the address alone on its line
    r#"^\s*(?:[*>]+\s*)?["']?({A})["']?:?\s*(<mailto:[^>]*>)?\s*$"#,
    r"^\s*>>>\s+({A})\s+<",
    // Exchange 2003, GroupWise: "a@b on <date>"
    r"^\s*({A})\s+on\s+\S",
    r"dda:SMTP=({A});",
    // OpenSMTPD, SurfControl: "a@b: reason"; Zoho: "a@b Invalid Address"
    r"^({A}):\s+\S",
    r"^({A})\s+(Invalid Address|-\s)",
    r"(?i)^\s*(?:Final-Recipient|Original-Recipient|X-Actual-Recipient)\s*:\s*rfc822;\s*<?({A})>?",
    r"(?i)^\s*(?:Failed Recipient|Recipient(?: address)?|Intended recipient|Original address|Addressed To|Your message to|Unknown user|Invalid final delivery userid|Delivery failed \d+ attempts|User mailbox exceeds allowed size|User's mailbox is full|Did not reach the following recipient)\s*:?\s*\[?(?:SMTP:)?<?({A})>?\]?",
    r"(?i)RCPT TO:\s*<?({A})>?",
    r"^\d{3} <({A})>\.\.\.",
    r"Address:\s*<({A})>",
    r"(?i)rejected recipient <({A})>",
    r#"(?i)(?:error delivering your mail to|the following message to|unable to deliver message to:?|could not be delivered to:|your message (?:wasn't|was not) delivered to|delivering your message to|addressed to|unable to deliver your message to|the address to which your message was addressed,|your message to:?|delivery to the following recipient[^:]*:|not a member of this mailing list)\s*['"<]?({A})"#,
    r"^\S+:\d+:<({A})>\s*:",
    // Exim: "  local@host <a@b>: malformed address"
    r"^\s+\S+@\S+\s+<({A})>:\s+malformed address",
    // a reply line that ends by naming the mailbox: "552 Quota violation for a@b"
    r"^\s*[245][0-9][0-9]\s.*\bfor\s+<?({A})>?\s*$",
];

/// Lines about the sender or a contact, whose addresses are never the failed recipient.
const SENDER_CONTEXT: &str = r"(?i)(MAIL FROM:|envelope-from|Return-Path:|Reply-To:|^\s*From:|Sender:|please contact|send mail to|contact <|X-Postfix-Sender|^\s*from\s+\S+@|a message from <)";

/// A line ending like this introduces the sender or a contact on the next line, not a recipient.
const SENDER_INTRO: &str = r"(?i)(sent by|\bfrom|to the address|send mail to|contact)\s*:?\s*$";

/// "The following address(es) failed:" — the next line is a recipient even without a domain.
const LIST_INTRO: &str = r"(?i)(following address(es|\(es\))? failed|address(es)? failed:|not delivered to the following:)\s*$";

const TRANSCRIPT: usize = RETURNED_COPY_MARKERS.len();
const HEADER: usize = TRANSCRIPT + 1;

struct Patterns {
    /// Every line test of [`split`] in one automaton: the copy markers, then the transcript
    /// markers (index `TRANSCRIPT`), then the header start (index `HEADER`).
    line_kinds: RegexSet,
    header_start: Regex,
    recipients: Vec<Regex>,
    sender_context: Regex,
    sender_intro: Regex,
    list_intro: Regex,
    summary_to: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: LazyLock<Option<Patterns>> = LazyLock::new(|| {
        let line_kinds = RETURNED_COPY_MARKERS
            .iter()
            .map(|p| format!("(?i){p}"))
            .chain([TRANSCRIPT_MARKERS.to_string(), HEADER_START.to_string()]);
        Some(Patterns {
            line_kinds: RegexSet::new(line_kinds).ok()?,
            header_start: Regex::new(HEADER_START).ok()?,
            recipients: RECIPIENT_LINES
                .iter()
                .map(|p| Regex::new(&p.replace("{A}", ADDRESS)))
                .collect::<Result<_, _>>()
                .ok()?,
            sender_context: Regex::new(SENDER_CONTEXT).ok()?,
            sender_intro: Regex::new(SENDER_INTRO).ok()?,
            list_intro: Regex::new(LIST_INTRO).ok()?,
            summary_to: Regex::new(&format!(r"^\s*To:\s*.*?<?({ADDRESS})>?")).ok()?,
        })
    });
    PATTERNS.as_ref()
}

/// A notice split where the returned copy begins.
#[derive(Debug, Clone, Copy)]
pub struct SplitNotice<'t> {
    /// The server's explanation.
    pub notice: &'t str,
    /// The returned original (or its headers) inline after the marker, if any.
    pub returned_copy: Option<&'t str>,
}

/// Cuts `text` at the first line where the returned original message begins.
pub fn split(text: &str) -> SplitNotice<'_> {
    let Some(patterns) = patterns() else {
        return SplitNotice {
            notice: text,
            returned_copy: None,
        };
    };
    let mut offset = 0;
    let mut first = true;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        let start = offset;
        offset += line.len();
        if trimmed.is_empty() {
            continue;
        }
        let kinds = patterns.line_kinds.matches(trimmed);
        let cut_here = if kinds.matched(TRANSCRIPT) {
            let rest = &text[offset..];
            let next = rest.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            patterns.header_start.is_match(next.trim())
        } else {
            let unindented_header =
                kinds.matched(HEADER) && !first && !line.starts_with([' ', '\t']);
            unindented_header || kinds.iter().any(|kind| kind < TRANSCRIPT)
        };
        first = false;
        if cut_here {
            return SplitNotice {
                notice: &text[..start],
                returned_copy: Some(&text[offset..]),
            };
        }
    }
    SplitNotice {
        notice: text,
        returned_copy: None,
    }
}

/// One recipient found in a notice, with the text that explains its failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecipient {
    /// The address as written (angle brackets and quotes removed).
    pub address: String,
    /// The lines from the recipient's line to the next recipient's, whitespace collapsed.
    pub diagnostic: String,
}

/// Finds the failed recipients in a notice (already cut with [`split`]). `not_recipients`
/// are addresses that are never the failed one: the report's sender and addressee.
pub fn recipients(notice: &str, not_recipients: &[String]) -> Vec<NoticeRecipient> {
    let Some(patterns) = patterns() else {
        return Vec::new();
    };
    let lines: Vec<&str> = notice.lines().collect();
    let excluded = |address: &str| {
        let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
        local == "mailer-daemon"
            || not_recipients
                .iter()
                .any(|own| own.eq_ignore_ascii_case(address))
    };
    let mut found: Vec<(String, usize)> = Vec::new();
    let add = |address: String, line: usize, found: &mut Vec<(String, usize)>| {
        if !found.iter().any(|(a, _)| a.eq_ignore_ascii_case(&address)) {
            found.push((address, line));
        }
    };
    let mut previous = "";
    for (index, line) in lines.iter().enumerate() {
        let after_sender_intro = patterns.sender_intro.is_match(previous);
        if !line.trim().is_empty() {
            previous = line;
        }
        let about_sender = patterns.sender_context.is_match(line)
            && !line.to_ascii_uppercase().contains("RCPT TO");
        if about_sender || after_sender_intro {
            continue;
        }
        if !line.contains('@') {
            continue;
        }
        let captured = patterns
            .recipients
            .iter()
            .find_map(|pattern| pattern.captures(line).and_then(|caps| caps.get(1)));
        if let Some(address) = captured.map(|m| strip_address(m.as_str()))
            && !excluded(&address)
        {
            add(address, index, &mut found);
        }
    }
    if found.is_empty() {
        for (index, line) in lines.iter().enumerate() {
            if patterns.list_intro.is_match(line)
                && let Some((offset, next)) = lines
                    .iter()
                    .enumerate()
                    .skip(index + 1)
                    .take(3)
                    .find(|(_, l)| !l.trim().is_empty())
                && let Some(token) = next.split_whitespace().next()
            {
                add(strip_address(token), offset, &mut found);
            }
        }
    }
    if found.is_empty() {
        for (index, line) in lines.iter().enumerate() {
            if let Some(address) = patterns.summary_to.captures(line).and_then(|c| c.get(1)) {
                add(strip_address(address.as_str()), index, &mut found);
            }
        }
    }
    if found.is_empty() {
        for (index, line) in lines.iter().enumerate() {
            if patterns.sender_context.is_match(line) {
                continue;
            }
            for (_, address) in addresses_in(line) {
                let local = address.split('@').next().unwrap_or("").to_ascii_lowercase();
                if !excluded(address) && !matches!(local.as_str(), "abuse" | "postmaster") {
                    add(strip_address(address), index, &mut found);
                }
            }
        }
    }
    found.truncate(MAX_RECIPIENTS);
    attach_diagnostics(&lines, found)
}

fn attach_diagnostics(lines: &[&str], found: Vec<(String, usize)>) -> Vec<NoticeRecipient> {
    let mut starts: Vec<usize> = found.iter().map(|(_, line)| *line).collect();
    starts.sort_unstable();
    starts.dedup();
    let preamble = lines
        .get(..starts.first().copied().unwrap_or(0))
        .unwrap_or(&[])
        .join("\n");
    found
        .into_iter()
        .map(|(address, line)| {
            let end = starts
                .iter()
                .copied()
                .find(|start| *start > line)
                .unwrap_or(lines.len());
            let mut block = lines.get(line..end).unwrap_or(&[]).join("\n");
            let transcript = preamble.contains("<<< ");
            if transcript || (!has_code(&block) && has_code(&preamble)) {
                // Some servers state the error (or the SMTP transcript that holds it) before
                // they name the recipient.
                block = format!("{preamble}\n{block}");
            }
            let diagnostic = prefix(&collapse_whitespace(&block), MAX_DIAGNOSTIC).to_string();
            NoticeRecipient {
                address,
                diagnostic,
            }
        })
        .collect()
}

/// True when `text` carries an enhanced status code or an SMTP reply code.
pub fn has_code(text: &str) -> bool {
    StatusCode::find_in(text).is_some() || find_reply_code(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const QMAIL: &str = "Hi. This is the qmail-send program at mx.example.net.\n\
        I'm afraid I wasn't able to deliver your message to the following addresses.\n\
        This is a permanent error; I've given up. Sorry it didn't work out.\n\n\
        <ann@example.com>:\n192.0.2.3 does not like recipient.\n\
        Remote host said: 550 5.1.1 <ann@example.com>... User unknown\n\n\
        <bob@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n\
        --- Below this line is a copy of the message.\n\n\
        Return-Path: <news@lists.example.org>\nTo: ann@example.com\n";

    #[test]
    fn qmail_notice_gives_each_recipient_its_own_text() {
        let split = split(QMAIL);
        assert!(
            split
                .returned_copy
                .is_some_and(|c| c.contains("Return-Path"))
        );
        let found = recipients(split.notice, &["news@lists.example.org".to_string()]);
        let addresses: Vec<_> = found.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addresses, vec!["ann@example.com", "bob@example.org"]);
        assert!(found[0].diagnostic.contains("550 5.1.1"));
        assert!(!found[0].diagnostic.contains("no mailbox"));
        assert!(found[1].diagnostic.contains("no mailbox here"));
    }

    #[test]
    fn exim_address_alone_on_a_line() {
        let text = "This message was created automatically by mail delivery software.\n\n\
            A message that you sent could not be delivered to one or more of its\n\
            recipients. This is a permanent error. The following address(es) failed:\n\n  \
            carol@example.net\n    SMTP error from remote mail server after RCPT TO:<carol@example.net>:\n    \
            550 5.2.1 mailbox disabled\n\n------ This is a copy of the message, including all the headers.\n";
        let split = split(text);
        let found = recipients(split.notice, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].address, "carol@example.net");
        assert!(found[0].diagnostic.contains("550 5.2.1 mailbox disabled"));
    }

    #[test]
    fn the_sender_is_never_the_recipient() {
        let text = "Your message could not be delivered.\nFrom: news@lists.example.org\n\
                    please contact postmaster@example.net\n";
        assert!(recipients(text, &["news@lists.example.org".to_string()]).is_empty());
    }
}
