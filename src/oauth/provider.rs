//! Where each provider signs people in: its endpoints, the scopes that open a mailbox over
//! IMAP, and its IMAP server. Microsoft and Google are built in (from their published
//! documentation, cited below); any other issuer is read from its OpenID discovery document.

use super::OAuthError;
use super::http;
use crate::mailbox::OAuthApp;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// An authorization server and what to ask it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Its name for people ("Microsoft", "Google", or the issuer's address).
    pub name: String,
    /// The authorization endpoint (the browser goes there).
    pub authorize_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The device authorization endpoint, where the provider offers the device-code flow for
    /// mail.
    pub device_url: Option<String>,
    /// The scopes that give IMAP access and a refresh token.
    pub scopes: Vec<String>,
    /// The provider's IMAP server and port, when it has one for everybody.
    pub imap: Option<(&'static str, u16)>,
    /// The host name of the loopback redirect: Microsoft matches registered redirects by name
    /// (`http://localhost`, any port); RFC 8252 prefers the IP literal elsewhere.
    pub redirect_host: &'static str,
}

impl Provider {
    /// Microsoft 365 (work or school) and Outlook.com (personal) accounts: the `common` tenant
    /// takes both. Endpoints: learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
    /// and v2-oauth2-device-code; scope and host: learn.microsoft.com/exchange/client-developer/
    /// legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth.
    pub fn microsoft() -> Provider {
        let base = "https://login.microsoftonline.com/common/oauth2/v2.0";
        Provider {
            name: "Microsoft".into(),
            authorize_url: format!("{base}/authorize"),
            token_url: format!("{base}/token"),
            device_url: Some(format!("{base}/devicecode")),
            scopes: vec![
                "https://outlook.office.com/IMAP.AccessAsUser.All".into(),
                "offline_access".into(),
            ],
            imap: Some(("outlook.office365.com", 993)),
            redirect_host: "localhost",
        }
    }

    /// Google accounts and Workspace: developers.google.com/identity/protocols/oauth2/native-app
    /// (endpoints, loopback redirect), developers.google.com/gmail/imap/xoauth2-protocol (scope,
    /// host). Google's device flow does not allow the mail scope, so there is none here.
    pub fn google() -> Provider {
        Provider {
            name: "Google".into(),
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            device_url: None,
            scopes: vec!["https://mail.google.com/".into()],
            imap: Some(("imap.gmail.com", 993)),
            redirect_host: "127.0.0.1",
        }
    }

    /// The provider `app` names: a built-in one, or the issuer whose discovery document is
    /// read now. The app's own scopes, when it has some, replace the provider's.
    pub fn for_app(app: &OAuthApp) -> Result<Provider, OAuthError> {
        let mut provider = match app.provider.as_str() {
            "microsoft" => Provider::microsoft(),
            "google" => Provider::google(),
            issuer => discovered(issuer)?,
        };
        if !app.scopes.is_empty() {
            provider.scopes = app.scopes.clone();
        }
        Ok(provider)
    }

    /// Reads `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0; the
    /// same fields as RFC 8414's server metadata).
    pub fn discover(issuer: &str) -> Result<Provider, OAuthError> {
        #[derive(serde::Deserialize)]
        struct Metadata {
            authorization_endpoint: String,
            token_endpoint: String,
            device_authorization_endpoint: Option<String>,
            #[serde(default)]
            scopes_supported: Vec<String>,
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let failed = |why: String| OAuthError::Discovery {
            url: url.clone(),
            why,
        };
        let body = http::get(&url).map_err(|error| failed(error.to_string()))?;
        let metadata: Metadata = serde_json::from_slice(&body)
            .map_err(|error| failed(format!("not a discovery document ({error})")))?;
        for endpoint in [&metadata.authorization_endpoint, &metadata.token_endpoint]
            .into_iter()
            .chain(&metadata.device_authorization_endpoint)
        {
            http::check_address(endpoint)?;
        }
        // Without a provider-specific IMAP scope, a refresh token is what can be asked for.
        let scopes = metadata
            .scopes_supported
            .iter()
            .filter(|scope| *scope == "offline_access")
            .cloned()
            .collect();
        Ok(Provider {
            name: issuer.to_string(),
            authorize_url: metadata.authorization_endpoint,
            token_url: metadata.token_endpoint,
            device_url: metadata.device_authorization_endpoint,
            scopes,
            imap: None,
            redirect_host: "127.0.0.1",
        })
    }
}

/// The provider at `issuer`, its discovery document read once per run (every refresh of an
/// access token needs its token endpoint).
fn discovered(issuer: &str) -> Result<Provider, OAuthError> {
    static READ: OnceLock<Mutex<HashMap<String, Provider>>> = OnceLock::new();
    let read = READ.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(provider) = read.lock().ok().and_then(|read| read.get(issuer).cloned()) {
        return Ok(provider);
    }
    let provider = Provider::discover(issuer)?;
    if let Ok(mut read) = read.lock() {
        read.insert(issuer.to_string(), provider.clone());
    }
    Ok(provider)
}

/// A build's own application ID for `provider` (`microsoft`, `google`), for distributors who
/// registered one: `BOUNCEDESK_MICROSOFT_CLIENT_ID` / `BOUNCEDESK_GOOGLE_CLIENT_ID` at build
/// time. Operators who build their own enter theirs once.
pub fn built_in_client_id(provider: &str) -> Option<&'static str> {
    match provider {
        "microsoft" => option_env!("BOUNCEDESK_MICROSOFT_CLIENT_ID"),
        "google" => option_env!("BOUNCEDESK_GOOGLE_CLIENT_ID"),
        _ => None,
    }
    .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_providers_ask_for_imap_access_over_https() {
        for provider in [Provider::microsoft(), Provider::google()] {
            for url in [&provider.authorize_url, &provider.token_url]
                .into_iter()
                .chain(&provider.device_url)
            {
                assert!(url.starts_with("https://"), "{url}");
                assert!(http::check_address(url).is_ok());
            }
            assert!(provider.imap.is_some());
        }
        assert!(
            Provider::microsoft()
                .scopes
                .contains(&"offline_access".to_string())
        );
    }
}
