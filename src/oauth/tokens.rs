//! Where an account's grant lives: the refresh token in the OS keyring (service
//! `bouncedesk-oauth`, one entry per account), never in the store, a file or a log; access
//! tokens in this process's memory only, each until a minute before it expires.

use super::provider::Provider;
use super::{OAuthError, flow, http};
use crate::mailbox::OAuthApp;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{AuthType, ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The keyring service the refresh tokens are kept under.
const SERVICE: &str = "bouncedesk-oauth";

/// An access token is renewed this long before the provider says it expires.
const MARGIN: Duration = Duration::from_secs(60);

/// How long an access token is taken to last when the provider does not say.
const UNSAID_LIFETIME: Duration = Duration::from_secs(3600);

struct Cached {
    token: SecretString,
    good_until: Instant,
}

fn cached() -> &'static Mutex<HashMap<String, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn entry(account: &str) -> Result<keyring::Entry, OAuthError> {
    keyring::Entry::new(SERVICE, account)
        .map_err(|error| OAuthError::Keyring(crate::secrets::in_words(&error)))
}

fn stored_refresh_token(account: &str) -> Result<Option<SecretString>, OAuthError> {
    match entry(account)?.get_password() {
        Ok(token) => Ok(Some(SecretString::from(token))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(OAuthError::Keyring(crate::secrets::in_words(&error))),
    }
}

/// Keeps what a sign-in gave for `account`, which must include a refresh token: without one
/// the sign-in would end with its first access token.
pub(super) fn keep_sign_in(account: &str, response: &BasicTokenResponse) -> Result<(), OAuthError> {
    if response.refresh_token().is_none() {
        return Err(OAuthError::NoRefreshToken);
    }
    keep(account, response)
}

/// Keeps what a sign-in or a refresh gave for `account`: a new refresh token (providers may
/// rotate it) to the keyring, the access token in memory.
fn keep(account: &str, response: &BasicTokenResponse) -> Result<(), OAuthError> {
    if let Some(refresh) = response.refresh_token() {
        entry(account)?
            .set_password(refresh.secret())
            .map_err(|error| {
                OAuthError::Keyring(format!(
                    "{}; the sign-in worked but cannot be kept, so the next sync would ask again",
                    crate::secrets::in_words(&error)
                ))
            })?;
    }
    let lifetime = response.expires_in().unwrap_or(UNSAID_LIFETIME);
    if let Ok(mut cache) = cached().lock() {
        cache.insert(
            account.to_string(),
            Cached {
                token: SecretString::from(response.access_token().secret().clone()),
                good_until: Instant::now() + lifetime.saturating_sub(MARGIN),
            },
        );
    }
    Ok(())
}

/// True when `account` has a grant in the keyring (it signed in, and no refresh since was
/// told the grant is gone).
pub fn has_grant(account: &str) -> Result<bool, OAuthError> {
    Ok(stored_refresh_token(account)?.is_some())
}

/// Forgets `account`'s grant here (an account removed or renamed away): the keyring entry and
/// the token in memory. The provider's own record of the grant stays until revoked there.
pub fn forget_grant(account: &str) -> Result<(), OAuthError> {
    if let Ok(mut cache) = cached().lock() {
        cache.remove(account);
    }
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(OAuthError::Keyring(crate::secrets::in_words(&error))),
    }
}

/// Moves `old`'s grant to the account's new name (an account renamed).
pub fn rename_grant(old: &str, new: &str) -> Result<(), OAuthError> {
    if let Some(token) = stored_refresh_token(old)? {
        entry(new)?
            .set_password(token.expose_secret())
            .map_err(|error| OAuthError::Keyring(crate::secrets::in_words(&error)))?;
        forget_grant(old)?;
    }
    Ok(())
}

/// Hands out access tokens for one account, refreshing them as needed.
#[derive(Debug, Clone)]
pub struct Authorizer {
    account: String,
    app: OAuthApp,
}

impl Authorizer {
    /// Tokens for `account`, registered through `app`.
    pub fn new(account: &str, app: &OAuthApp) -> Authorizer {
        Authorizer {
            account: account.to_string(),
            app: app.clone(),
        }
    }

    /// An access token good for at least a minute more: the one in memory, else a new one
    /// from the refresh token.
    pub fn access_token(&self) -> Result<SecretString, OAuthError> {
        if let Ok(cache) = cached().lock()
            && let Some(cached) = cache.get(&self.account)
            && Instant::now() < cached.good_until
        {
            return Ok(cached.token.clone());
        }
        self.refresh()
    }

    /// The server refused the token it was given: forget it, so the next
    /// [`access_token`](Self::access_token) asks for a new one.
    pub fn refused(&self) {
        if let Ok(mut cache) = cached().lock() {
            cache.remove(&self.account);
        }
    }

    fn refresh(&self) -> Result<SecretString, OAuthError> {
        let Some(refresh) = stored_refresh_token(&self.account)? else {
            return Err(OAuthError::SignInAgain {
                account: self.account.clone(),
                why: "not signed in on this computer yet".to_string(),
            });
        };
        let provider = Provider::for_app(&self.app)?;
        http::check_address(&provider.token_url)?;
        let token_url = oauth2::TokenUrl::new(provider.token_url.clone())
            .map_err(|error| OAuthError::BadAddress(error.to_string()))?;
        let mut client = BasicClient::new(ClientId::new(self.app.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
        if let Some(secret) = &self.app.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.clone()));
        }
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh.expose_secret().to_string()))
            .request(&http::send)
            .map_err(|error| match error {
                RequestTokenError::ServerResponse(response)
                    if *response.error() == BasicErrorResponseType::InvalidGrant =>
                {
                    // Gone for good: the keyring stops claiming a sign-in.
                    let _ = forget_grant(&self.account);
                    OAuthError::SignInAgain {
                        account: self.account.clone(),
                        why: format!("the provider no longer accepts the sign-in: {response}"),
                    }
                }
                other => flow::refused("a new access token", other),
            })?;
        keep(&self.account, &response)?;
        Ok(SecretString::from(response.access_token().secret().clone()))
    }
}
