//! Sorts the MIME parts of a message by the role they play in a report: the human-readable
//! notice, the machine-readable status fields, the feedback report, and the returned original.
//!
//! Readers downstream then ask for "the notice text" or "the status fields" without walking
//! the MIME tree again, and mislabelled parts are caught here in one place.

use super::text::{html_to_text, prefix};

/// Most text read from one message's human-readable parts. Notices are a few kilobytes; the
/// rest would be a pasted original, which is never needed whole.
const MAX_TEXT: usize = 256 * 1024;
use mail_parser::{HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use std::sync::LazyLock;

/// The MIME parser, set to decode only the headers the readers use; the rest stay raw text,
/// which keeps `Received:` chains and the like from costing parse time.
pub fn parser() -> &'static MessageParser {
    static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
        MessageParser::new()
            .with_mime_headers()
            .header_address(HeaderName::From)
            .header_address(HeaderName::To)
            .header_text(HeaderName::Subject)
            .header_id(HeaderName::MessageId)
            .header_date(HeaderName::Date)
            .default_header_ignore()
    });
    &PARSER
}

/// The raw value of the first header called `name` (any case), trimmed. Reads the bytes by
/// offset, so it works for headers the parser was told to skip.
pub fn header_value<'m>(message: &'m Message<'_>, name: &str) -> Option<&'m str> {
    let header = message
        .headers()
        .iter()
        .find(|header| header.name().eq_ignore_ascii_case(name))?;
    // Offsets count from the start of the outermost message, which the `raw_message` field
    // holds even for a nested message (the `raw_message()` method starts at the nested one).
    let raw = message
        .raw_message
        .get(header.offset_start() as usize..header.offset_end() as usize)?;
    std::str::from_utf8(raw).ok().map(str::trim)
}

/// True when the message has a header called `name` (any case).
pub fn has_header(message: &Message<'_>, name: &str) -> bool {
    message
        .headers()
        .iter()
        .any(|header| header.name().eq_ignore_ascii_case(name))
}

/// Where the returned original message (or its headers) sits in the report.
#[derive(Debug, Clone, Copy)]
pub enum Returned<'m, 'x> {
    /// A `message/rfc822` (or `message/global`) part, parsed.
    Message(&'m Message<'x>),
    /// A `text/rfc822-headers` part: headers only.
    Headers(&'m [u8]),
}

/// The parts of one message, by role.
#[derive(Debug, Default)]
pub struct Parts<'m, 'x> {
    /// Text of each `message/delivery-status` (or global) part.
    pub delivery_status: Vec<String>,
    /// Text of the `message/feedback-report` part, if any.
    pub feedback_report: Option<String>,
    /// The human-readable text: every top-level text part, HTML turned into text where a
    /// part has no plain twin. Uncut: it may still hold an inline copy of the original.
    pub text: String,
    /// The returned original, if the report attached one.
    pub returned: Option<Returned<'m, 'x>>,
    /// True when the top-level type is `multipart/report`.
    pub is_report: bool,
    /// The `report-type` parameter of a `multipart/report`, lower-cased.
    pub report_type: Option<String>,
    /// True when the message carries a `message/disposition-notification` part: a read
    /// receipt (RFC 8098), which says the mail arrived and was seen.
    pub has_disposition: bool,
}

/// True when some part of `message` is a delivery report (a gateway forwarded a report as an
/// attachment, with a disclaimer around it).
pub fn contains_report(message: &Message<'_>) -> bool {
    message.parts.iter().any(|part| {
        part.content_type().is_some_and(|ct| {
            let subtype = ct.subtype().unwrap_or("");
            subtype.eq_ignore_ascii_case("report")
                || subtype.eq_ignore_ascii_case("delivery-status")
                || subtype.eq_ignore_ascii_case("global-delivery-status")
        })
    })
}

impl<'m, 'x> Parts<'m, 'x> {
    /// Sorts the parts of `message`.
    pub fn collect(message: &'m Message<'x>) -> Parts<'m, 'x> {
        let mut parts = Parts::default();
        if let Some(content_type) = message.content_type() {
            parts.is_report = content_type.ctype().eq_ignore_ascii_case("multipart")
                && content_type
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"));
            parts.report_type = content_type
                .attribute("report-type")
                .map(|value| value.to_ascii_lowercase());
        }
        let has_plain = message
            .parts
            .iter()
            .any(|part| matches!(part.body, PartType::Text(_)));
        for part in &message.parts {
            parts.add(part, has_plain);
        }
        parts
    }

