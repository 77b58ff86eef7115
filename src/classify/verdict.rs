//! Turns the evidence for one recipient (action, codes, the server's words) into a reason, a
//! class and an explanation.
//!
//! Order of evidence: the server's words when a rule in `assets/rules/reasons.txt` recognises
//! them, then a specific enhanced status code, then what the action and the bare code still
//! tell. Generic codes (`5.0.0`, `5.7.1`, `550`) never beat words, because servers use them for
//! everything from "no such user" to "your IP is blocklisted".

use super::codes::StatusCode;
use super::model::{Action, Class, Reason};
use super::rules::{RuleSet, SmtpCommand};

/// What the reader found for one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// What the server did with the recipient.
    pub action: Action,
    /// The enhanced status code chosen for the recipient, if any.
    pub status: Option<StatusCode>,
    /// The `Status:` field as the report wrote it, which may differ from `status`.
    pub field_status: Option<StatusCode>,
    /// The SMTP reply code, if any.
    pub reply_code: Option<u16>,
    /// The server's words for this recipient, whitespace collapsed.
    pub diagnostic: &'a str,
    /// The whole notice, whitespace collapsed: where MTAs say which SMTP step failed.
    pub context: &'a str,
    /// True when the report names this recipient alone, so that words anywhere in the notice
    /// are about it (with several recipients, another one's words must not decide).
    pub sole_recipient: bool,
    /// True when the diagnostic is a local program's output (`X-Unix;`), not an SMTP reply.
    pub program_output: bool,
}

/// The decision for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Why delivery failed.
    pub reason: Reason,
    /// What the operator does about it.
    pub class: Class,
    /// Sisimai's `hardbounce`: the address itself is dead.
    pub hard_bounce: bool,
    /// Which rule or field decided, in words.
    pub why: String,
}

impl Evidence<'_> {
    /// A delay is temporary whatever code it quotes: the server is still trying.
    fn is_temporary(&self) -> bool {
        if self.action == Action::Delayed {
            return true;
        }
        match (self.status, self.reply_code) {
            (Some(status), _) => status.class == 4,
            (None, Some(code)) => code / 100 == 4,
            (None, None) => self.action == Action::Delayed,
        }
    }

    /// True when some code says the recipient address itself is unknown (x.1.1, x.1.0,
    /// x.1.3), which makes "user unknown" trustworthy whatever SMTP step it answered.
    fn a_code_names_the_address(&self) -> bool {
        self.status
            .into_iter()
            .chain(self.field_status)
            .chain(StatusCode::find_all(self.diagnostic))
            .any(|code| code.subject == 1 && matches!(code.detail, 0 | 1 | 3))
    }
}

/// Decides the reason, class and explanation for one recipient.
pub fn decide(evidence: &Evidence<'_>, rules: &RuleSet) -> Verdict {
    let (reason, why) = reason_for(evidence, rules);
    verdict(reason, why, evidence)
}

/// Builds the verdict for a reason that is already known (feedback reports, auto-replies,
/// labels given by hand), so that class and `hard_bounce` follow one rule everywhere.
pub fn verdict(reason: Reason, why: String, evidence: &Evidence<'_>) -> Verdict {
    let permanent = !evidence.is_temporary();
    let hard_bounce = match reason {
        Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
        Reason::NotAccept => permanent,
        _ => false,
    };
    let class = match reason.class() {
        Class::Hard if !permanent => Class::Soft,
        class => class,
    };
    Verdict {
        reason,
        class,
        hard_bounce,
        why,
    }
}

