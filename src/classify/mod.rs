//! The classification engine: the bytes of one message in, a [`Report`] with one [`Bounce`]
//! per failed recipient out.
//!
//! Pure and total: no I/O, no storage, no panics on any input. Every verdict carries `why`, the
//! field or rule that decided it, because the operator must be able to check a decision that
//! removes a subscriber. The order of reading is: challenge/response (never a bounce), feedback
//! reports, RFC 3464 status fields (attached, inline or mislabelled), then the plain notices
//! that non-standard servers write, then auto-replies; anything else is not a bounce.

mod codes;
mod dsn;
mod envelope;
mod feedback;
mod model;
mod notice;
mod original;
mod parts;
mod rules;
mod ses;
mod text;
mod verdict;

pub use codes::StatusCode;
pub use model::{Action, Bounce, Class, Kind, Original, Reason, Report};
pub use original::VerpPattern;
pub use rules::RuleSet;

use dsn::DeliveryStatus;
use envelope::Envelope;
use mail_parser::MessageParser;
use parts::Parts;
use verdict::Evidence;

/// Classifies one message with the default settings.
pub fn classify(raw: &[u8]) -> Report {
    Classifier::default().classify(raw)
}

/// The engine with its settings; cheap to create, safe to share between threads.
#[derive(Debug, Clone, Copy)]
pub struct Classifier {
    verp: VerpPattern,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier {
            verp: VerpPattern::default(),
        }
    }
}

/// What a reader found for one recipient, before the verdict.
struct Finding {
    recipient: String,
    action: Action,
    status: Option<StatusCode>,
    diagnostic: String,
    remote_mta: Option<String>,
    reporting_mta: Option<String>,
    last_attempt: Option<String>,
    /// False when the diagnostic is a program's output, whose numbers are no SMTP replies.
    smtp_diagnostic: bool,
    source: &'static str,
}

impl Classifier {
    /// An engine that decodes VERP bounce addresses written with `verp`.
    pub fn with_verp(verp: VerpPattern) -> Classifier {
        Classifier { verp }
    }

    /// Classifies one message. Never fails: unreadable input gives a `notbounce` report with
    /// an anomaly that says why.
    pub fn classify(&self, raw: &[u8]) -> Report {
        self.classify_nested(raw, 0)
    }

    /// `depth` counts how many gateway wrappers were opened: a report forwarded as an
    /// attachment (with a disclaimer around it) is read once from inside, never deeper.
    fn classify_nested(&self, raw: &[u8], depth: u8) -> Report {
        let Some(message) = MessageParser::default().parse(raw) else {
            return Report {
                kind: Kind::Notbounce,
                bounces: Vec::new(),
                original: Original::default(),
                anomalies: vec!["not a readable e-mail message (no headers found)".to_string()],
            };
        };
        let envelope = Envelope::read(&message);
        let parts = Parts::collect(&message);
        let split = notice::split(&parts.notice);
        let original = original::read(parts.returned, split.returned_copy);
        let mut report = Report {
            kind: Kind::Notbounce,
            bounces: Vec::new(),
            original,
            anomalies: Vec::new(),
        };
        if envelope.is_challenge() {
            report
                .anomalies
                .push("challenge/response request: says nothing about the address".to_string());
            return report;
        }
        let complaint = feedback::read(parts.feedback_report.as_deref(), split.notice)
            .or_else(|| feedback::from_headers(&envelope, report.original.to.is_some()));
        if let Some(complaint) = complaint {
            self.complaint(&mut report, &envelope, complaint);
            return report;
        }
        if let Some(notification) = ses::read(split.notice) {
            self.ses_notification(&mut report, notification);
            return report;
        }
        let findings = self.findings(&envelope, &parts, split.notice, &report.original);
        if findings.is_empty() {
            if let (0, Some(parts::Returned::Message(inner))) = (depth, parts.returned)
                && is_report(inner)
            {
                return self.classify_nested(inner.raw_message(), depth + 1);
            }
            if envelope.is_auto_reply() && !envelope.from.is_empty() {
                report.kind = Kind::Autoreply;
                report.bounces.push(self.known(
                    envelope.from.clone(),
                    Reason::Vacation,
                    "automatic reply (Auto-Submitted, X-Autoreply or subject)",
                    None,
                ));
            } else if looks_like_bounce(&envelope, &parts, split.notice) {
                report.kind = Kind::Bounce;
                report
                    .anomalies
                    .push("looks like a bounce but names no recipient".to_string());
            }
            return report;
        }
        let all_delivered = findings.iter().all(|finding| {
            matches!(
                finding.action,
                Action::Delivered | Action::Relayed | Action::Expanded
            )
        });
        report.kind = if all_delivered {
            Kind::Delivered
        } else {
            Kind::Bounce
        };
        let rules = RuleSet::builtin();
        report.bounces = findings
            .into_iter()
            .map(|finding| judge(finding, rules))
            .collect();
        report
    }

