//! The verdicts the engine hands to the rest of the app: what kind of mail a message is, and
//! one [`Bounce`] per recipient that failed or was delayed.
//!
//! These types are the classification contract of `DESIGN.md`; the store, the policy and the
//! GUI read them and nothing else, so every field an operator might ask about lives here.

use serde::Serialize;
use std::fmt;

/// What a message in the bounce mailbox is, before any per-recipient detail.
///
/// The operator's mailbox holds more than bounces; telling them apart first is what keeps a
/// vacation reply or a newsletter from ever touching the subscriber list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A non-delivery or delay report for one or more recipients.
    Bounce,
    /// An RFC 3834 automatic reply (vacation, out of office).
    Autoreply,
    /// An RFC 5965 feedback-loop report (a complaint).
    Feedback,
    /// A report that says the mail was delivered, relayed or expanded.
    Delivered,
    /// Anything else: human replies, newsletters, spam, challenge/response.
    Notbounce,
}

impl Kind {
    /// Reads a stored word.
    pub fn from_name(name: &str) -> Option<Kind> {
        [
            Kind::Bounce,
            Kind::Autoreply,
            Kind::Feedback,
            Kind::Delivered,
            Kind::Notbounce,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }

    /// The word used in JSON output and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bounce => "bounce",
            Kind::Autoreply => "autoreply",
            Kind::Feedback => "feedback",
            Kind::Delivered => "delivered",
            Kind::Notbounce => "notbounce",
        }
    }
}

/// What the operator does about a bounce; the unit the policy acts on.
///
/// `Sender` exists so that a bounce caused by the sending side (blocklisted IP, failed DMARC)
/// can never remove a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The address is dead: suppress at once.
    Hard,
    /// A temporary failure on the recipient's side: suppress only after repeated failures.
    Soft,
    /// The sender's own problem: keep the address, alert the operator.
    Sender,
    /// The recipient complained: suppress.
    Complaint,
    /// An automatic reply: ignore.
    AutoReply,
    /// Could not be decided: a person labels it in the review queue.
    Unknown,
    /// No failure at all.
    NotBounce,
}

impl Class {
    /// Every class, in the order the GUI lists them.
    pub const ALL: [Class; 7] = [
        Class::Hard,
        Class::Soft,
        Class::Sender,
        Class::Complaint,
        Class::AutoReply,
        Class::Unknown,
        Class::NotBounce,
    ];

    /// Reads a stored word.
    pub fn from_name(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|class| class.as_str() == name)
    }

    /// The word used in JSON output and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Hard => "hard",
            Class::Soft => "soft",
            Class::Sender => "sender",
            Class::Complaint => "complaint",
            Class::AutoReply => "auto_reply",
            Class::Unknown => "unknown",
            Class::NotBounce => "not_bounce",
        }
    }
}

macro_rules! reasons {
    ($($variant:ident => $word:literal, $class:ident;)*) => {
        /// Why delivery failed, in the vocabulary Sisimai made the de-facto standard, so that
        /// operators and other tools can compare verdicts word for word.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason {
            $(
                #[doc = concat!("`", $word, "`")]
                $variant,
            )*
        }

                impl Reason {
            /// Every reason, in the order of the table (for pickers).
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The reason's public name.
            pub fn as_str(self) -> &'static str {
                match self { $(Reason::$variant => $word,)* }
            }

            /// Reads a public reason name (as written in rule tables and labels).
            pub fn from_name(name: &str) -> Option<Reason> {
                match name { $($word => Some(Reason::$variant),)* _ => None }
            }

            /// The class this reason belongs to when the failure is permanent or the reason
            /// alone decides (see `DESIGN.md`, the classification contract).
            pub fn class(self) -> Class {
                match self { $(Reason::$variant => Class::$class,)* }
            }
        }
    };
}

