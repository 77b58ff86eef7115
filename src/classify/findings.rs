//! Gathers the evidence for each failed recipient of a report: from its RFC 3464 fields when
//! it has them, else from the plain notice, else from the headers that still name someone.
//!
//! This is where "who bounced" is decided; `verdict` then decides why. Keeping the two apart
//! lets each reader stay small and lets every recipient be judged by one set of rules.

use super::codes::StatusCode;
use super::dsn::{DeliveryStatus, FieldGroup};
use super::envelope::Envelope;
use super::model::{Action, Original};
use super::notice::{self, NoticeRecipient};
use super::original::VerpPattern;
use super::parts::Parts;
use super::text::{addresses_in, collapse_whitespace, prefix};
use regex::Regex;
use std::sync::LazyLock;

/// What the readers found for one recipient, before the verdict.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The failed address.
    pub recipient: String,
    /// What the server did.
    pub action: Action,
    /// The `Status:` field, if the report had one.
    pub field_status: Option<StatusCode>,
    /// The comment after the status code (`5.2.1 (mailbox disabled)`), which often says more
    /// than the code.
    pub status_comment: Option<String>,
    /// The server's words, whitespace collapsed.
    pub diagnostic: String,
    /// `Remote-MTA`.
    pub remote_mta: Option<String>,
    /// `Reporting-MTA`.
    pub reporting_mta: Option<String>,
    /// `Last-Attempt-Date`.
    pub last_attempt: Option<String>,
    /// True when the diagnostic is a local program's output (`X-Unix;`) rather than an SMTP
    /// reply, so its numbers are no reply codes.
    pub program_output: bool,
    /// Which reader found it, for the explanation.
    pub source: &'static str,
}

impl Finding {
    /// A recipient named only by prose.
    pub fn from_text(recipient: String, diagnostic: String, source: &'static str) -> Finding {
        Finding {
            recipient,
            action: Action::Failed,
            field_status: None,
            status_comment: None,
            diagnostic,
            remote_mta: None,
            reporting_mta: None,
            last_attempt: None,
            program_output: false,
            source,
        }
    }
}

/// The parts of a report the recipient readers need.
pub struct Sources<'a> {
    /// The report's headers.
    pub envelope: &'a Envelope,
    /// The report's parts by role.
    pub parts: &'a Parts<'a, 'a>,
    /// The notice, cut before the returned original.
    pub notice: &'a str,
    /// The returned original's headers.
    pub original: &'a Original,
    /// How VERP bounce addresses are written.
    pub verp: VerpPattern,
    /// True when the returned original is itself a report (a gateway wrapped it): then the
    /// outer message names nobody, and the inner one must be read instead.
    pub wraps_a_report: bool,
    /// What a plain notice says happened to the recipients it names: `Delayed` for a
    /// warning that the server is still trying, else `Failed`. (Status fields say it
    /// themselves, per recipient.)
    pub notice_action: Action,
}

