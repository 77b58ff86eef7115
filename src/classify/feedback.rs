//! RFC 5965 feedback-loop reports (ARF): a recipient pressed "this is spam".
//!
//! A complaint must suppress the address even though nothing bounced, so the reader finds the
//! complaining recipient wherever the report puts it: `Original-Rcpt-To`, `Removal-Recipient`,
//! the returned message's `To`, or the report's own `To` when the provider redacted the rest.

use super::dsn::FieldGroup;
use super::envelope::Envelope;
use super::text::{addresses_in, strip_address};

/// A complaint found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    /// `Feedback-Type` (abuse, fraud, opt-out, auth-failure …), lower-cased.
    pub feedback_type: String,
    /// Recipients named by the report itself (may be empty when redacted).
    pub recipients: Vec<String>,
    /// `Reporting-MTA` or `User-Agent` of the report, for the record.
    pub reporter: Option<String>,
    /// `Arrival-Date` of the complained-about message.
    pub arrival_date: Option<String>,
}

/// Reads the feedback report fields, from the `message/feedback-report` part or, for
/// providers that inline it, from the notice text. `None` when there is no `Feedback-Type`.
pub fn read(report_part: Option<&str>, notice: &str) -> Option<Complaint> {
    let fields = report_part
        .map(FieldGroup::parse_all)
        .filter(|fields| fields.get("feedback-type").is_some())
        .or_else(|| {
            let inline = FieldGroup::parse_all(notice);
            let complete = inline.get("feedback-type").is_some()
                && (inline.get("user-agent").is_some() || inline.get("version").is_some());
            complete.then_some(inline)
        })?;
    let feedback_type = fields
        .get("feedback-type")
        .unwrap_or("abuse")
        .split_whitespace()
        .next()
        .unwrap_or("abuse")
        .to_ascii_lowercase();
    let recipients = ["original-rcpt-to", "removal-recipient"]
        .iter()
        .flat_map(|name| fields.get_all(name))
        .flat_map(addresses_in)
        .map(|(_, address)| strip_address(address))
        .collect();
    Some(Complaint {
        feedback_type,
        recipients,
        reporter: fields
            .get("reporting-mta")
            .or_else(|| fields.get("user-agent"))
            .map(str::to_string),
        arrival_date: fields.get("arrival-date").map(str::to_string),
    })
}

/// Complaints that come without a report part: providers that forward the complained-about
/// message under a "complaint about message from …" subject, and one-click unsubscribe
/// requests (`X-Apple-Unsubscribe`), which are opt-outs.
pub fn from_headers(envelope: &Envelope, has_returned_message: bool) -> Option<Complaint> {
    let unsubscribe = envelope.unsubscribe_request;
    let forwarded = has_returned_message
        && envelope
            .subject
            .to_ascii_lowercase()
            .contains("complaint about message from");
    if !(unsubscribe || forwarded) {
        return None;
    }
    Some(Complaint {
        feedback_type: if unsubscribe { "opt-out" } else { "abuse" }.to_string(),
        // An unsubscribe request comes from the subscriber, to the list's opt-out address.
        recipients: if unsubscribe && !envelope.from.is_empty() {
            vec![envelope.from.clone()]
        } else {
            Vec::new()
        },
        reporter: Some(envelope.from.clone()).filter(|from| !from.is_empty()),
        arrival_date: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_part_with_recipient() {
        let part = "Feedback-Type: abuse\r\nUser-Agent: ExampleFBL/1.0\r\nVersion: 1\r\n\
                    Original-Rcpt-To: <ann@example.com>\r\nArrival-Date: Tue, 3 Nov 2026\r\n";
        let complaint = read(Some(part), "").expect("a complaint");
        assert_eq!(complaint.feedback_type, "abuse");
        assert_eq!(complaint.recipients, vec!["ann@example.com".to_string()]);
        assert_eq!(complaint.reporter.as_deref(), Some("ExampleFBL/1.0"));
    }

    #[test]
    fn inline_report_needs_more_than_one_field() {
        assert!(read(None, "Feedback-Type: abuse\n").is_none());
        let inline = "Feedback-Type: opt-out\nUser-Agent: x\nVersion: 1\n";
        assert_eq!(
            read(None, inline).map(|c| c.feedback_type),
            Some("opt-out".to_string())
        );
    }
}