reasons! {
    UserUnknown => "userunknown", Hard;
    HostUnknown => "hostunknown", Hard;
    HasMoved => "hasmoved", Hard;
    NotAccept => "notaccept", Hard;
    MailboxFull => "mailboxfull", Soft;
    ExceedLimit => "exceedlimit", Soft;
    MesgTooBig => "mesgtoobig", Soft;
    Suspend => "suspend", Soft;
    Expired => "expired", Soft;
    NetworkError => "networkerror", Soft;
    SystemError => "systemerror", Soft;
    SystemFull => "systemfull", Soft;
    TooManyConn => "toomanyconn", Soft;
    MailerError => "mailererror", Soft;
    Blocked => "blocked", Sender;
    BadReputation => "badreputation", Sender;
    AuthFailure => "authfailure", Sender;
    RequirePtr => "requireptr", Sender;
    SpamDetected => "spamdetected", Sender;
    VirusDetected => "virusdetected", Sender;
    PolicyViolation => "policyviolation", Sender;
    Filtered => "filtered", Sender;
    Rejected => "rejected", Sender;
    NoRelaying => "norelaying", Sender;
    Speeding => "speeding", Sender;
    SecurityError => "securityerror", Sender;
    ContentError => "contenterror", Sender;
    NotCompliantRfc => "notcompliantrfc", Sender;
    SyntaxError => "syntaxerror", Sender;
    FailedStartTls => "failedstarttls", Sender;
    Feedback => "feedback", Complaint;
    Vacation => "vacation", AutoReply;
    OnHold => "onhold", Unknown;
    Undefined => "undefined", Unknown;
    Delivered => "delivered", NotBounce;
    Suppressed => "suppressed", Sender;
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What the reporting server did with the recipient (RFC 3464 `Action`).
///
/// Only `Failed` counts toward suppression; `Delayed` means the server is still trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Delivery failed for good.
    Failed,
    /// Delivery is late; the server will retry.
    Delayed,
    /// Delivered to the recipient.
    Delivered,
    /// Handed on to a system that sends no reports.
    Relayed,
    /// Delivered to a list or alias that expanded it.
    Expanded,
}

impl Action {
    /// True when the mail got through (delivered, relayed or expanded): no failure at all.
    pub fn is_success(self) -> bool {
        matches!(self, Action::Delivered | Action::Relayed | Action::Expanded)
    }

    /// The word stored (the RFC 3464 spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered",
            Action::Relayed => "relayed",
            Action::Expanded => "expanded",
        }
    }

    /// Reads an RFC 3464 action value; unknown words give `None`.
    pub fn parse(value: &str) -> Option<Action> {
        let word = value.trim().split([' ', '(', ';']).next().unwrap_or("");
        match word.to_ascii_lowercase().as_str() {
            "failed" | "failure" => Some(Action::Failed),
            "delayed" => Some(Action::Delayed),
            "delivered" | "deliverable" => Some(Action::Delivered),
            "relayed" => Some(Action::Relayed),
            "expanded" => Some(Action::Expanded),
            _ => None,
        }
    }
}

/// Headers of the returned original message, so the operator can see which campaign bounced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Original {
    /// `Message-ID` of the mail that bounced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// `List-Id` of the mail that bounced: which newsletter it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_id: Option<String>,
    /// `Subject` of the mail that bounced: which issue of the newsletter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// `To` of the mail that bounced: a last resort for the recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// One failed (or delayed) recipient, with everything needed to act on it and to explain why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bounce {
    /// The address that bounced, lower-cased domain, as the report names it.
    pub recipient: String,
    /// What the reporting server did.
    pub action: Action,
    /// Enhanced status code `X.Y.Z` (RFC 3463), when the report or its text carries one.
    pub status: Option<String>,
    /// SMTP reply code (`550`), when the report or its text carries one.
    pub reply_code: Option<u16>,
    /// Why it failed.
    pub reason: Reason,
    /// What the operator does about it.
    pub class: Class,
    /// True when the address itself is dead (Sisimai's `hardbounce`).
    pub hard_bounce: bool,
    /// The server's own words, whitespace collapsed.
    pub diagnostic: String,
    /// The server that refused the mail (`Remote-MTA`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_mta: Option<String>,
    /// The server that wrote the report (`Reporting-MTA`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting_mta: Option<String>,
    /// `Last-Attempt-Date`, as written, if present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<String>,
    /// ARF `Feedback-Type` for complaints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_type: Option<String>,
    /// Which field or rule decided the reason, so the GUI can explain the verdict.
    pub why: String,
}

/// Everything the engine learned from one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the message is.
    pub kind: Kind,
    /// One entry per failed, delayed or (for delivery reports) delivered recipient.
    pub bounces: Vec<Bounce>,
    /// Headers of the returned original message, where the report carries them.
    pub original: Original,
    /// Oddities met on the way (unparsable MIME, a report with no recipient …): the verdict
    /// still stands, but the GUI shows these so a person can check.
    pub anomalies: Vec<String>,
    /// The report's `Date` as Unix seconds, when it has a readable one: when the bounce
    /// happened, for charts and for the soft-bounce policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<i64>,
}