    fn add(&mut self, part: &'m MessagePart<'x>, has_plain: bool) {
        let (ctype, subtype) = part
            .content_type()
            .map(|ct| {
                (
                    ct.ctype().to_ascii_lowercase(),
                    ct.subtype().unwrap_or("").to_ascii_lowercase(),
                )
            })
            .unwrap_or_default();
        match (ctype.as_str(), subtype.as_str(), &part.body) {
            (_, _, PartType::Multipart(_)) => {}
            (_, _, PartType::Message(inner)) => self.keep_returned(Returned::Message(inner)),
            ("message", "delivery-status" | "global-delivery-status", _)
            | ("text", "delivery-status", _) => {
                self.delivery_status
                    .push(String::from_utf8_lossy(part.contents()).into_owned());
            }
            ("message", "disposition-notification" | "global-disposition-notification", _) => {
                self.has_disposition = true;
            }
            ("message", "feedback-report", _) => {
                self.feedback_report = Some(String::from_utf8_lossy(part.contents()).into_owned());
            }
            ("text", "rfc822-headers", _)
            | ("message", "rfc822-headers" | "rfc822" | "global", _) => {
                self.keep_returned(Returned::Headers(part.contents()))
            }
            ("multipart", _, PartType::Binary(raw) | PartType::InlineBinary(raw)) => {
                // A multipart whose boundary could not be read: its raw body is the notice.
                self.push_text(&String::from_utf8_lossy(raw), part);
            }
            (_, _, PartType::Text(text)) => self.push_text(text, part),
            (_, _, PartType::Html(html)) if !has_plain => self.push_text(&html_to_text(html), part),
            _ => {}
        }
    }

    /// Keeps the first returned original the report carries.
    fn keep_returned(&mut self, returned: Returned<'m, 'x>) {
        self.returned.get_or_insert(returned);
    }

    fn push_text(&mut self, text: &str, part: &'m MessagePart<'x>) {
        if self.text.len() >= MAX_TEXT {
            return;
        }
        if !self.text.is_empty() && starts_with_headers(text) {
            // Some servers return the original headers as a second text/plain part.
            self.keep_returned(Returned::Headers(part.contents()));
            return;
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(prefix(text, MAX_TEXT - self.text.len()));
    }
}

impl Parts<'_, '_> {
    /// True for a read receipt (RFC 8098 message disposition notification): a report of
    /// its own kind that the mail was displayed, deleted or the like, never a failure.
    pub fn is_read_receipt(&self) -> bool {
        self.has_disposition || self.report_type.as_deref() == Some("disposition-notification")
    }
}

/// True when the first lines of `text` are message headers (not delivery-status fields).
fn starts_with_headers(text: &str) -> bool {
    let mut lines = text.lines().filter(|line| !line.trim().is_empty()).take(3);
    let Some(first) = lines.next() else {
        return false;
    };
    let is_field = |line: &str| {
        line.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    let status_field = [
        "final-recipient",
        "reporting-mta",
        "action",
        "status",
        "original-recipient",
    ]
    .iter()
    .any(|name| first.to_ascii_lowercase().starts_with(name));
    is_field(first)
        && !status_field
        && lines.all(|line| is_field(line) || line.starts_with([' ', '\t']))
}
