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
mod findings;
mod learned;
mod model;
mod notice;
mod original;
mod own_rules;
mod parts;
mod rules;
mod ses;
mod text;
mod verdict;

pub use codes::StatusCode;
pub use learned::{Guess, ModelError, TextModel, Trainer};
pub use model::{Action, Bounce, Class, Kind, Original, Reason, Report};
pub use original::VerpPattern;
pub use own_rules::{OwnRule, OwnRules};
pub use rules::RuleSet;

use envelope::Envelope;
use findings::{Finding, Sources};
use parts::{Parts, Returned};
use std::sync::Arc;
use verdict::Evidence;

/// Version of the rules and readers; stored with every message so that a later version knows
/// which verdicts it may change. Bump it when a change alters verdicts.
pub const ENGINE_VERSION: i64 = 2;

/// Classifies one message with the default settings.
pub fn classify(raw: &[u8]) -> Report {
    Classifier::default().classify(raw)
}

/// The engine with its settings; cheap to create and clone, safe to share between threads.
#[derive(Debug, Clone, Default)]
pub struct Classifier {
    verp: VerpPattern,
    /// The learned fallback; `None` is the model shipped with the app.
    model: Option<Arc<TextModel>>,
    /// The operator's own rules, applied before the built-in tables.
    own_rules: Option<Arc<OwnRules>>,
}

impl Classifier {
    /// An engine that decodes VERP bounce addresses written with `verp`.
    pub fn with_verp(verp: VerpPattern) -> Classifier {
        Classifier {
            verp,
            model: None,
            own_rules: None,
        }
    }

    /// This engine with another learned fallback: one retrained with the operator's labels,
    /// or (in measurements) one trained on part of a corpus, or an empty one that never
    /// guesses.
    pub fn with_model(self, model: Arc<TextModel>) -> Classifier {
        Classifier {
            model: Some(model),
            ..self
        }
    }

    /// This engine with the operator's own rules, which decide before the built-in tables.
    pub fn with_own_rules(self, own_rules: Arc<OwnRules>) -> Classifier {
        Classifier {
            own_rules: Some(own_rules),
            ..self
        }
    }

    /// The learned fallback this engine uses.
    pub fn model(&self) -> &TextModel {
        match &self.model {
            Some(model) => model,
            None => TextModel::builtin(),
        }
    }

    /// Classifies one message. Never fails: unreadable input gives a `notbounce` report with
    /// an anomaly that says why.
    pub fn classify(&self, raw: &[u8]) -> Report {
        self.classify_nested(raw, 0)
    }

