//! E-mail addresses as Bounce Desk compares them: one normal form and one validity check, used
//! by the list importer, the store and the exports alike, so that an address on a list and the
//! same address in a bounce always meet.

/// Normalises an address as lists compare them: trimmed, without `<…>` or `mailto:`,
/// lower-cased.
pub fn normalize(value: &str) -> String {
    let value = value.trim().trim_start_matches('<').trim_end_matches('>');
    let value = value
        .strip_prefix("mailto:")
        .or_else(|| value.strip_prefix("MAILTO:"))
        .unwrap_or(value);
    value.trim().to_lowercase()
}

/// A strict check of what newsletter tools accept as an address: one `@`, a dot-atom local
/// part of at most 64 bytes, a domain of at least two labels with an alphabetic (or `xn--`)
/// top-level label, 254 bytes in all.
pub fn is_valid(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| atext(c) || c == '.');
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top_ok = labels.last().is_some_and(|top| {
        (top.len() >= 2 && top.chars().all(|c| c.is_ascii_alphabetic())) || top.starts_with("xn--")
    });
    local_ok
        && address.len() <= 254
        && domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && top_ok
}

/// The domain of an address, lower-cased ("" when there is none).
pub fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim().trim_end_matches('.').to_lowercase())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(normalize(" <Ann@Example.COM> "), "ann@example.com");
        assert_eq!(normalize("mailto:bo@x.org"), "bo@x.org");
        for good in [
            "ann@example.com",
            "a.b+tag@mail.example.co.uk",
            "x@xn--bcher-kva.example",
        ] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "a..b@x.org",
            "a@x",
            "a b@x.org",
            "a@-x.org",
            "a@x.1",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(domain_of("ann@Example.COM."), "example.com");
        assert_eq!(domain_of("nobody"), "");
    }
}