    fn findings(
        &self,
        envelope: &Envelope,
        parts: &Parts<'_, '_>,
        notice: &str,
        original: &Original,
    ) -> Vec<Finding> {
        let mut not_recipients = envelope.own_addresses.clone();
        not_recipients.push(envelope.from.clone());
        let notice_recipients = || notice::recipients(notice, &not_recipients);
        let reports: Vec<DeliveryStatus> = if parts.delivery_status.is_empty() {
            DeliveryStatus::parse(notice).into_iter().collect()
        } else {
            parts
                .delivery_status
                .iter()
                .filter_map(|text| DeliveryStatus::parse(text))
                .collect()
        };
        if !reports.is_empty() {
            let in_notice = notice_recipients();
            return reports
                .iter()
                .flat_map(|report| dsn_findings(report, &in_notice, notice))
                .collect();
        }
        if !looks_like_bounce(envelope, parts, notice) {
            return Vec::new();
        }
        let mut found: Vec<Finding> = notice_recipients()
            .into_iter()
            .flat_map(|recipient| {
                qualify(&recipient.address, envelope, notice)
                    .into_iter()
                    .map(move |address| Finding::from_text(address, recipient.diagnostic.clone()))
            })
            .collect();
        if found.is_empty() {
            let fallback = envelope
                .failed_recipients
                .iter()
                .cloned()
                .chain(
                    envelope
                        .own_addresses
                        .iter()
                        .filter_map(|own| self.verp.decode(own)),
                )
                .chain(original.to.clone())
                .next();
            found.extend(
                fallback
                    .map(|address| Finding::from_text(address, text::collapse_whitespace(notice))),
            );
        }
        found
    }

    fn complaint(&self, report: &mut Report, envelope: &Envelope, complaint: feedback::Complaint) {
        report.kind = Kind::Feedback;
        let mut recipients = complaint.recipients.clone();
        if recipients.is_empty() {
            recipients.extend(report.original.to.clone().or_else(|| {
                envelope
                    .own_addresses
                    .iter()
                    .find_map(|own| self.verp.decode(own))
            }));
        }
        if recipients.is_empty() {
            report
                .anomalies
                .push("feedback report names no recipient (redacted by the provider)".to_string());
        }
        for recipient in recipients {
            let mut bounce = self.known(
                recipient,
                Reason::Feedback,
                "RFC 5965 feedback report",
                complaint.reporter.clone(),
            );
            bounce.feedback_type = Some(complaint.feedback_type.clone());
            bounce.last_attempt = complaint.arrival_date.clone();
            report.bounces.push(bounce);
        }
    }

    fn ses_notification(&self, report: &mut Report, notification: ses::SesNotice) {
        report.kind = notification.kind;
        let rules = RuleSet::builtin();
        for recipient in notification.recipients {
            let finding = Finding {
                recipient: recipient.address,
                action: notification.action,
                status: recipient.status.as_deref().and_then(StatusCode::parse),
                diagnostic: text::collapse_whitespace(&recipient.diagnostic),
                remote_mta: None,
                reporting_mta: None,
                last_attempt: None,
                smtp_diagnostic: true,
                source: "Amazon SES notification",
            };
            let mut bounce = match notification.kind {
                Kind::Feedback => self.known(
                    finding.recipient,
                    Reason::Feedback,
                    "Amazon SES complaint notification",
                    None,
                ),
                _ => judge(finding, rules),
            };
            bounce.feedback_type = notification.feedback_type.clone();
            report.bounces.push(bounce);
        }
    }

    /// A bounce whose reason the message type already decides (complaint, auto-reply).
    fn known(
        &self,
        recipient: String,
        reason: Reason,
        why: &str,
        reporting_mta: Option<String>,
    ) -> Bounce {
        let evidence = Evidence {
            action: Action::Delivered,
            status: None,
            reply_code: None,
            diagnostic: "",
        };
        let decided = verdict::verdict(reason, why.to_string(), &evidence);
        Bounce {
            recipient: normalize_address(&recipient),
            action: Action::Delivered,
            status: None,
            reply_code: None,
            reason: decided.reason,
            class: decided.class,
            hard_bounce: decided.hard_bounce,
            diagnostic: String::new(),
            remote_mta: None,
            reporting_mta,
            last_attempt: None,
            feedback_type: None,
            why: decided.why,
        }
    }
}

impl Finding {
    fn from_text(recipient: String, diagnostic: String) -> Finding {
        Finding {
            recipient,
            action: Action::Failed,
            status: None,
            diagnostic,
            remote_mta: None,
            reporting_mta: None,
            last_attempt: None,
            smtp_diagnostic: true,
            source: "notice text",
        }
    }
}