    /// `depth` counts how many gateway wrappers were opened: a report forwarded as an
    /// attachment (with a disclaimer around it) is read once from inside, never deeper.
    fn classify_nested(&self, raw: &[u8], depth: u8) -> Report {
        // The MIME parser is a dependency: should it ever panic on some bytes, that message
        // is reported as unreadable instead of taking the whole run down.
        let parsed = std::panic::catch_unwind(|| parts::parser().parse(raw));
        let Ok(Some(message)) = parsed else {
            let why = match parsed {
                Err(_) => "the MIME structure could not be read (parser failure)",
                Ok(_) => "not a readable e-mail message (no headers found)",
            };
            return Report {
                kind: Kind::Notbounce,
                bounces: Vec::new(),
                original: Original::default(),
                anomalies: vec![why.to_string()],
                date: None,
            };
        };
        let envelope = Envelope::read(&message);
        let parts = Parts::collect(&message);
        let split = notice::split(&parts.text);
        let mut report = Report {
            kind: Kind::Notbounce,
            bounces: Vec::new(),
            original: original::read(parts.returned, split.returned_copy),
            anomalies: Vec::new(),
            date: message.date().map(|date| date.to_timestamp()),
        };
        if envelope.is_challenge() {
            report
                .anomalies
                .push("challenge/response request: says nothing about the address".to_string());
            return report;
        }
        if parts.is_read_receipt() {
            report.anomalies.push(
                "read receipt (RFC 8098): the mail arrived and was seen, no failure".to_string(),
            );
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
        let inner_report = match parts.returned {
            Some(Returned::Message(inner)) if depth == 0 && parts::contains_report(inner) => {
                Some(inner)
            }
            _ => None,
        };
        let rules = RuleSet::builtin();
        let collapsed_notice = text::collapse_whitespace(split.notice);
        let delayed = rules.says_delayed(&envelope.subject)
            || rules.says_delayed(text::prefix(&collapsed_notice, 8_000));
        let found = findings::gather(&Sources {
            envelope: &envelope,
            parts: &parts,
            notice: split.notice,
            original: &report.original,
            verp: self.verp,
            wraps_a_report: inner_report.is_some(),
            notice_action: if delayed {
                Action::Delayed
            } else {
                Action::Failed
            },
        });
        if found.is_empty() {
            if let Some(inner) = inner_report {
                return self.classify_nested(inner.raw_message(), depth + 1);
            }
            self.no_recipient(&mut report, &envelope, &parts, split.notice);
            return report;
        }
        let all_delivered = found.iter().all(|finding| finding.action.is_success());
        report.kind = if all_delivered {
            Kind::Delivered
        } else {
            Kind::Bounce
        };
        let context = text::join_reply_lines(&collapsed_notice);
        let sole_recipient = found.len() == 1;
        report.bounces = found
            .into_iter()
            .map(|finding| self.judge(finding, &context, sole_recipient, rules))
            .collect();
        report
    }

    /// A message that names no failed recipient: an auto-reply, a bounce we cannot read, or
    /// not a bounce at all.
    fn no_recipient(
        &self,
        report: &mut Report,
        envelope: &Envelope,
        parts: &Parts<'_, '_>,
        notice: &str,
    ) {
        if findings::looks_like_bounce(envelope, parts, notice) {
            report.kind = Kind::Bounce;
            report
                .anomalies
                .push("looks like a bounce but names no recipient".to_string());
        } else if envelope.is_auto_reply() && !envelope.from.is_empty() {
            report.kind = Kind::Autoreply;
            report.bounces.push(self.known(
                envelope.from.clone(),
                Reason::Vacation,
                "automatic reply (Auto-Submitted, X-Autoreply, Precedence or subject)",
                None,
            ));
        }
    }

    fn complaint(&self, report: &mut Report, envelope: &Envelope, complaint: feedback::Complaint) {
        report.kind = Kind::Feedback;
        let mut recipients = complaint.recipients.clone();
        if recipients.is_empty() {
            recipients.extend(report.original.to.clone().or_else(|| {
                envelope
                    .delivered_to
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
            let mut bounce = if notification.kind == Kind::Feedback {
                self.known(
                    recipient.address,
                    Reason::Feedback,
                    "Amazon SES complaint notification",
                    None,
                )
            } else {
                let mut finding = Finding::from_text(
                    recipient.address,
                    text::collapse_whitespace(&recipient.diagnostic),
                    "Amazon SES notification",
                );
                finding.action = notification.action;
                finding.field_status = recipient.status.as_deref().and_then(StatusCode::parse);
                self.judge(finding, "", false, rules)
            };
            bounce.feedback_type = notification.feedback_type.clone();
            report.bounces.push(bounce);
        }
    }

    /// Decides one recipient's verdict. The status reported is the last code other than `X.0.0`
    /// that the server wrote (a relay quoting the remote answer puts the remote code last), else
    /// the `Status:` field.
    fn judge(
        &self,
        finding: Finding,
        context: &str,
        sole_recipient: bool,
        rules: &RuleSet,
    ) -> Bounce {
        let text_codes: Vec<StatusCode> = StatusCode::find_all(&finding.diagnostic).collect();
        let in_text = text_codes
            .iter()
            .rev()
            .find(|code| code.subject != 0 || code.detail != 0);
        let status = in_text
            .copied()
            .or(finding.field_status)
            .or_else(|| text_codes.first().copied());
        let reply_code = if finding.program_output {
            None
        } else {
            codes::find_reply_code(&finding.diagnostic)
        };
        let diagnostic = text::join_reply_lines(&finding.diagnostic);
        let evidence_text = match &finding.status_comment {
            Some(comment) => format!("{diagnostic} {comment}"),
            None => diagnostic.into_owned(),
        };
        let evidence = Evidence {
            action: finding.action,
            status,
            field_status: finding.field_status,
            reply_code,
            diagnostic: &evidence_text,
            text_codes: &text_codes,
            context,
            sole_recipient,
            program_output: finding.program_output,
        };
        let own_rule = self.own_rules.as_deref().and_then(|own| {
            own.find(
                &evidence_text,
                status.map(|code| code.to_string()).as_deref(),
                finding.reporting_mta.as_deref(),
            )
        });
        let decided = match own_rule {
            Some(rule) => verdict::by_own_rule(rule, &evidence),
            None => verdict::decide(&evidence, rules, self.model()),
        };
        Bounce {
            recipient: normalize_address(&finding.recipient),
            action: finding.action,
            status: status.map(|code| code.to_string()),
            reply_code,
            reason: decided.reason,
            class: decided.class,
            hard_bounce: decided.hard_bounce,
            diagnostic: text::prefix(&finding.diagnostic, text::MAX_DIAGNOSTIC).to_string(),
            remote_mta: finding.remote_mta,
            reporting_mta: finding.reporting_mta,
            last_attempt: finding.last_attempt,
            feedback_type: None,
            why: format!("{} (from the {})", decided.why, finding.source),
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
            field_status: None,
            reply_code: None,
            diagnostic: "",
            text_codes: &[],
            context: "",
            sole_recipient: true,
            program_output: false,
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

/// Keeps the local part as written (it may be case-sensitive) and lower-cases the domain.
fn normalize_address(address: &str) -> String {
    let address = text::strip_address(address);
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => address,
    }
}
