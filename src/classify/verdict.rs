//! Turns the evidence for one recipient (action, codes, the server's words) into a reason, a
//! class and an explanation.
//!
//! Order of evidence, first that decides wins: the server's words when a phrase of
//! `assets/rules/reasons.txt` recognises them; a specific enhanced status code; the SMTP step
//! (a refusal at connect is a block); the learned text model when it is sure enough; a generic
//! code (`5.0.0`, `4.7.0`, `5.3.0`), which servers use for everything from "no such user" to
//! "your IP is blocklisted" and so only decides when nothing else does; else the review queue.

use super::codes::StatusCode;
use super::learned::TextModel;
use super::model::{Action, Class, Reason};
use super::own_rules::OwnRule;
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
    /// Every enhanced code written in `diagnostic`, in order (found once: several rules ask).
    pub text_codes: &'a [StatusCode],
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

    /// Every enhanced code the report gives for this recipient: the chosen one, the field's,
    /// and those written in the server's words.
    fn codes(&self) -> impl Iterator<Item = StatusCode> + '_ {
        self.status
            .into_iter()
            .chain(self.field_status)
            .chain(self.text_codes.iter().copied())
    }

    /// True when some code files the failure under the addressing subject (x.1.y): the
    /// server's own code then says "this address", which makes "user unknown" trustworthy
    /// whatever SMTP step it answered. (The sender's x.1.7/x.1.8 never reach here: they decide
    /// earlier.)
    fn a_code_names_the_address(&self) -> bool {
        self.codes().any(|code| code.subject == 1)
    }

    /// True when some code files the refusal under policy rather than the address: a
    /// security or policy code (x.7.y other than the generic x.7.0), or x.2.0, the "other
    /// mailbox status" that servers give their recipients' own filters. The server's own code
    /// then says that a rule, not the address book, turned the mail away.
    fn a_code_files_it_under_policy(&self) -> bool {
        self.codes().any(|code| match code.subject {
            2 => code.detail == 0,
            7 => code.detail != 0,
            _ => false,
        })
    }
}

/// Decides the reason, class and explanation for one recipient.
pub fn decide(evidence: &Evidence<'_>, rules: &RuleSet, model: &TextModel) -> Verdict {
    let (reason, why) = reason_for(evidence, rules, model);
    verdict(reason, why, evidence)
}

