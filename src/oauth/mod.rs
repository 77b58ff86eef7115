//! Signing in to a mailbox with OAuth 2.0, for providers that no longer take passwords over
//! IMAP (Microsoft 365 and Outlook.com have switched basic authentication off; Google allows
//! it only through app passwords that Workspace admins may forbid).
//!
//! The operator registers an application with their provider once and gives its ID. Signing in
//! runs the authorization-code flow with PKCE (RFC 7636) in the system browser, redirected to a
//! one-shot listener on 127.0.0.1 (RFC 8252), or the device-code flow (RFC 8628) where there is
//! no browser. The refresh token goes to the OS keyring; access tokens stay in this process's
//! memory and are refreshed before they expire, or once when the server refuses one. A revoked
//! or expired grant is [`OAuthError::SignInAgain`]: that account stops until the operator signs
//! in again, and nothing else does.
//!
//! `oauth2` speaks the protocol; its HTTP goes through `ureq` on native-tls (the TLS stack the
//! IMAP side uses), never following a redirect, and to plain `http` only on the loopback.

mod flow;
mod http;
mod provider;
mod tokens;

pub use flow::{DeviceCode, sign_in_with_browser, sign_in_with_device_code};
pub use provider::{Provider, built_in_client_id};
pub use tokens::{Authorizer, forget_grant, has_grant, rename_grant};

/// What went wrong with a sign-in or a token, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// The grant is gone (revoked, expired, password changed) or was never given.
    #[error(
        "sign in again ({why}) — in the Accounts view, or `bouncedesk account login {account}`"
    )]
    SignInAgain {
        /// The account.
        account: String,
        /// What the provider said.
        why: String,
    },
    /// The provider refused a request.
    #[error("the provider refused {what}: {why}")]
    Refused {
        /// The request.
        what: &'static str,
        /// The provider's error and its description.
        why: String,
    },
    /// The operator (or their admin) declined in the browser.
    #[error("access was not granted: {0}")]
    Denied(String),
    /// The provider could not be reached or answered nonsense.
    #[error("cannot reach the provider: {0}; check the network and the provider's address")]
    Network(String),
    /// An address in the provider's settings is not acceptable.
    #[error("{0}")]
    BadAddress(String),
    /// The issuer's discovery document could not be used.
    #[error("cannot read {url}: {why}")]
    Discovery {
        /// The document's address.
        url: String,
        /// Why.
        why: String,
    },
    /// The browser could not be opened.
    #[error("cannot open the browser ({0}); open this address yourself: {1}")]
    Browser(String, String),
    /// No answer came back from the browser in time.
    #[error("no answer from the browser within {0} minutes; sign in again")]
    TimedOut(u64),
    /// The provider gave no refresh token, so the sign-in would not outlive the hour.
    #[error(
        "the provider gave access but no refresh token, so the sign-in would end within the hour; ask for the offline_access scope (or the provider's equivalent) and sign in again"
    )]
    NoRefreshToken,
    /// Cancelled by the operator.
    #[error("sign-in cancelled")]
    Cancelled,
    /// The OS keyring could not keep or give the refresh token.
    #[error("{0}")]
    Keyring(String),
    /// A local socket failed.
    #[error("the sign-in listener on 127.0.0.1 failed: {0}")]
    Listener(#[from] std::io::Error),
}