/// Every recipient the report names as failed, delayed or delivered.
pub fn gather(sources: &Sources<'_>) -> Vec<Finding> {
    let mut not_recipients: Vec<String> = sources.envelope.to.clone();
    not_recipients.push(sources.envelope.from.clone());
    let in_notice = || notice::recipients(sources.notice, &not_recipients);
    let reports: Vec<DeliveryStatus> = if sources.parts.delivery_status.is_empty() {
        DeliveryStatus::parse(inline_report_text(&sources.parts.text))
            .into_iter()
            .collect()
    } else {
        sources
            .parts
            .delivery_status
            .iter()
            .filter_map(|text| DeliveryStatus::parse(text))
            .collect()
    };
    if !reports.is_empty() {
        // The notice is read for recipients only if some status group lacks a diagnostic.
        let cache = std::cell::OnceCell::new();
        let lazily = || cache.get_or_init(in_notice).as_slice();
        let mut found: Vec<Finding> = Vec::new();
        for finding in reports
            .iter()
            .flat_map(|report| from_status_fields(report, &lazily, sources))
        {
            // A pasted report may list a recipient twice, and groups naming a pipe all
            // resolve to the same failed addresses: one finding per address.
            if !found
                .iter()
                .any(|seen| seen.recipient.eq_ignore_ascii_case(&finding.recipient))
            {
                found.push(finding);
            }
        }
        return found;
    }
    if !looks_like_bounce(sources.envelope, sources.parts, sources.notice) {
        return Vec::new();
    }
    let mut found: Vec<Finding> = Vec::new();
    for recipient in in_notice() {
        for address in qualify(&recipient.address, sources.envelope, sources.notice) {
            // Qualifying a pipe or a local part can name an address twice: one finding each.
            match found
                .iter_mut()
                .find(|finding| finding.recipient.eq_ignore_ascii_case(&address))
            {
                Some(same) => {
                    same.diagnostic.push(' ');
                    same.diagnostic.push_str(&recipient.diagnostic);
                }
                None => found.push(Finding {
                    action: sources.notice_action,
                    ..Finding::from_text(address, recipient.diagnostic.clone(), "notice text")
                }),
            }
        }
    }
    if !found.is_empty() || sources.wraps_a_report {
        return found;
    }
    last_resort(sources)
}

/// The recipient when the notice names none: `X-Failed-Recipients` (the notice is then about
/// it), else the VERP bounce address, else the returned message's `To` (the notice's words
/// are then not known to be about it, so none are kept).
fn last_resort(sources: &Sources<'_>) -> Vec<Finding> {
    const SOURCE: &str = "report headers (the notice names no recipient)";
    let failed = &sources.envelope.failed_recipients;
    if !failed.is_empty() {
        let words = collapse_whitespace(sources.notice);
        return failed
            .iter()
            .map(|address| Finding {
                action: sources.notice_action,
                ..Finding::from_text(address.clone(), words.clone(), SOURCE)
            })
            .collect();
    }
    sources
        .envelope
        .delivered_to
        .iter()
        .filter_map(|own| sources.verp.decode(own))
        .chain(sources.original.to.clone())
        .take(1)
        .map(|address| Finding {
            action: sources.notice_action,
            ..Finding::from_text(address, String::new(), SOURCE)
        })
        .collect()
}

/// The part of a plain notice where inline status fields may stand: everything before a
/// pasted `Content-Type: message/rfc822`, since the returned original may hold a report too.
fn inline_report_text(notice: &str) -> &str {
    let lowered = notice.to_ascii_lowercase();
    lowered
        .find("content-type: message/rfc822")
        .and_then(|end| notice.get(..end))
        .unwrap_or(notice)
}