/// True when the headers, the structure or the opening of the notice say "delivery report",
/// so a plain notice is worth reading.
fn looks_like_bounce(envelope: &Envelope, parts: &Parts<'_, '_>, notice: &str) -> bool {
    envelope.from_mail_system()
        || envelope.subject_says_bounce()
        || !envelope.failed_recipients.is_empty()
        || (parts.is_report && parts.report_type.as_deref() != Some("feedback-report"))
        || notice_says_bounce(notice)
}

fn notice_says_bounce(notice: &str) -> bool {
    static OPENING: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)could not be delivered to|was not delivered to|unable to deliver|undeliverable|following address(es)? failed",
        )
        .ok()
    });
    let end = (0..=notice.len().min(3_000))
        .rev()
        .find(|index| notice.is_char_boundary(*index))
        .unwrap_or(0);
    OPENING
        .as_ref()
        .is_some_and(|pattern| pattern.is_match(&notice[..end]))
}

/// True when `message` is itself a delivery report (a gateway forwarded it as an attachment).
fn is_report(message: &mail_parser::Message<'_>) -> bool {
    let parts = Parts::collect(message);
    parts.is_report || !parts.delivery_status.is_empty()
}

/// Turns a recipient the notice names without a domain into full addresses: the failed
/// addresses the header lists, else the `NAME@domain` forms the notice itself spells out,
/// else the reporting server's domain.
fn qualify(address: &str, envelope: &Envelope, notice: &str) -> Vec<String> {
    if address.contains('@') {
        return vec![address.to_string()];
    }
    if !envelope.failed_recipients.is_empty() {
        return envelope.failed_recipients.clone();
    }
    let local = address.trim_matches(|c: char| !c.is_alphanumeric());
    if local.is_empty() || local.contains(['|', '/', ' ']) {
        return Vec::new();
    }
    let mut templates: Vec<String> = notice
        .match_indices("NAME@")
        .filter_map(|(index, _)| {
            let rest = &notice[index + "NAME@".len()..];
            let domain: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect();
            let domain = domain.trim_end_matches('.');
            domain.contains('.').then(|| format!("{local}@{domain}"))
        })
        .collect();
    templates.dedup();
    if templates.is_empty() {
        templates.extend(
            envelope
                .from
                .rsplit_once('@')
                .map(|(_, domain)| format!("{local}@{domain}")),
        );
    }
    templates
}

fn dsn_findings(
    report: &DeliveryStatus,
    in_notice: &[notice::NoticeRecipient],
    notice: &str,
) -> Vec<Finding> {
    let reporting_mta = report.message.host("reporting-mta");
    report
        .recipients
        .iter()
        .filter_map(|group| {
            let recipient = group.recipient()?;
            let from_notice = || {
                in_notice
                    .iter()
                    .find(|found| found.address.eq_ignore_ascii_case(&recipient))
                    .map(|found| found.diagnostic.clone())
                    .or_else(|| (in_notice.len() <= 1).then(|| text::collapse_whitespace(notice)))
            };
            let diagnostic = group.diagnostic().or_else(from_notice).unwrap_or_default();
            Some(Finding {
                action: group
                    .get("action")
                    .and_then(Action::parse)
                    .unwrap_or(Action::Failed),
                status: group.get("status").and_then(StatusCode::parse),
                diagnostic,
                remote_mta: group.host("remote-mta"),
                reporting_mta: reporting_mta.clone(),
                last_attempt: group.get("last-attempt-date").map(str::to_string),
                smtp_diagnostic: group.diagnostic_is_smtp(),
                source: "delivery-status fields",
                recipient,
            })
        })
        .collect()
}

fn judge(finding: Finding, rules: &RuleSet) -> Bounce {
    let in_text = StatusCode::find_all(&finding.diagnostic)
        .filter(|code| !(code.subject == 0 && code.detail == 0))
        .last();
    let status = in_text
        .or(finding.status)
        .or_else(|| StatusCode::find_in(&finding.diagnostic));
    let reply_code = finding
        .smtp_diagnostic
        .then(|| codes::find_reply_code(&finding.diagnostic))
        .flatten();
    let evidence = Evidence {
        action: finding.action,
        status,
        reply_code,
        diagnostic: &finding.diagnostic,
    };
    let decided = verdict::decide(&evidence, rules);
    Bounce {
        recipient: normalize_address(&finding.recipient),
        action: finding.action,
        status: status.map(|code| code.to_string()),
        reply_code,
        reason: decided.reason,
        class: decided.class,
        hard_bounce: decided.hard_bounce,
        diagnostic: finding.diagnostic,
        remote_mta: finding.remote_mta,
        reporting_mta: finding.reporting_mta,
        last_attempt: finding.last_attempt,
        feedback_type: None,
        why: format!("{} (from the {})", decided.why, finding.source),
    }
}

/// Keeps the local part as written (it may be case-sensitive) and lower-cases the domain.
fn normalize_address(address: &str) -> String {
    let address = text::strip_address(address);
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => address,
    }
}
