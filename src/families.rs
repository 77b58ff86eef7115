//! Mailbox providers ("ISP families") by recipient domain: gmail.com and googlemail.com are
//! Google, hotmail/outlook/live/msn are Microsoft, and so on.
//!
//! A provider blocks or throttles a sender across all its domains at once, so charts and
//! sender-side alerts group by family. The table is `assets/rules/isp-families.txt`, plain
//! text that a person can extend.

use std::sync::LazyLock;

const TABLE: &str = include_str!("../assets/rules/isp-families.txt");

/// One table entry: a domain, or a name under any top-level domain (`hotmail.*`).
struct Entry {
    family: &'static str,
    domain: &'static str,
    any_tld: bool,
}

fn entries() -> &'static [Entry] {
    static ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
        let mut family = "";
        let mut entries = Vec::new();
        for line in TABLE.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                family = name.trim();
            } else if !family.is_empty() {
                let (domain, any_tld) = match line.strip_suffix(".*") {
                    Some(name) => (name, true),
                    None => (line, false),
                };
                entries.push(Entry {
                    family,
                    domain,
                    any_tld,
                });
            }
        }
        entries
    });
    &ENTRIES
}

/// True for what follows a provider's name under a country or generic top-level domain:
/// `com`, `fr`, `co.uk`, `com.br` — not `evil.example.com`.
fn is_public_suffix_like(rest: &str) -> bool {
    let labels: Vec<&str> = rest.split('.').collect();
    let country = |label: &str| label.len() == 2 && label.chars().all(|c| c.is_ascii_lowercase());
    match labels.as_slice() {
        [tld] => country(tld) || matches!(*tld, "com" | "net" | "org" | "info" | "biz"),
        [second, tld] => {
            country(tld) && matches!(*second, "co" | "com" | "net" | "org" | "ne" | "or")
        }
        _ => false,
    }
}

/// The provider family of a (lower-case) domain, if the table knows it.
pub fn family_of(domain: &str) -> Option<&'static str> {
    entries()
        .iter()
        .find(|entry| {
            if entry.any_tld {
                domain
                    .strip_prefix(entry.domain)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(is_public_suffix_like)
            } else {
                domain == entry.domain
            }
        })
        .map(|entry| entry.family)
}

/// The family, or the domain itself when no family is known: the label charts use.
pub fn group_of(domain: &str) -> &str {
    family_of(domain).unwrap_or(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family_of("gmail.com"), Some("Google"));
        assert_eq!(family_of("googlemail.com"), Some("Google"));
        assert_eq!(family_of("hotmail.co.uk"), Some("Microsoft"));
        assert_eq!(family_of("outlook.com"), Some("Microsoft"));
        assert_eq!(family_of("yahoo.co.jp"), Some("Yahoo Japan"));
        assert_eq!(family_of("yahoo.fr"), Some("Yahoo"));
        assert_eq!(family_of("hotmail.evil.example.com"), None);
        assert_eq!(family_of("hotmail.evil.com"), None);
        assert_eq!(family_of("yahoo.com.br"), Some("Yahoo"));
        assert_eq!(family_of("example.org"), None);
        assert_eq!(group_of("example.org"), "example.org");
        assert!(entries().len() > 60);
    }
}
