//! The report's own headers (From, Subject, Auto-Submitted …) and what they say about the kind
//! of mail it is, before any body is read.
//!
//! A bounce mailbox also receives vacation replies, challenge/response mail, newsletters and
//! people; these checks keep them from being read as bounces, and are the reason a vacation
//! reply never removes a subscriber.

use super::original::first_address;
use super::parts::{has_header, header_value};
use mail_parser::Message;
use regex::Regex;
use std::sync::LazyLock;

/// Headers of the report that the readers consult.
#[derive(Debug, Default, Clone)]
pub struct Envelope {
    /// From address, lower-cased.
    pub from: String,
    /// From display name and address together, lower-cased, for sender-name checks.
    pub from_full: String,
    /// Subject, decoded.
    pub subject: String,
    /// Addresses in `To`: the operator's own bounce address, never a failed recipient.
    pub to: Vec<String>,
    /// Addresses in `Delivered-To`, `X-Original-To` and `Envelope-To`, where VERP encodes the
    /// recipient. (Some servers also copy the failed recipient here, so these are not
    /// excluded from recipients.)
    pub delivered_to: Vec<String>,
    /// Addresses from `X-Failed-Recipients`.
    pub failed_recipients: Vec<String>,
    /// True for a one-click unsubscribe request (`X-Apple-Unsubscribe: true`).
    pub unsubscribe_request: bool,
    auto_submitted: String,
    precedence: String,
    has_autoreply_header: bool,
    has_challenge_header: bool,
}

impl Envelope {
    /// Reads the headers of `message`.
    pub fn read(message: &Message<'_>) -> Envelope {
        let from_header = message.from();
        let from = from_header
            .and_then(first_address)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let from_name = from_header
            .and_then(|address| address.first())
            .and_then(|addr| addr.name.as_deref())
            .unwrap_or("");
        let to: Vec<String> = message
            .to()
            .into_iter()
            .flat_map(|address| address.iter())
            .filter_map(|addr| addr.address.as_deref())
            .map(str::to_string)
            .collect();
        let delivered_to = ["Delivered-To", "X-Original-To", "Envelope-To"]
            .iter()
            .filter_map(|name| header_value(message, name))
            .map(super::text::strip_address)
            .collect();
        let failed_recipients = header_value(message, "X-Failed-Recipients")
            .map(|value| {
                super::text::addresses_in(value)
                    .into_iter()
                    .map(|(_, address)| address.to_string())
                    .collect()
            })
            .unwrap_or_default();
        Envelope {
            from_full: format!("{from_name} {from}").to_lowercase(),
            from,
            subject: message.subject().unwrap_or("").to_string(),
            to,
            delivered_to,
            failed_recipients,
            auto_submitted: header_value(message, "Auto-Submitted")
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
            precedence: header_value(message, "Precedence")
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
            has_autoreply_header: ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"]
                .iter()
                .any(|name| has_header(message, name)),
            unsubscribe_request: header_value(message, "X-Apple-Unsubscribe")
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true")),
            has_challenge_header: ["X-Boxbe-Notice", "X-Challenge", "X-Spam-Arrest"]
                .iter()
                .any(|name| has_header(message, name)),
        }
    }

    /// True when the sender is a mail system rather than a person (MAILER-DAEMON,
    /// postmaster, "Mail Delivery System").
    pub fn sent_by_mail_system(&self) -> bool {
        static SYSTEM: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(
                r"mailer-daemon|mail-daemon|postmaster|post_master|mail delivery|delivery subsystem|mail\.delivery|mdaemon|mailer_daemon|^\s*mail administrator|no-reply@sns\.amazonaws\.com|\bimss@",
            )
            .ok()
        });
        SYSTEM
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(&self.from_full))
    }

    /// True when the subject reads like a delivery failure notice.
    pub fn subject_says_bounce(&self) -> bool {
        static SUBJECT: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(
                r"(?i)undeliver|returned mail|delivery (status notification|failure|failed|notification|problem)|mail delivery|failure notice|failed mail|could not be delivered|not (been )?delivered|delivery (has )?failed|returning message|mail system error|non-?deliver|delayed mail|warning: message|error sending|delivery report|failure|unzustellbar|nicht zustellbar|rejected|message status",
            )
            .ok()
        });
        SUBJECT
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(&self.subject))
    }

    /// True when the headers or subject mark an automatic reply (RFC 3834 and the common
    /// vendor headers), which is never a failure.
    pub fn is_auto_reply(&self) -> bool {
        static SUBJECT: LazyLock<Option<Regex>> = LazyLock::new(|| {
            Regex::new(
                r"(?i)^(re:\s*)?(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|away from|away until|on vacation|vacation|abwesen|absence|\[?automatyczna)|\(automatic response\)|^thank you for your e-?mail|autoreply|auto-reply",
            )
            .ok()
        });
        let subject_says = SUBJECT
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(&self.subject));
        self.auto_submitted.starts_with("auto-replied")
            || self.has_autoreply_header
            || subject_says
            // "bulk" is what newsletters themselves send; only these two mark auto-replies.
            || matches!(self.precedence.as_str(), "auto_reply" | "junk")
    }

    /// True when the mail is a challenge/response request ("verify you are a person"): it
    /// looks like a bounce but says nothing about the address.
    pub fn is_challenge(&self) -> bool {
        self.has_challenge_header || self.from.ends_with("@boxbe.com")
    }
}
