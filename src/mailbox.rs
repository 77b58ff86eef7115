//! How one mailbox is reached, as the operator set it up: the TLS mode, how Bounce Desk signs
//! in (a password or OAuth 2.0 with the operator's registered application) and what it does on
//! the server after a message is stored. Neutral ground: the store keeps these, the sync and
//! the sign-in act on them, and neither depends on the other for them.

/// How the connection is secured; there is no plaintext mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain connection upgraded with STARTTLS (port 143); refused if the server does not
    /// offer it.
    Starttls,
}

impl TlsMode {
    /// The word stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Implicit => "implicit",
            TlsMode::Starttls => "starttls",
        }
    }

    /// Reads a stored or typed word.
    pub fn from_name(name: &str) -> Option<TlsMode> {
        match name {
            "implicit" => Some(TlsMode::Implicit),
            "starttls" => Some(TlsMode::Starttls),
            _ => None,
        }
    }
}

/// What to do on the server with a message once it is safely in the store. Off by default:
/// nothing on the server changes unless the operator asks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AfterSync {
    /// Leave the server as it was.
    #[default]
    Keep,
    /// Mark the message `\Seen`.
    MarkSeen,
    /// Move it to this folder (MOVE, or COPY + `\Deleted` + UID EXPUNGE).
    MoveTo(String),
    /// Delete it (`\Deleted` + UID EXPUNGE).
    Delete,
}

impl AfterSync {
    /// Reads a stored or typed action (`keep`, `seen`, `move` with its folder, `delete`);
    /// `None` for an unknown word or `move` without a folder.
    pub fn from_word(word: &str, move_to: Option<String>) -> Option<AfterSync> {
        match (word, move_to) {
            ("keep", _) => Some(AfterSync::Keep),
            ("seen", _) => Some(AfterSync::MarkSeen),
            ("move", Some(folder)) => Some(AfterSync::MoveTo(folder)),
            ("delete", _) => Some(AfterSync::Delete),
            _ => None,
        }
    }

    /// The word stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            AfterSync::Keep => "keep",
            AfterSync::MarkSeen => "seen",
            AfterSync::MoveTo(_) => "move",
            AfterSync::Delete => "delete",
        }
    }
}

/// How the account signs in to its mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SignIn {
    /// A password (or an app password), from the OS keyring, the environment or a prompt.
    #[default]
    Password,
    /// OAuth 2.0 (Microsoft 365, Outlook.com, Google, or any issuer with discovery).
    OAuth(OAuthApp),
}

impl SignIn {
    /// The word stored: `password` or `oauth`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SignIn::Password => "password",
            SignIn::OAuth(_) => "oauth",
        }
    }
}

/// The application the operator registered with their provider, through which Bounce Desk
/// asks for access to the mailbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthApp {
    /// `microsoft`, `google`, or the issuer's URL (its endpoints found by OpenID discovery).
    pub provider: String,
    /// The application (client) ID.
    pub client_id: String,
    /// The client secret, for providers that ask for one even from desktop apps (Google);
    /// such a secret is no secret for an installed app, but it is never printed.
    pub client_secret: Option<String>,
    /// Scopes to ask for instead of the provider's (a custom issuer's IMAP scope).
    pub scopes: Vec<String>,
    /// Sign in with a code typed on another device (RFC 8628) instead of the browser.
    pub device_code: bool,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("provider", &self.provider)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("scopes", &self.scopes)
            .field("device_code", &self.device_code)
            .finish()
    }
}
