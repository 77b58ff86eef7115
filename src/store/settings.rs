//! The operator's settings, typed and checked: the policy's thresholds, the list bounce-rate
//! line, when sender-side bounces raise an alert, how the sending tool writes VERP addresses,
//! how long raw messages are kept, and the window's theme. Kept in the store's `settings` table, each under a readable key, so
//! that the window's Settings view and `bouncedesk settings KEY VALUE` change the same thing.

use super::{Result, Store, StoreError};
use crate::classify::VerpPattern;
use crate::policy::Thresholds;

/// The window's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    fn from_name(name: &str) -> Option<Theme> {
        [Theme::System, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|theme| theme.as_str() == name)
    }
}

/// Every setting, with its value in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// When soft bounces suppress an address.
    pub thresholds: Thresholds,
    /// The list bounce rate (percent) above which the dashboard warns.
    pub rate_line_percent: f64,
    /// Sender-side bounces from one provider in 30 days that raise an alert.
    pub alert_threshold: i64,
    /// How the sending tool writes the recipient into the bounce address.
    pub verp: VerpPattern,
    /// Days after which a message's raw bytes are dropped (its verdicts stay); 0 keeps them.
    pub raw_retention_days: u32,
    /// The window's colours.
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            thresholds: Thresholds::default(),
            rate_line_percent: 2.0,
            alert_threshold: 5,
            verp: VerpPattern::default(),
            raw_retention_days: 0,
            theme: Theme::System,
        }
    }
}

/// Every setting's key and what it means, in the order `bouncedesk settings` lists them.
pub const SETTING_KEYS: [(&str, &str); 9] = [
    (
        "policy.soft_bounces",
        "soft bounces in a row that suppress an address (1-50)",
    ),
    (
        "policy.soft_span_hours",
        "hours those soft bounces must span at least (0-2160)",
    ),
    (
        "policy.soft_reset_days",
        "days without a soft bounce after which the count starts over (1-365)",
    ),
    (
        "dashboard.rate_line_percent",
        "list bounce rate, in percent, above which the dashboard warns (0.1-50)",
    ),
    (
        "alerts.sender_bounces",
        "sender-side bounces from one provider in 30 days that raise an alert (1-100000)",
    ),
    (
        "verp.separator",
        "the character between the bounce address's prefix and the encoded recipient",
    ),
    (
        "verp.at_sign",
        "the character that stands for the recipient's @ in a VERP address",
    ),
    (
        "retention.raw_days",
        "days after which raw messages are dropped, verdicts kept (0 keeps them; 0-36500)",
    ),
    ("gui.theme", "the window's colours: system, light or dark"),
];

impl Settings {
    /// The value of `key` as text, as `bouncedesk settings` prints it.
    pub fn value_of(&self, key: &str) -> Option<String> {
        Some(match key {
            "policy.soft_bounces" => self.thresholds.soft_bounces.to_string(),
            "policy.soft_span_hours" => self.thresholds.soft_span_hours.to_string(),
            "policy.soft_reset_days" => self.thresholds.soft_reset_days.to_string(),
            "dashboard.rate_line_percent" => self.rate_line_percent.to_string(),
            "alerts.sender_bounces" => self.alert_threshold.to_string(),
            "verp.separator" => self.verp.separator.to_string(),
            "verp.at_sign" => self.verp.at_sign.to_string(),
            "retention.raw_days" => self.raw_retention_days.to_string(),
            "gui.theme" => self.theme.as_str().to_string(),
            _ => return None,
        })
    }

    /// Sets `key` from text; a value out of range or of the wrong kind is refused with what
    /// is allowed.
    pub fn set(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let mut next = self.clone();
        next.set_unchecked(key, value)?;
        if next.verp.separator == next.verp.at_sign {
            return Err("the VERP separator and @ sign must differ".to_string());
        }
        *self = next;
        Ok(())
    }

    fn set_unchecked(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        let allowed = SETTING_KEYS
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, meaning)| *meaning)
            .ok_or_else(|| format!("no setting `{key}` (see `bouncedesk settings`)"))?;
        let refuse = || format!("`{value}` does not fit {key}: {allowed}");
        let number = |low: u32, high: u32| {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (low..=high).contains(n))
                .ok_or_else(refuse)
        };
        let character = || {
            let mut chars = value.trim().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_alphanumeric() && c != '@' => Ok(c),
                _ => Err(refuse()),
            }
        };
        match key {
            "policy.soft_bounces" => self.thresholds.soft_bounces = number(1, 50)?,
            "policy.soft_span_hours" => self.thresholds.soft_span_hours = number(0, 2_160)?,
            "policy.soft_reset_days" => self.thresholds.soft_reset_days = number(1, 365)?,
            "dashboard.rate_line_percent" => {
                self.rate_line_percent = value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| (0.1..=50.0).contains(n))
                    .ok_or_else(refuse)?
            }
            "alerts.sender_bounces" => self.alert_threshold = i64::from(number(1, 100_000)?),
            "verp.separator" => self.verp.separator = character()?,
            "verp.at_sign" => self.verp.at_sign = character()?,
            "retention.raw_days" => self.raw_retention_days = number(0, 36_500)?,
            "gui.theme" => self.theme = Theme::from_name(value.trim()).ok_or_else(refuse)?,
            _ => return Err(refuse()),
        }
        Ok(())
    }
}

impl Store {
    /// The settings in force: what is stored, defaults for the rest (a stored value that no
    /// longer reads falls back to its default rather than stopping the app).
    pub fn settings(&self) -> Result<Settings> {
        let mut settings = Settings::default();
        for (key, _) in SETTING_KEYS {
            if let Some(value) = self.setting(key)? {
                let _ = settings.set(key, &value);
            }
        }
        Ok(settings)
    }

    /// Stores `settings`; when the policy's thresholds changed, every recipient is evaluated
    /// again under them. Returns how many recipient states changed.
    pub fn save_settings(&mut self, settings: &Settings) -> Result<usize> {
        let before = self.settings()?;
        for (key, _) in SETTING_KEYS {
            let value = settings
                .value_of(key)
                .ok_or_else(|| StoreError::Invalid(format!("setting {key}")))?;
            self.set_setting(key, &value)?;
        }
        if before.thresholds == settings.thresholds {
            Ok(0)
        } else {
            self.set_thresholds(&settings.thresholds)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("s.sqlite")).expect("store");
        let mut settings = store.settings().expect("read");
        assert_eq!(settings, Settings::default());
        settings.set("policy.soft_bounces", "4").expect("in range");
        settings.set("verp.separator", "-").expect("a character");
        settings.set("gui.theme", "dark").expect("a theme");
        assert!(settings.set("policy.soft_bounces", "0").is_err());
        assert!(settings.set("verp.at_sign", "-").is_err(), "must differ");
        assert!(settings.set("nosuch", "1").is_err());
        store.save_settings(&settings).expect("saved");
        let read = store.settings().expect("read");
        assert_eq!(read.thresholds.soft_bounces, 4);
        assert_eq!(read.verp.separator, '-');
        assert_eq!(read.theme, Theme::Dark);
        assert_eq!(store.thresholds().expect("read").soft_bounces, 4);
    }
}