/// The verdict of one of the operator's own rules: its class and reason, whatever the tables
/// would say (a rule exists to overrule them).
pub fn by_own_rule(rule: &OwnRule, evidence: &Evidence<'_>) -> Verdict {
    let known = verdict(rule.reason, rule.describe(), evidence);
    Verdict {
        class: rule.class,
        ..known
    }
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

fn reason_for(evidence: &Evidence<'_>, rules: &RuleSet, model: &TextModel) -> (Reason, String) {
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
    let step = std::cell::OnceCell::new();
    let command = || {
        *step.get_or_init(|| {
            rules
                .command_in(evidence.context)
                .or_else(|| rules.command_in(evidence.diagnostic))
        })
    };
    if let Some(found) = by_text {
        // "User unknown" is demoted to a filter's refusal only on positive evidence: the
        // reply answered DATA (the recipient had been accepted already), or, when no step is
        // stated, its code files the refusal elsewhere than the address. The absence of a
        // stated SMTP step proves nothing.
        if found.reason == Reason::UserUnknown
            && !found.certain
            && !evidence.a_code_names_the_address()
        {
            let filter_evidence = match command() {
                Some(SmtpCommand::Data) => {
                    Some("in answer to DATA, after the recipient was accepted")
                }
                None if evidence.a_code_files_it_under_policy() => Some("under a policy code"),
                _ => None,
            };
            if let Some(filter_evidence) = filter_evidence {
                return (
                    Reason::Filtered,
                    format!(
                        "text: \"{}\", but {filter_evidence}: a filter refused the mail",
                        found.phrase
                    ),
                );
            }
        }
        return refine(
            found.reason,
            format!("text: \"{}\"", found.phrase),
            evidence,
        );
    }
    if by_status.is_none()
        && evidence.sole_recipient
        && let Some(found) = rules.match_text(evidence.context)
    {
        return refine(
            found.reason,
            format!("notice text: \"{}\"", found.phrase),
            evidence,
        );
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
    match command() {
        Some(SmtpCommand::Connect) => {
            return (
                Reason::Blocked,
                "refused at connection or HELO: the sending host was blocked".to_string(),
            );
        }
        Some(SmtpCommand::Mail) => {
            return (
                Reason::Rejected,
                "refused at MAIL FROM: the sender's address was refused".to_string(),
            );
        }
        _ => {}
    }
    if let Some(guess) = model
        .guess(evidence.diagnostic)
        .filter(|guess| guess.probability >= TextModel::THRESHOLD)
    {
        return (guess.reason, format!("model (p={:.2})", guess.probability));
    }
    if evidence.action == Action::Delayed {
        return (
            Reason::Expired,
            "Action: delayed, no other cause given".to_string(),
        );
    }
    if let Some((status, reason)) = evidence.status.and_then(|status| {
        rules
            .reason_for_status(status)
            .map(|reason| (status, reason))
    }) {
        return (
            reason,
            format!("status {status}, a generic code, and nothing more specific"),
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

/// What the codes add to a reason the words gave, where the two speak of the same thing:
/// - a network failure in a report that failed for good while every code in it is temporary
///   means the sender retried until its queue lifetime ran out (RFC 3463 X.4.7): `expired`;
/// - an unknown user under x.1.6 is one that moved away (RFC 3463);
/// - a size refusal is the recipient's own limit under x.2.3 and the system's under x.3.4
///   (RFC 3463), whatever words the server chose.
fn refine(reason: Reason, why: String, evidence: &Evidence<'_>) -> (Reason, String) {
    let has_code = |subject: u16, detail: u16| {
        evidence
            .codes()
            .any(|code| code.subject == subject && code.detail == detail)
    };
    match reason {
        Reason::NetworkError if evidence.action == Action::Failed && evidence.is_temporary() => (
            Reason::Expired,
            format!("{why} in a failed report with only temporary codes: the sender gave up"),
        ),
        Reason::UserUnknown if has_code(1, 6) => (
            Reason::HasMoved,
            format!("{why}, under x.1.6: the mailbox moved and left no forwarding address"),
        ),
        Reason::MesgTooBig if has_code(2, 3) => (
            Reason::ExceedLimit,
            format!("{why}, under x.2.3: the recipient's own size limit"),
        ),
        Reason::ExceedLimit if has_code(3, 4) => (
            Reason::MesgTooBig,
            format!("{why}, under x.3.4: the system's size limit"),
        ),
        _ => (reason, why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(action: Action, status: &str, diagnostic: &'static str) -> Evidence<'static> {
        let text_codes: Vec<StatusCode> = StatusCode::find_all(diagnostic).collect();
        Evidence {
            text_codes: Box::leak(text_codes.into_boxed_slice()),
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
        decide(evidence, RuleSet::builtin(), &TextModel::default())
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
    fn user_unknown_is_demoted_only_on_evidence() {
        let no_step = evidence(Action::Failed, "5.0.0", "550 User unknown");
        assert_eq!(
            decide_builtin(&no_step).reason,
            Reason::UserUnknown,
            "no stated step is no evidence of a filter"
        );
        let policy = evidence(Action::Failed, "5.7.1", "550 5.7.1 User unknown");
        let found = decide_builtin(&policy);
        assert_eq!(found.reason, Reason::Filtered);
        assert!(found.why.contains("policy code"), "{}", found.why);
        let mut policy_at_rcpt = policy;
        policy_at_rcpt.context = "(in reply to RCPT TO command)";
        assert_eq!(decide_builtin(&policy_at_rcpt).reason, Reason::UserUnknown);
    }

    #[test]
    fn codes_refine_what_the_words_said() {
        let gave_up = evidence(
            Action::Failed,
            "4.4.1",
            "connect to mx.example.org[192.0.2.1]:25: Connection timed out",
        );
        let found = decide_builtin(&gave_up);
        assert_eq!(found.reason, Reason::Expired, "{}", found.why);
        let still_trying = Evidence {
            action: Action::Delayed,
            ..gave_up
        };
        assert_eq!(decide_builtin(&still_trying).reason, Reason::NetworkError);
        let mailbox_limit = evidence(
            Action::Failed,
            "5.2.3",
            "552 5.2.3 Message size exceeds fixed maximum message size",
        );
        assert_eq!(decide_builtin(&mailbox_limit).reason, Reason::ExceedLimit);
    }

    #[test]
    fn the_model_decides_only_when_nothing_else_does_and_is_sure() {
        let mut trainer = crate::classify::Trainer::new();
        for _ in 0..5 {
            trainer.add_document("zorglub frobnicated the mail", Reason::Blocked);
            trainer.add_document("quux wibble", Reason::MailboxFull);
        }
        let model = trainer.finish(1);
        let unknown_words = evidence(Action::Failed, "", "550 zorglub frobnicated the mail");
        let found = decide(&unknown_words, RuleSet::builtin(), &model);
        assert_eq!(found.reason, Reason::Blocked);
        assert!(found.why.starts_with("model (p="), "{}", found.why);
        let with_code = evidence(Action::Failed, "5.2.2", "552 5.2.2 zorglub frobnicated");
        assert_eq!(
            decide(&with_code, RuleSet::builtin(), &model).reason,
            Reason::MailboxFull,
            "a specific code beats the model"
        );
        let generic = evidence(Action::Failed, "5.0.0", "550 5.0.0 something else entirely");
        assert_eq!(
            decide(&generic, RuleSet::builtin(), &model).reason,
            Reason::OnHold,
            "unknown words: no guess, and x.0.0 says nothing"
        );
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
