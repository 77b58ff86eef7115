//! The sample messages shipped in `assets/samples` (written for this project) and the verdict
//! each must get, in LF and in CRLF form, since IMAP delivers CRLF.

use bouncedesk::classify::{Kind, classify};
use std::path::PathBuf;

/// file, kind, and per recipient: address, class, reason, status.
type Expected = (
    &'static str,
    Kind,
    &'static [(
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    )],
);

const EXPECTED: &[Expected] = &[
    (
        "postfix-user-unknown.eml",
        Kind::Bounce,
        &[("ann@example.com", "hard", "userunknown", Some("5.1.1"))],
    ),
    (
        "gmail-dmarc-rejection.eml",
        Kind::Bounce,
        &[(
            "bo.larsen@gmail.com",
            "sender",
            "authfailure",
            Some("5.7.26"),
        )],
    ),
    (
        "exim-mailbox-full-delayed.eml",
        Kind::Bounce,
        &[("carla@example.net", "soft", "mailboxfull", Some("4.2.2"))],
    ),
    (
        "qmail-two-recipients.eml",
        Kind::Bounce,
        &[
            ("dmitri@example.info", "hard", "userunknown", Some("5.1.1")),
            (
                "eva@gone.example.info",
                "hard",
                "hostunknown",
                Some("5.1.2"),
            ),
        ],
    ),
    (
        "arf-complaint.eml",
        Kind::Feedback,
        &[("farid@example.com", "complaint", "feedback", None)],
    ),
    (
        "vacation-reply.eml",
        Kind::Autoreply,
        &[("greta@example.se", "auto_reply", "vacation", None)],
    ),
    ("reader-reply.eml", Kind::Notbounce, &[]),
];

fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for &byte in bytes {
        if byte == b'\n' {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

#[test]
fn every_sample_gets_its_verdict_in_lf_and_crlf() {
    for (file, kind, recipients) in EXPECTED {
        let lf = sample(file);
        for (newline, bytes) in [("LF", lf.clone()), ("CRLF", to_crlf(&lf))] {
            let report = classify(&bytes);
            assert_eq!(report.kind, *kind, "{file} ({newline})");
            let got: Vec<_> = report
                .bounces
                .iter()
                .map(|b| {
                    (
                        b.recipient.as_str(),
                        b.class.as_str(),
                        b.reason.as_str(),
                        b.status.as_deref(),
                    )
                })
                .collect();
            assert_eq!(got, recipients.to_vec(), "{file} ({newline})");
            for bounce in &report.bounces {
                assert!(
                    !bounce.why.is_empty(),
                    "{file}: every verdict explains itself"
                );
            }
        }
    }
}

#[test]
fn the_returned_message_ties_the_bounce_to_its_campaign() {
    let report = classify(&sample("postfix-user-unknown.eml"));
    assert_eq!(
        report.original.message_id.as_deref(),
        Some("<issue-112.ann@news.example.org>")
    );
    assert_eq!(
        report.original.subject.as_deref(),
        Some("Weekly Notes #112: autumn reading")
    );
    assert!(
        report
            .original
            .list_id
            .as_deref()
            .is_some_and(|id| id.contains("weekly.news.example.org"))
    );
    let complaint = classify(&sample("arf-complaint.eml"));
    assert!(
        complaint
            .original
            .list_id
            .as_deref()
            .is_some_and(|id| id.contains("weekly.news.example.org")),
        "List-Id of an attached message/rfc822: {:?}",
        complaint.original
    );
    let qmail = classify(&sample("qmail-two-recipients.eml"));
    assert_eq!(
        qmail.original.message_id.as_deref(),
        Some("<issue-113@news.example.org>")
    );
}

#[test]
fn the_diagnostic_keeps_the_servers_words_and_hosts() {
    let report = classify(&sample("gmail-dmarc-rejection.eml"));
    let bounce = &report.bounces[0];
    assert!(bounce.diagnostic.contains("DMARC policy"));
    assert_eq!(
        bounce.remote_mta.as_deref(),
        Some("gmail-smtp-in.l.google.com")
    );
    assert_eq!(bounce.reporting_mta.as_deref(), Some("googlemail.com"));
    assert_eq!(bounce.reply_code, Some(550));
}

/// Delay warnings (with status fields or in plain words), read receipts (RFC 8098) and relay
/// reports are never failures: the first are recorded as delayed, the others name nobody as
/// failed (DESIGN.md, the classification contract).
#[test]
fn delays_receipts_and_relays_are_never_failures() {
    use bouncedesk::classify::Action;
    /// file, kind, and per recipient: address and what the server did.
    type Case = (&'static str, Kind, &'static [(&'static str, Action)]);
    let cases: &[Case] = &[
        ("read-receipt.eml", Kind::Notbounce, &[]),
        (
            "postfix-delayed.eml",
            Kind::Bounce,
            &[("ivan@slow.example.net", Action::Delayed)],
        ),
        (
            "exim-delay-warning.eml",
            Kind::Bounce,
            &[("julia@busy.example.com", Action::Delayed)],
        ),
        (
            "gmail-delayed.eml",
            Kind::Bounce,
            &[("kai@late.example.de", Action::Delayed)],
        ),
        (
            "relayed-report.eml",
            Kind::Delivered,
            &[("lena@legacy.example.com", Action::Relayed)],
        ),
    ];
    for (file, kind, recipients) in cases {
        let lf = sample(file);
        for (newline, bytes) in [("LF", lf.clone()), ("CRLF", to_crlf(&lf))] {
            let report = classify(&bytes);
            assert_eq!(report.kind, *kind, "{file} ({newline})");
            let got: Vec<_> = report
                .bounces
                .iter()
                .map(|b| (b.recipient.as_str(), b.action))
                .collect();
            assert_eq!(got, recipients.to_vec(), "{file} ({newline})");
            assert!(
                report.bounces.iter().all(|b| b.action != Action::Failed),
                "{file} ({newline}): no failure in it"
            );
        }
    }
}
