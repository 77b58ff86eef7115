//! Opening an authenticated IMAP session: TCP with timeouts, implicit TLS or STARTTLS (never
//! plaintext), the certificate checked against the system roots or the account's pinned
//! fingerprint, then AUTHENTICATE PLAIN or LOGIN with a password, or XOAUTH2 / OAUTHBEARER
//! with an access token.
//!
//! Every step fails with its own [`SyncError`], so the operator reads "wrong password" or
//! "certificate not trusted (SHA-256 …)" rather than a socket error.

use super::{ImapSettings, Login, SyncError, TlsMode};
use native_tls::{HandshakeError, TlsConnector, TlsStream};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

/// An IMAP session over TLS.
pub type Session = imap::Session<TlsStream<TcpStream>>;

/// An IMAP connection over TLS, before login.
type Client = imap::Client<TlsStream<TcpStream>>;

/// Connects, secures and logs in.
pub fn open(settings: &ImapSettings, login: &Login) -> Result<Session, SyncError> {
    let tls = secure(settings)?;
    let mut client = imap::Client::new(tls);
    if settings.tls == TlsMode::Implicit {
        client
            .read_greeting()
            .map_err(|e| SyncError::from_imap("greeting", e))?;
    }
    let capabilities = client
        .capabilities()
        .map_err(|e| SyncError::from_imap("capabilities", e))?;
    let offers = |capability: &str| capabilities.has_str(capability);
    let (plain, disabled) = (offers("AUTH=PLAIN"), offers("LOGINDISABLED"));
    let oauth = if offers("AUTH=XOAUTH2") {
        Some(Mechanism::XOAuth2)
    } else if offers("AUTH=OAUTHBEARER") {
        Some(Mechanism::OAuthBearer)
    } else {
        None
    };
    drop(capabilities);
    match login {
        Login::Password(password) => {
            password_login(client, &settings.user, password, plain, disabled)
        }
        Login::OAuth(authorizer) => {
            let mechanism = oauth.ok_or(SyncError::NoOAuth)?;
            let token = authorizer.access_token()?;
            match token_login(client, settings, mechanism, &token) {
                Ok(session) => Ok(session),
                // The token was refused (expired early, or revoked): once more with a fresh
                // one (a revoked grant fails here with "sign in again").
                Err((SyncError::TokenRefused { .. }, client)) => {
                    authorizer.refused();
                    let token = authorizer.access_token()?;
                    token_login(*client, settings, mechanism, &token).map_err(|(error, _)| error)
                }
                Err((other, _)) => Err(other),
            }
        }
    }
}

/// The SASL mechanisms that carry an OAuth 2.0 access token.
#[derive(Debug, Clone, Copy)]
enum Mechanism {
    /// Google's and Microsoft's `XOAUTH2`.
    XOAuth2,
    /// RFC 7628's `OAUTHBEARER`.
    OAuthBearer,
}

/// AUTHENTICATE with an access token; on a refusal, the client comes back for another try.
fn token_login(
    client: Client,
    settings: &ImapSettings,
    mechanism: Mechanism,
    token: &SecretString,
) -> Result<Session, (SyncError, Box<Client>)> {
    struct Bearer<'a> {
        mechanism: Mechanism,
        settings: &'a ImapSettings,
        token: &'a SecretString,
    }
    impl imap::Authenticator for Bearer<'_> {
        type Response = Vec<u8>;
        fn process(&self, challenge: &[u8]) -> Vec<u8> {
            // A challenge with content is the server's error (JSON): the client must answer
            // it for the server to finish with NO (RFC 7628 3.2.3; XOAUTH2: an empty line).
            if !challenge.is_empty() {
                return match self.mechanism {
                    Mechanism::XOAuth2 => Vec::new(),
                    Mechanism::OAuthBearer => vec![1],
                };
            }
            let (user, token) = (&self.settings.user, self.token.expose_secret());
            match self.mechanism {
                Mechanism::XOAuth2 => format!("user={user}\x01auth=Bearer {token}\x01\x01"),
                Mechanism::OAuthBearer => format!(
                    "n,a={},\x01host={}\x01port={}\x01auth=Bearer {token}\x01\x01",
                    user.replace('=', "=3D").replace(',', "=2C"),
                    self.settings.host,
                    self.settings.port
                ),
            }
            .into_bytes()
        }
    }
    let name = match mechanism {
        Mechanism::XOAuth2 => "XOAUTH2",
        Mechanism::OAuthBearer => "OAUTHBEARER",
    };
    let bearer = Bearer {
        mechanism,
        settings,
        token,
    };
    client
        .authenticate(name, &bearer)
        .map_err(|(error, client)| {
            let error = match error {
                imap::Error::No(no) if !no.information.contains("[UNAVAILABLE]") => {
                    SyncError::TokenRefused {
                        user: settings.user.clone(),
                        said: no.information.trim().to_string(),
                    }
                }
                other => SyncError::from_imap("login", other),
            };
            (error, Box::new(client))
        })
}

