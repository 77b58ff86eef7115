//! The mail that bounced, as the report returns it: its Message-ID, List-Id, Subject and To,
//! and the VERP address the bounce was sent back to.
//!
//! These tie a bounce to a campaign and, when the report forgets to name the recipient, are
//! the last place to find it.

use super::model::Original;
use super::parts::Returned;
use super::text::strip_address;
use mail_parser::{Address, Message};

/// Reads the returned message's headers from an attached part, or from the text that follows
/// the "original message follows" marker in a plain notice.
pub fn read(returned: Option<Returned<'_, '_>>, inline_copy: Option<&str>) -> Original {
    match returned {
        Some(Returned::Message(message)) => from_message(message),
        Some(Returned::Headers(bytes)) => from_header_bytes(bytes),
        None => inline_copy
            .map(|text| from_header_bytes(text.trim_start().as_bytes()))
            .unwrap_or_default(),
    }
}

fn from_header_bytes(bytes: &[u8]) -> Original {
    super::parts::parser()
        .parse_headers(bytes)
        .map(|message| from_message(&message))
        .unwrap_or_default()
}

fn from_message(message: &Message<'_>) -> Original {
    Original {
        message_id: message.message_id().map(|id| format!("<{id}>")),
        list_id: super::parts::header_value(message, "List-Id")
            .map(super::text::collapse_whitespace)
            .filter(|value| !value.is_empty()),
        subject: message.subject().map(str::to_string),
        to: message.to().and_then(first_address),
    }
}

/// The first address of an address header, bare.
pub fn first_address(address: &Address<'_>) -> Option<String> {
    address
        .first()
        .and_then(|addr| addr.address.as_deref())
        .map(strip_address)
        .filter(|address| address.contains('@'))
}

/// How the sending tool wrote the recipient into the bounce address (VERP): for the default
/// `bounces+ann=example.com@lists.example.org`, the separator is `+` and `@` became `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerpPattern {
    /// Character between the fixed prefix and the encoded recipient.
    pub separator: char,
    /// Character that stands for the recipient's `@`.
    pub at_sign: char,
}

impl Default for VerpPattern {
    fn default() -> Self {
        VerpPattern {
            separator: '+',
            at_sign: '=',
        }
    }
}

impl VerpPattern {
    /// Decodes the recipient from a VERP bounce address, if it is one.
    pub fn decode(&self, bounce_address: &str) -> Option<String> {
        let (local, _host) = bounce_address.rsplit_once('@')?;
        let (_prefix, encoded) = local.split_once(self.separator)?;
        let (user, domain) = encoded.rsplit_once(self.at_sign)?;
        let valid = !user.is_empty() && domain.contains('.') && !domain.ends_with('.');
        valid.then(|| format!("{user}@{domain}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verp_default_and_custom() {
        let verp = VerpPattern::default();
        assert_eq!(
            verp.decode("bounces+ann.lee=example.com@lists.example.org")
                .as_deref(),
            Some("ann.lee@example.com")
        );
        assert_eq!(verp.decode("bounces@lists.example.org"), None);
        assert_eq!(verp.decode("a+b@c.org"), None);
        let custom = VerpPattern {
            separator: '-',
            at_sign: '#',
        };
        assert_eq!(custom.decode("b-x#y.org@h.org").as_deref(), Some("x@y.org"));
    }

    #[test]
    fn headers_from_inline_copy() {
        let copy = "\nMessage-ID: <n42@news.example.org>\nList-Id: Weekly <weekly.example.org>\n\
                    Subject: Issue 42\nTo: ann@example.com\n\nbody";
        let original = read(None, Some(copy));
        assert_eq!(
            original.message_id.as_deref(),
            Some("<n42@news.example.org>")
        );
        assert_eq!(original.subject.as_deref(), Some("Issue 42"));
        assert_eq!(original.to.as_deref(), Some("ann@example.com"));
        assert!(
            original
                .list_id
                .is_some_and(|id| id.contains("weekly.example.org"))
        );
    }
}
