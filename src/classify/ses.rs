//! Amazon SES notifications: bounces, complaints and deliveries sent as JSON (directly or
//! wrapped in an SNS envelope) instead of as a report.
//!
//! Newsletter tools that send through SES route these notifications to the bounce mailbox, so
//! they arrive beside ordinary reports and must give the same verdicts.

use super::model::{Action, Kind};
use serde_json::Value;

/// One recipient named by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesRecipient {
    /// The address.
    pub address: String,
    /// Enhanced status code, as SES wrote it.
    pub status: Option<String>,
    /// `diagnosticCode` (bounces) or `smtpResponse` (deliveries).
    pub diagnostic: String,
}

/// What a notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesNotice {
    /// Bounce, Feedback (complaint) or Delivered.
    pub kind: Kind,
    /// The action implied for every recipient.
    pub action: Action,
    /// `complaintFeedbackType` for complaints.
    pub feedback_type: Option<String>,
    /// The recipients.
    pub recipients: Vec<SesRecipient>,
}

/// Reads a notification from the text of a message body; `None` when the body holds none.
pub fn read(notice: &str) -> Option<SesNotice> {
    if !notice.contains("notificationType") && !notice.contains("eventType") {
        return None;
    }
    // Sendmail folds long lines as "!\n " when relaying the notification; undo it.
    let unfolded = notice.replace("!\r\n ", "").replace("!\n ", "");
    let start = unfolded.find('{')?;
    let mut stream = serde_json::Deserializer::from_str(&unfolded[start..]).into_iter::<Value>();
    let mut value = stream.next()?.ok()?;
    if let Some(inner) = value.get("Message").and_then(Value::as_str) {
        value = serde_json::from_str(inner).ok()?;
    }
    let kind = value
        .get("notificationType")
        .or_else(|| value.get("eventType"))
        .and_then(Value::as_str)?;
    let address_list = |list: Option<&Value>| -> Vec<SesRecipient> {
        list.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let address = entry
                    .get("emailAddress")
                    .and_then(Value::as_str)
                    .or_else(|| entry.as_str())?;
                Some(SesRecipient {
                    address: address.to_string(),
                    status: entry
                        .get("status")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    diagnostic: entry
                        .get("diagnosticCode")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            })
            .collect()
    };
    match kind {
        "Bounce" => {
            let bounce = value.get("bounce")?;
            let transient = bounce.get("bounceType").and_then(Value::as_str) == Some("Transient");
            Some(SesNotice {
                kind: Kind::Bounce,
                action: if transient {
                    Action::Delayed
                } else {
                    Action::Failed
                },
                feedback_type: None,
                recipients: address_list(bounce.get("bouncedRecipients")),
            })
        }
        "Complaint" => {
            let complaint = value.get("complaint")?;
            Some(SesNotice {
                kind: Kind::Feedback,
                action: Action::Delivered,
                feedback_type: complaint
                    .get("complaintFeedbackType")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| Some("abuse".to_string())),
                recipients: address_list(complaint.get("complainedRecipients")),
            })
        }
        "Delivery" => {
            let delivery = value.get("delivery")?;
            let response = delivery
                .get("smtpResponse")
                .and_then(Value::as_str)
                .unwrap_or("");
            let mut recipients = address_list(delivery.get("recipients"));
            for recipient in &mut recipients {
                recipient.diagnostic = response.to_string();
            }
            Some(SesNotice {
                kind: Kind::Delivered,
                action: Action::Delivered,
                feedback_type: None,
                recipients,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_bounce_notification() {
        let inner = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"ann@example.com","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]}}"#;
        let outer = serde_json::json!({ "Type": "Notification", "Message": inner }).to_string();
        let notice = read(&format!("{outer}\n--\nunsubscribe footer")).expect("a notice");
        assert_eq!(notice.kind, Kind::Bounce);
        assert_eq!(notice.action, Action::Failed);
        assert_eq!(notice.recipients.len(), 1);
        assert_eq!(notice.recipients[0].address, "ann@example.com");
        assert_eq!(notice.recipients[0].status.as_deref(), Some("5.1.1"));
    }

    #[test]
    fn complaint_and_folded_lines() {
        let text = "{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"b@x.org\"}],\"complaintFeedbackType\":\"abu!\n se\"}}";
        let notice = read(text).expect("a notice");
        assert_eq!(notice.kind, Kind::Feedback);
        assert_eq!(notice.feedback_type.as_deref(), Some("abuse"));
    }

    #[test]
    fn broken_json_is_no_notice() {
        assert_eq!(read("{\"notificationType\": \"Bounce\", "), None);
        assert_eq!(read("plain text"), None);
    }
}