fn reason_for(evidence: &Evidence<'_>, rules: &RuleSet) -> (Reason, String) {
    if evidence.action.is_success() {
        return (Reason::Delivered, "Action: delivered".to_string());
    }
    let by_text = rules.match_text(evidence.diagnostic);
    let by_status = evidence
        .status
        .filter(|status| !rules.is_generic(*status))
        .and_then(|status| {
            rules
                .reason_for_status(status)
                .map(|reason| (status, reason))
        });
    if let Some((status, reason)) = by_status
        && rules.is_decisive(status)
        && by_text.is_none_or(|found| found.reason != reason)
    {
        return (
            reason,
            format!("status {status}: the sender's address was refused"),
        );
    }
    // The notice describes the dialogue in order; its last step, else the diagnostic's.
    let command = || {
        rules
            .command_in(evidence.context)
            .or_else(|| rules.command_in(evidence.diagnostic))
    };
    if let Some(found) = by_text {
        let answered_rcpt = || command() == Some(SmtpCommand::Rcpt);
        if found.reason == Reason::UserUnknown
            && !found.certain
            && !evidence.a_code_names_the_address()
            && !answered_rcpt()
        {
            return (
                Reason::Filtered,
                format!(
                    "text: \"{}\", but not in answer to RCPT TO: a filter refused the mail",
                    found.phrase
                ),
            );
        }
        return (found.reason, format!("text: \"{}\"", found.phrase));
    }
    if by_status.is_none()
        && evidence.sole_recipient
        && let Some(found) = rules.match_text(evidence.context)
    {
        return (found.reason, format!("notice text: \"{}\"", found.phrase));
    }
    if evidence.program_output {
        return (
            Reason::MailerError,
            "a local delivery program failed (X-Unix diagnostic)".to_string(),
        );
    }
    if let Some((status, reason)) = by_status {
        return (reason, format!("status {status}"));
    }
    if command() == Some(SmtpCommand::Connect) {
        return (
            Reason::Blocked,
            "refused at connection or HELO: the sending host was blocked".to_string(),
        );
    }
    if evidence.action == Action::Delayed {
        return (
            Reason::Expired,
            "Action: delayed, no other cause given".to_string(),
        );
    }
    if evidence.diagnostic.trim().is_empty() && evidence.status.is_none() {
        return (Reason::Undefined, "no code and no words".to_string());
    }
    let code = match (evidence.status, evidence.reply_code) {
        (Some(status), _) => format!("status {status}"),
        (None, Some(code)) => format!("reply code {code}"),
        (None, None) => "the server's words".to_string(),
    };
    (
        Reason::OnHold,
        format!("{code} say(s) too little to decide"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(action: Action, status: &str, diagnostic: &'static str) -> Evidence<'static> {
        Evidence {
            action,
            status: StatusCode::parse(status),
            field_status: StatusCode::parse(status),
            reply_code: super::super::codes::find_reply_code(diagnostic),
            diagnostic,
            context: "",
            sole_recipient: true,
            program_output: false,
        }
    }

    fn decide_builtin(evidence: &Evidence<'_>) -> Verdict {
        decide(evidence, RuleSet::builtin())
    }

    #[test]
    fn blocklisted_ip_behind_a_generic_code_is_the_sender() {
        let found = decide_builtin(&evidence(
            Action::Failed,
            "5.7.1",
            "550 5.7.1 Service unavailable; client host [192.0.2.9] blocked using zen.spamhaus.org",
        ));
        assert_eq!(found.reason, Reason::Blocked);
        assert_eq!(found.class, Class::Sender);
        assert!(!found.hard_bounce);
        assert!(found.why.starts_with("text:"), "{}", found.why);
    }

    #[test]
    fn specific_code_decides_when_text_says_nothing() {
        let found = decide_builtin(&evidence(Action::Failed, "5.1.1", "550 sorry"));
        assert_eq!(found.reason, Reason::UserUnknown);
        assert_eq!(found.class, Class::Hard);
        assert!(found.hard_bounce);
        assert_eq!(found.why, "status 5.1.1");
    }

    #[test]
    fn temporary_user_unknown_is_soft_but_still_sisimai_hard() {
        let found = decide_builtin(&evidence(Action::Failed, "4.1.1", "450 try later"));
        assert_eq!(found.reason, Reason::UserUnknown);
        assert_eq!(found.class, Class::Soft);
        assert!(found.hard_bounce);
    }

    #[test]
    fn a_delay_with_no_cause_is_expired_and_delivered_is_no_failure() {
        let delayed = decide_builtin(&evidence(Action::Delayed, "", "still trying"));
        assert_eq!(delayed.reason, Reason::Expired);
        assert_eq!(delayed.class, Class::Soft);
        let delivered = decide_builtin(&evidence(Action::Delivered, "2.0.0", "250 ok"));
        assert_eq!(delivered.reason, Reason::Delivered);
        assert_eq!(delivered.class, Class::NotBounce);
    }

    #[test]
    fn too_little_to_go_on_is_unknown() {
        let found = decide_builtin(&evidence(Action::Failed, "", "550 it did not work"));
        assert_eq!(found.reason, Reason::OnHold);
        assert_eq!(found.class, Class::Unknown);
        let nothing = decide_builtin(&evidence(Action::Failed, "", ""));
        assert_eq!(nothing.reason, Reason::Undefined);
    }

    #[test]
    fn user_unknown_after_data_is_a_filter() {
        let mut after_data = evidence(Action::Failed, "5.0.0", "550 User unknown");
        after_data.context = "host said: 550 User unknown (in reply to end of DATA command)";
        assert_eq!(decide_builtin(&after_data).reason, Reason::Filtered);
        let mut after_rcpt = after_data;
        after_rcpt.context = "host said: 550 User unknown (in reply to RCPT TO command)";
        assert_eq!(decide_builtin(&after_rcpt).reason, Reason::UserUnknown);
        let with_code = evidence(Action::Failed, "5.1.1", "550 5.1.1 User unknown");
        assert_eq!(decide_builtin(&with_code).reason, Reason::UserUnknown);
    }

    #[test]
    fn a_refused_sender_address_beats_the_words() {
        let found = decide_builtin(&evidence(
            Action::Failed,
            "5.1.8",
            "553 5.1.8 Domain of sender address does not exist",
        ));
        assert_eq!(found.reason, Reason::Rejected);
        assert_eq!(found.class, Class::Sender);
    }
}