fn tcp(settings: &ImapSettings) -> Result<TcpStream, SyncError> {
    let addresses = (settings.host.as_str(), settings.port)
        .to_socket_addrs()
        .map_err(|source| SyncError::UnknownHost {
            host: settings.host.clone(),
            source,
        })?;
    let mut last = io::Error::other("the host name has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, settings.timeout) {
            Ok(stream) => {
                stream.set_read_timeout(Some(settings.timeout))?;
                stream.set_write_timeout(Some(settings.timeout))?;
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(error) => last = error,
        }
    }
    Err(match last.kind() {
        ErrorKind::ConnectionRefused => SyncError::Refused {
            host: settings.host.clone(),
            port: settings.port,
        },
        ErrorKind::TimedOut | ErrorKind::WouldBlock => SyncError::ConnectTimeout {
            host: settings.host.clone(),
            port: settings.port,
        },
        _ => SyncError::Io(last),
    })
}

/// A TCP connection ready for the TLS handshake (after STARTTLS when that is the mode).
fn plain_leg(settings: &ImapSettings) -> Result<TcpStream, SyncError> {
    let stream = tcp(settings)?;
    match settings.tls {
        TlsMode::Implicit => Ok(stream),
        TlsMode::Starttls => starttls(stream),
    }
}

/// Asks for STARTTLS by hand (the imap crate cannot before login) and refuses to go on in
/// plaintext, or when the server sent bytes it should not have before the handshake.
fn starttls(stream: TcpStream) -> Result<TcpStream, SyncError> {
    let mut client = imap::Client::new(stream);
    let greeting = client
        .read_greeting()
        .map_err(|e| SyncError::from_imap("greeting", e))?;
    if !greeting.starts_with(b"* OK") {
        return Err(SyncError::Greeting(
            String::from_utf8_lossy(&greeting).trim().to_string(),
        ));
    }
    let capabilities = client
        .capabilities()
        .map_err(|e| SyncError::from_imap("capabilities", e))?;
    if !capabilities.has_str("STARTTLS") {
        return Err(SyncError::StartTlsNotOffered);
    }
    let mut stream = client
        .into_inner()
        .map_err(|e| SyncError::from_imap("starttls", e))?;
    stream.write_all(b"bd1 STARTTLS\r\n")?;
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    // A few short lines at most: a server that talks on and on here is not one to trust.
    for lines in 0.. {
        line.clear();
        if lines > 100 || (&mut reader).take(8192).read_line(&mut line)? == 0 {
            return Err(SyncError::ConnectionLost("during STARTTLS".to_string()));
        }
        if line.starts_with("bd1 ") {
            break;
        }
    }
    if !line.starts_with("bd1 OK") {
        return Err(SyncError::StartTlsRefused(line.trim().to_string()));
    }
    if !reader.buffer().is_empty() {
        return Err(SyncError::StartTlsInjection);
    }
    drop(reader);
    Ok(stream)
}

/// The TLS handshake, verified against the system roots (and `extra_roots`); when that fails
/// on the certificate, accepted only if the certificate is the one pinned for this account.
fn secure(settings: &ImapSettings) -> Result<TlsStream<TcpStream>, SyncError> {
    let mut builder = TlsConnector::builder();
    builder.min_protocol_version(Some(native_tls::Protocol::Tlsv12));
    for pem in &settings.extra_roots_pem {
        let root = native_tls::Certificate::from_pem(pem)
            .map_err(|e| SyncError::Tls(format!("extra root certificate: {e}")))?;
        builder.add_root_certificate(root);
    }
    let verified = builder.build().map_err(|e| SyncError::Tls(e.to_string()))?;
    // Twice: a connection reset during the handshake is no verdict on the certificate.
    let mut failure = None;
    for _ in 0..2 {
        match verified.connect(&settings.host, plain_leg(settings)?) {
            Ok(stream) => return Ok(stream),
            Err(HandshakeError::WouldBlock(_)) => return Err(SyncError::TlsTimeout),
            Err(HandshakeError::Failure(error)) => failure = Some(error),
        }
    }
    let failure = failure.map_or_else(String::new, |error| error.to_string());
    // Was it the certificate? A second connection that only reads the certificate tells.
    let inspect = TlsConnector::builder()
        .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| SyncError::Tls(e.to_string()))?;
    let Ok(stream) = inspect.connect(&settings.host, plain_leg(settings)?) else {
        return Err(SyncError::Tls(failure));
    };
    let certificate = stream
        .peer_certificate()
        .map_err(|e| SyncError::Tls(e.to_string()))?
        .ok_or_else(|| SyncError::Tls("the server sent no certificate".to_string()))?;
    let der = certificate
        .to_der()
        .map_err(|e| SyncError::Tls(e.to_string()))?;
    let fingerprint = fingerprint(&der);
    match &settings.pinned_sha256 {
        Some(pin) if normalize_fingerprint(pin) == normalize_fingerprint(&fingerprint) => {
            Ok(stream)
        }
        _ => Err(SyncError::UntrustedCertificate {
            host: settings.host.clone(),
            fingerprint,
            reason: failure,
        }),
    }
}

