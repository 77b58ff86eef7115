//! The two ways to sign in: the browser with PKCE and a loopback redirect (RFC 7636, RFC
//! 8252), and a code typed on another device (RFC 8628). Both end with the grant kept (see
//! `tokens`).

use super::provider::Provider;
use super::{OAuthError, http, tokens};
use crate::mailbox::OAuthApp;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    DeviceAuthorizationUrl, PkceCodeChallenge, RedirectUrl, RequestTokenError, Scope,
    StandardDeviceAuthorizationResponse, TokenUrl,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the operator types where: shown by the command line or the window while the
/// device-code flow waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    /// The page to open on any device.
    pub verification_uri: String,
    /// The code to type there.
    pub user_code: String,
    /// The same page with the code filled in, when the provider gives one.
    pub complete_uri: Option<String>,
    /// How long the code stays good.
    pub expires_in: Duration,
}

fn address<T>(
    make: impl FnOnce(String) -> Result<T, oauth2::url::ParseError>,
    text: &str,
) -> Result<T, OAuthError> {
    http::check_address(text)?;
    make(text.to_string()).map_err(|error| OAuthError::BadAddress(format!("{text}: {error}")))
}

/// The provider's error, in words, for a request that failed.
pub(super) fn refused<E: std::error::Error, T: oauth2::ErrorResponse + std::fmt::Display>(
    what: &'static str,
    error: RequestTokenError<E, T>,
) -> OAuthError {
    match error {
        RequestTokenError::ServerResponse(response) => OAuthError::Refused {
            what,
            why: response.to_string(),
        },
        RequestTokenError::Request(error) => OAuthError::Network(error.to_string()),
        RequestTokenError::Parse(error, _) => {
            OAuthError::Network(format!("the provider's answer is not understood ({error})"))
        }
        RequestTokenError::Other(why) => OAuthError::Network(why),
    }
}

/// Signs `account` in through the browser: opens the provider's page with `open`, waits up
/// to `wait` for the redirect to a listener on 127.0.0.1 (or until `cancel` is set), checks
/// it, trades the code for tokens and keeps them. `login_hint` pre-fills the address.
pub fn sign_in_with_browser(
    account: &str,
    app: &OAuthApp,
    login_hint: &str,
    open: &dyn Fn(&str) -> std::io::Result<()>,
    cancel: &AtomicBool,
    wait: Duration,
) -> Result<(), OAuthError> {
    let provider = Provider::for_app(app)?;
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let port = listener.local_addr()?.port();
    let redirect = format!("http://{}:{port}/", provider.redirect_host);
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(address(AuthUrl::new, &provider.authorize_url)?)
        .set_token_uri(address(TokenUrl::new, &provider.token_url)?)
        .set_redirect_uri(
            RedirectUrl::new(redirect.clone())
                .map_err(|error| OAuthError::BadAddress(error.to_string()))?,
        );
    if let Some(secret) = &app.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_extra_param("login_hint", login_hint);
    for scope in &provider.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state) = request.url();
    open(url.as_str()).map_err(|error| OAuthError::Browser(error.to_string(), url.to_string()))?;
    let code = wait_for_redirect(&listener, state.secret(), cancel, wait)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request(&http::send)
        .map_err(|error| refused("the sign-in code", error))?;
    tokens::keep_sign_in(account, &response)
}

/// Waits for the browser's redirect: the code, once its state matches.
fn wait_for_redirect(
    listener: &TcpListener,
    state: &str,
    cancel: &AtomicBool,
    wait: Duration,
) -> Result<String, OAuthError> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + wait;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(OAuthError::Cancelled);
        }
        if Instant::now() > deadline {
            return Err(OAuthError::TimedOut(wait.as_secs() / 60));
        }
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let Some(query) = request_query(&mut stream) else {
            answer(&mut stream, "404 Not Found", "Nothing here.");
            continue;
        };
        let field = |name: &str| {
            query
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        // An answer without this sign-in's state is not the provider's (another program, a
        // web page that found the port): turned away, and the wait goes on.
        if field("state").as_deref() != Some(state) {
            answer(
                &mut stream,
                "400 Bad Request",
                "This answer is not for Bounce Desk's sign-in.",
            );
            continue;
        }
        if let Some(error) = field("error") {
            answer(
                &mut stream,
                "200 OK",
                "Access was not granted. You can close this tab.",
            );
            let description = field("error_description").unwrap_or_default();
            return Err(OAuthError::Denied(
                format!("{error} {description}").trim().to_string(),
            ));
        }
        let Some(code) = field("code") else {
            answer(&mut stream, "404 Not Found", "Nothing here.");
            continue;
        };
        answer(
            &mut stream,
            "200 OK",
            "Bounce Desk is signed in. You can close this tab and go back to it.",
        );
        return Ok(code);
    }
}

/// The query of an HTTP `GET` request read from `stream` (at most 8 KiB of head).
fn request_query(stream: &mut TcpStream) -> Option<Vec<(String, String)>> {
    let mut head = Vec::new();
    let mut buffer = [0_u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()?
        .strip_prefix("GET ")?
        .split(' ')
        .next()?;
    let url = oauth2::url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    (!pairs.is_empty()).then_some(pairs)
}

/// A small page for the browser's tab.
fn answer(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Bounce Desk</title><p style=\"font: 16px sans-serif; margin: 3em\">{text}</p>"
    );
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Signs `account` in with a code typed on another device: `show` is told the page and the
/// code, then this waits (polling as the provider asks) until the operator has entered it.
pub fn sign_in_with_device_code(
    account: &str,
    app: &OAuthApp,
    show: &mut dyn FnMut(&DeviceCode),
) -> Result<(), OAuthError> {
    let provider = Provider::for_app(app)?;
    let Some(device_url) = &provider.device_url else {
        return Err(OAuthError::BadAddress(format!(
            "{} offers no sign-in with a code for mail; sign in with the browser",
            provider.name
        )));
    };
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(address(TokenUrl::new, &provider.token_url)?)
        .set_device_authorization_url(address(DeviceAuthorizationUrl::new, device_url)?);
    if let Some(secret) = &app.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    let mut request = client.exchange_device_code();
    for scope in &provider.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let details: StandardDeviceAuthorizationResponse = request
        .request(&http::send)
        .map_err(|error| refused("the device code", error))?;
    show(&DeviceCode {
        verification_uri: details.verification_uri().to_string(),
        user_code: details.user_code().secret().clone(),
        complete_uri: details
            .verification_uri_complete()
            .map(|uri| uri.secret().clone()),
        expires_in: details.expires_in(),
    });
    let response = client
        .exchange_device_access_token(&details)
        .request(&http::send, std::thread::sleep, None)
        .map_err(|error| match error {
            RequestTokenError::ServerResponse(response) => match response.error() {
                oauth2::DeviceCodeErrorResponseType::AccessDenied => {
                    OAuthError::Denied(response.to_string())
                }
                oauth2::DeviceCodeErrorResponseType::ExpiredToken => OAuthError::Denied(
                    "the code expired before it was entered; sign in again".to_string(),
                ),
                _ => OAuthError::Refused {
                    what: "the device sign-in",
                    why: response.to_string(),
                },
            },
            other => refused("the device sign-in", other),
        })?;
    tokens::keep_sign_in(account, &response)
}
