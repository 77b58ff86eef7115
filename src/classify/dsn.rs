//! RFC 3464 / RFC 6533 delivery-status fields: `Final-Recipient`, `Action`, `Status`,
//! `Diagnostic-Code` and their friends, read from a `message/delivery-status` part or from
//! plain text where a server wrote them inline or mislabelled the part.
//!
//! The reader is liberal: it accepts CRLF or LF, folded lines, missing blank lines between
//! recipients, and unknown fields, because real servers produce all of these.

use super::text::{collapse_whitespace, strip_address};

/// One group of fields (the per-message group or one per-recipient group), names lower-cased
/// and folded lines joined.
#[derive(Debug, Default, Clone)]
pub struct FieldGroup {
    fields: Vec<(String, String)>,
}

impl FieldGroup {
    /// The first value of field `name` (lower-case), trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    fn has_recipient(&self) -> bool {
        self.get("final-recipient").is_some() || self.get("original-recipient").is_some()
    }

    /// Every value of field `name` (lower-case), trimmed, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field == name)
            .map(|(_, value)| value.trim())
    }

    /// The failed address without the address-type prefix (`rfc822;`, `utf-8;`) and angle
    /// brackets: `Original-Recipient` first, because that is the address the sender wrote
    /// (the one on the operator's list); `Final-Recipient` may be an alias expansion.
    pub fn recipient(&self) -> Option<String> {
        [
            "original-recipient",
            "final-recipient",
            "x-actual-recipient",
        ]
        .iter()
        .filter_map(|name| self.get(name))
        .map(address_value)
        .find(|address| address.contains('@'))
    }

    /// The value of a host field (`Remote-MTA: dns; mx.example.com`) without its type.
    pub fn host(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|value| {
                let host = value.split_once(';').map_or(value, |(_, host)| host);
                let host = host.split_whitespace().next().unwrap_or("");
                host.trim_matches(['[', ']'])
                    .trim_end_matches('.')
                    .to_string()
            })
            .filter(|host| !host.is_empty())
    }

    /// True when `Diagnostic-Code` is a local program's output (`X-Unix; 255`) rather than
    /// an SMTP reply: its numbers are exit codes, and the failure is the mailer's.
    pub fn diagnostic_is_program_output(&self) -> bool {
        self.get("diagnostic-code")
            .and_then(|value| value.split_once(';'))
            .is_some_and(|(kind, _)| kind.trim().to_ascii_lowercase().contains("unix"))
    }

    /// `Diagnostic-Code` without its type prefix (`smtp;`, `X-Postfix;`), whitespace collapsed.
    pub fn diagnostic(&self) -> Option<String> {
        let value = self.get("diagnostic-code")?;
        let text = match value.split_once(';') {
            Some((kind, rest)) if !kind.contains(' ') && kind.len() < 20 => rest,
            _ => value,
        };
        Some(collapse_whitespace(text)).filter(|text| !text.is_empty())
    }
}

fn address_value(value: &str) -> String {
    let address = match value.split_once(';') {
        Some((kind, rest)) if !kind.contains('@') => rest,
        _ => value,
    };
    strip_address(address)
}

/// Fields found in one text: the per-message group and one group per recipient.
#[derive(Debug, Default, Clone)]
pub struct DeliveryStatus {
    /// `Reporting-MTA`, `Arrival-Date` and other per-message fields.
    pub message: FieldGroup,
    /// One group per recipient, in the order written.
    pub recipients: Vec<FieldGroup>,
}