/// The SHA-256 fingerprint of a DER certificate, as `openssl x509 -fingerprint -sha256`
/// prints it (`AB:CD:…`).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A fingerprint as compared: hex digits only, upper case (accepts `sha256:`, colons, spaces).
pub fn normalize_fingerprint(text: &str) -> String {
    let lowered = text.trim().to_ascii_lowercase();
    let text = lowered
        .strip_prefix("sha256:")
        .or_else(|| lowered.strip_prefix("sha256 fingerprint="))
        .unwrap_or(&lowered);
    text.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// AUTHENTICATE PLAIN when offered, else LOGIN (unless the server disabled it).
fn password_login(
    client: Client,
    user: &str,
    password: &SecretString,
    plain: bool,
    disabled: bool,
) -> Result<Session, SyncError> {
    struct Plain<'a>(&'a str, &'a str);
    impl imap::Authenticator for Plain<'_> {
        type Response = Vec<u8>;
        fn process(&self, _challenge: &[u8]) -> Vec<u8> {
            format!("\0{}\0{}", self.0, self.1).into_bytes()
        }
    }
    let password = password.expose_secret();
    let result = if plain {
        client.authenticate("PLAIN", &Plain(user, password))
    } else if disabled {
        return Err(SyncError::LoginDisabled);
    } else {
        client.login(user, password)
    };
    // Servers word a refused login differently (Dovecot: [AUTHENTICATIONFAILED], Exchange:
    // "LOGIN failed."); every NO is a refused login except "try later" and "use TLS".
    result.map_err(|(error, _client)| match error {
        imap::Error::No(no) => match passwords_refused(&no.information) {
            Some((provider, word)) => SyncError::PasswordsRefused {
                provider,
                word,
                said: no.information.trim().to_string(),
            },
            None if no.information.contains("[UNAVAILABLE]")
                || no.information.contains("[PRIVACYREQUIRED]") =>
            {
                SyncError::from_imap("login", imap::Error::No(no))
            }
            None => SyncError::WrongPassword {
                user: user.to_string(),
            },
        },
        other => SyncError::from_imap("login", other),
    })
}

/// The provider behind a refusal that means "no passwords here any more", from its words:
/// Exchange Online's "BasicAuthBlocked" / "Basic authentication is disabled", Gmail's
/// "Application-specific password required" (support.google.com/accounts/answer/185833).
fn passwords_refused(said: &str) -> Option<(&'static str, &'static str)> {
    let said = said.to_ascii_lowercase();
    if said.contains("basic authentication is disabled") || said.contains("basicauthblocked") {
        Some(("Microsoft", "microsoft"))
    } else if said.contains("application-specific password required") {
        Some(("Google", "google"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_that_turned_passwords_off_are_named() {
        // Exchange Online and Gmail's own words (see `passwords_refused`).
        assert_eq!(
            passwords_refused("AUTHENTICATE failed: Basic authentication is disabled."),
            Some(("Microsoft", "microsoft"))
        );
        assert_eq!(
            passwords_refused(
                "[ALERT] Application-specific password required: https://support.google.com/accounts/answer/185833 (Failure)"
            ),
            Some(("Google", "google"))
        );
        assert_eq!(
            passwords_refused("[AUTHENTICATIONFAILED] Authentication failed."),
            None
        );
    }

    #[test]
    fn a_login_never_prints_its_secret() {
        let login = Login::password("hunter2-secret");
        assert!(!format!("{login:?}").contains("hunter2-secret"));
        let typed = crate::secrets::Typed::new("hunter2-secret".to_string());
        assert_eq!(format!("{typed:?}"), "***");
    }

    #[test]
    fn fingerprints_compare_in_any_spelling() {
        let print = fingerprint(b"certificate");
        assert_eq!(print.len(), 32 * 3 - 1);
        let lower = format!("sha256:{}", print.replace(':', "").to_lowercase());
        assert_eq!(normalize_fingerprint(&lower), normalize_fingerprint(&print));
    }
}
