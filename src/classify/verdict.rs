//! Turns the evidence for one recipient (action, codes, the server's words) into a reason, a
//! class and an explanation.
//!
//! Order of evidence: the server's words when a rule in `assets/rules/reasons.txt` recognises
//! them, then a specific enhanced status code, then what the action and the bare code still
//! tell. Generic codes (`5.0.0`, `5.7.1`, `550`) never beat words, because servers use them for
//! everything from "no such user" to "your IP is blocklisted".

use super::codes::StatusCode;
use super::model::{Action, Class, Reason};
use super::rules::RuleSet;

/// What the reader found for one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// What the server did with the recipient.
    pub action: Action,
    /// The enhanced status code, if any.
    pub status: Option<StatusCode>,
    /// The SMTP reply code, if any.
    pub reply_code: Option<u16>,
    /// The server's words, whitespace collapsed.
    pub diagnostic: &'a str,
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
    fn is_temporary(&self) -> bool {
        match (self.status, self.reply_code) {
            (Some(status), _) => status.class == 4,
            (None, Some(code)) => code / 100 == 4,
            (None, None) => self.action == Action::Delayed,
        }
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
    match evidence.action {
        Action::Delivered | Action::Relayed | Action::Expanded => {
            return (Reason::Delivered, "Action: delivered".to_string());
        }
        Action::Failed | Action::Delayed => {}
    }
    let lowered = evidence.diagnostic.to_ascii_lowercase();
    let by_text = rules.match_text(&lowered);
    let specific_status = evidence.status.filter(|status| !status.is_generic());
    let by_status = specific_status.and_then(|status| {
        rules
            .reason_for_status(status)
            .map(|reason| (status, reason))
    });
    if let Some(found) = by_text {
        return (found.reason, format!("text: \"{}\"", found.phrase));
    }
    if let Some((status, reason)) = by_status {
        return (reason, format!("status {status}"));
    }
    if evidence.action == Action::Delayed {
        return (
            Reason::Expired,
            "Action: delayed, no other cause given".to_string(),
        );
    }
    match (evidence.status, evidence.reply_code) {
        (Some(status), _) => (
            Reason::OnHold,
            format!("status {status} says too little to decide"),
        ),
        (None, Some(code)) => (
            Reason::OnHold,
            format!("reply code {code} says too little to decide"),
        ),
        (None, None) => (
            Reason::Undefined,
            "no code and no recognised text".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(action: Action, status: &str, diagnostic: &'static str) -> Evidence<'static> {
        Evidence {
            action,
            status: StatusCode::parse(status),
            reply_code: super::super::codes::find_reply_code(diagnostic),
            diagnostic,
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
    fn nothing_to_go_on_is_undefined_and_unknown() {
        let found = decide_builtin(&evidence(Action::Failed, "", "it did not work"));
        assert_eq!(found.reason, Reason::Undefined);
        assert_eq!(found.class, Class::Unknown);
    }
}