impl DeliveryStatus {
    /// Reads every field group in `text`; groups that name no recipient feed the per-message
    /// group. Returns `None` when the text holds no recipient group at all.
    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        let mut status = DeliveryStatus::default();
        let mut group = FieldGroup::default();
        for entry in unfolded_fields(text) {
            let Some((name, value)) = entry else {
                status.close(std::mem::take(&mut group));
                continue;
            };
            let repeats_recipient = (name == "final-recipient" || name == "original-recipient")
                && group.get(&name).is_some();
            if repeats_recipient {
                status.close(std::mem::take(&mut group));
            }
            group.fields.push((name, value));
        }
        status.close(group);
        (!status.recipients.is_empty()).then_some(status)
    }

    fn close(&mut self, group: FieldGroup) {
        if group.fields.is_empty() {
            return;
        }
        if group.has_recipient() {
            self.recipients.push(group);
        } else {
            self.message.fields.extend(group.fields);
        }
    }
}

impl FieldGroup {
    /// Every `Name: value` field in `text` as one group, blank lines ignored; for reports
    /// such as RFC 5965 feedback that have no per-recipient groups.
    pub fn parse_all(text: &str) -> FieldGroup {
        FieldGroup {
            fields: unfolded_fields(text).flatten().collect(),
        }
    }
}

/// The fields of `text` with folded lines joined, lower-cased names; `None` marks a blank line
/// (the end of a group). Lines that are not fields are skipped.
fn unfolded_fields(text: &str) -> impl Iterator<Item = Option<(String, String)>> + '_ {
    let mut lines = text
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .peekable();
    std::iter::from_fn(move || {
        loop {
            let line = lines.next()?;
            if line.trim().is_empty() {
                return Some(None);
            }
            let Some((name, value)) = split_field(line) else {
                continue;
            };
            let mut value = value.trim().to_string();
            while let Some(next) =
                lines.next_if(|next| next.starts_with([' ', '\t']) && !next.trim().is_empty())
            {
                value.push(' ');
                value.push_str(next.trim());
            }
            return Some(Some((name, value)));
        }
    })
}

/// Splits `Name: value` when `Name` looks like a header field name.
fn split_field(line: &str) -> Option<(String, &str)> {
    let (name, value) = line.split_once(':')?;
    let valid = !name.is_empty()
        && name.len() < 40
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| (name.to_ascii_lowercase(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_RECIPIENTS: &str = "Reporting-MTA: dns; mx.example.org\r\n\
        Arrival-Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\n\
        Final-Recipient: rfc822; Ann@Example.com\r\n\
        Action: failed\r\nStatus: 5.1.1\r\n\
        Diagnostic-Code: smtp; 550 5.1.1 <ann@example.com>:\r\n    no such user\r\n\r\n\
        Final-Recipient: rfc822;<bob@example.net>\r\nAction: delayed\r\nStatus: 4.4.1\r\n\
        Remote-MTA: dns; [192.0.2.1]\r\n";

    #[test]
    fn reads_each_recipient_group() {
        let status = DeliveryStatus::parse(TWO_RECIPIENTS).expect("two recipient groups");
        assert_eq!(
            status.message.host("reporting-mta").as_deref(),
            Some("mx.example.org")
        );
        assert_eq!(status.recipients.len(), 2);
        let first = &status.recipients[0];
        assert_eq!(first.recipient().as_deref(), Some("Ann@Example.com"));
        assert_eq!(
            first.diagnostic().as_deref(),
            Some("550 5.1.1 <ann@example.com>: no such user")
        );
        let second = &status.recipients[1];
        assert_eq!(second.recipient().as_deref(), Some("bob@example.net"));
        assert_eq!(second.get("action"), Some("delayed"));
        assert_eq!(second.host("remote-mta").as_deref(), Some("192.0.2.1"));
    }

    #[test]
    fn recipients_without_blank_lines_between_them() {
        let text = "Final-Recipient: rfc822; a@x.org\nAction: failed\nStatus: 5.0.0\n\
                    Final-Recipient: rfc822; b@x.org\nAction: failed\nStatus: 5.0.0\n";
        let status = DeliveryStatus::parse(text).expect("recipient groups");
        assert_eq!(status.recipients.len(), 2);
    }

    #[test]
    fn prose_is_not_a_report() {
        assert!(DeliveryStatus::parse("Hello: this is\njust text\n").is_none());
    }
}