fn from_status_fields<'n>(
    report: &DeliveryStatus,
    in_notice: &dyn Fn() -> &'n [NoticeRecipient],
    sources: &Sources<'_>,
) -> Vec<Finding> {
    let reporting_mta = report.message.host("reporting-mta");
    report
        .recipients
        .iter()
        .flat_map(|group| {
            let named = group.recipient().unwrap_or_default();
            qualify(&named, sources.envelope, sources.notice)
                .into_iter()
                .map(|recipient| {
                    let diagnostic = diagnostic_for(group, &recipient, in_notice, sources.notice);
                    let status_field = group.get("status");
                    Finding {
                        action: group
                            .get("action")
                            .and_then(Action::parse)
                            .unwrap_or(Action::Failed),
                        field_status: status_field.and_then(StatusCode::parse),
                        status_comment: status_field.and_then(comment_of),
                        diagnostic,
                        remote_mta: group.host("remote-mta"),
                        reporting_mta: reporting_mta.clone(),
                        last_attempt: group.get("last-attempt-date").map(str::to_string),
                        program_output: group.diagnostic_is_program_output(),
                        source: "delivery-status fields",
                        recipient,
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `Diagnostic-Code`, completed by the notice's words for the same recipient when the
/// field carries no code (`X-Unix; 255`) or is missing.
fn diagnostic_for<'n>(
    group: &FieldGroup,
    recipient: &str,
    in_notice: &dyn Fn() -> &'n [NoticeRecipient],
    notice: &str,
) -> String {
    let field = group.diagnostic();
    if let Some(field) = field.as_ref().filter(|field| notice::has_code(field)) {
        return field.clone();
    }
    let in_notice = in_notice();
    let from_notice = in_notice
        .iter()
        .find(|found| found.address.eq_ignore_ascii_case(recipient))
        .map(|found| found.diagnostic.clone())
        .or_else(|| (in_notice.len() <= 1).then(|| collapse_whitespace(notice)));
    match (field, from_notice) {
        (Some(field), Some(words)) if !notice::has_code(&field) && notice::has_code(&words) => {
            format!("{words} {field}")
        }
        (Some(field), _) => field,
        (None, words) => words.unwrap_or_default(),
    }
}

/// The words after the code in a `Status:` field, without parentheses.
fn comment_of(status: &str) -> Option<String> {
    let (_, rest) = status.trim().split_once(char::is_whitespace)?;
    let comment = rest
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    (!comment.is_empty()).then(|| comment.to_string())
}

/// True when the headers, the structure or the opening of the notice say "delivery report",
/// so a plain notice is worth reading for recipients.
pub fn looks_like_bounce(envelope: &Envelope, parts: &Parts<'_, '_>, notice: &str) -> bool {
    envelope.sent_by_mail_system()
        || envelope.subject_says_bounce()
        || !envelope.failed_recipients.is_empty()
        || (parts.is_report && parts.report_type.as_deref() != Some("feedback-report"))
        || notice_says_bounce(notice)
}

fn notice_says_bounce(notice: &str) -> bool {
    static OPENING: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"(?i)could not be delivered to|was not delivered to|unable to deliver|undeliverable|following address(es)? failed",
        )
        .ok()
    });
    OPENING
        .as_ref()
        .is_some_and(|pattern| pattern.is_match(prefix(notice, 3_000)))
}

/// Turns a recipient named without a domain (a local part, a pipe, a mailbox file) into full
/// addresses: the failed addresses the header lists, else the `NAME@domain` forms the notice
/// itself spells out, else the reporting server's domain.
fn qualify(address: &str, envelope: &Envelope, notice: &str) -> Vec<String> {
    if let Some(domain) = address.strip_prefix('@') {
        // Only the domain is named (`Final-Recipient: rfc822; @example.org`): the notice
        // usually spells the whole address out, at that domain or (a relay's domain) as
        // the only address it names.
        let at_domain = format!("@{}", domain.to_ascii_lowercase());
        let mut named: Vec<&str> = addresses_in(notice)
            .into_iter()
            .map(|(_, found)| found)
            .filter(|found| {
                !envelope
                    .to
                    .iter()
                    .any(|own| own.eq_ignore_ascii_case(found))
                    && !envelope.from.eq_ignore_ascii_case(found)
            })
            .collect();
        named.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let at_that_domain = named
            .iter()
            .find(|found| found.to_ascii_lowercase().ends_with(&at_domain));
        let only_one = (named.len() == 1).then(|| named.first()).flatten();
        return vec![
            at_that_domain
                .or(only_one)
                .map_or(address, |found| found)
                .to_string(),
        ];
    }
    if address.contains('@') && !address.contains(['/', '|']) {
        return vec![address.to_string()];
    }
    if !envelope.failed_recipients.is_empty() {
        return envelope.failed_recipients.clone();
    }
    let local = address.trim_matches(|c: char| !c.is_alphanumeric());
    let plain_word = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    if !plain_word {
        return Vec::new();
    }
    let mut expansions: Vec<String> = notice
        .match_indices("NAME@")
        .filter_map(|(index, _)| {
            let domain: String = notice[index + "NAME@".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                .collect();
            let domain = domain.trim_end_matches('.');
            domain.contains('.').then(|| format!("{local}@{domain}"))
        })
        .collect();
    expansions.dedup();
    if expansions.is_empty() {
        expansions.extend(
            envelope
                .from
                .rsplit_once('@')
                .map(|(_, domain)| format!("{local}@{domain}")),
        );
    }
    expansions
}
