//! Opening an authenticated IMAP session: TCP with timeouts, implicit TLS or STARTTLS (never
//! plaintext), the certificate checked against the system roots or the account's pinned
//! fingerprint, then AUTHENTICATE PLAIN or LOGIN.
//!
//! Every step fails with its own [`SyncError`], so the operator reads "wrong password" or
//! "certificate not trusted (SHA-256 …)" rather than a socket error.

use super::{ImapSettings, SyncError, TlsMode};
use native_tls::{HandshakeError, TlsConnector, TlsStream};
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

/// An IMAP session over TLS.
pub type Session = imap::Session<TlsStream<TcpStream>>;

/// Connects, secures and logs in.
pub fn open(settings: &ImapSettings, password: &str) -> Result<Session, SyncError> {
    let tls = secure(settings)?;
    let mut client = imap::Client::new(tls);
    if settings.tls == TlsMode::Implicit {
        client
            .read_greeting()
            .map_err(|e| SyncError::from_imap("greeting", e))?;
    }
    login(client, &settings.user, password)
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
fn login(
    mut client: imap::Client<TlsStream<TcpStream>>,
    user: &str,
    password: &str,
) -> Result<Session, SyncError> {
    struct Plain<'a>(&'a str, &'a str);
    impl imap::Authenticator for Plain<'_> {
        type Response = Vec<u8>;
        fn process(&self, _challenge: &[u8]) -> Vec<u8> {
            format!("\0{}\0{}", self.0, self.1).into_bytes()
        }
    }
    let capabilities = client
        .capabilities()
        .map_err(|e| SyncError::from_imap("capabilities", e))?;
    let result = if capabilities.has_str("AUTH=PLAIN") {
        client.authenticate("PLAIN", &Plain(user, password))
    } else if capabilities.has_str("LOGINDISABLED") {
        return Err(SyncError::LoginDisabled);
    } else {
        client.login(user, password)
    };
    // Servers word a refused login differently (Dovecot: [AUTHENTICATIONFAILED], Exchange:
    // "LOGIN failed."); every NO is a refused login except "try later" and "use TLS".
    result.map_err(|(error, _client)| match error {
        imap::Error::No(no)
            if !no.information.contains("[UNAVAILABLE]")
                && !no.information.contains("[PRIVACYREQUIRED]") =>
        {
            SyncError::WrongPassword {
                user: user.to_string(),
            }
        }
        other => SyncError::from_imap("login", other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_compare_in_any_spelling() {
        let print = fingerprint(b"certificate");
        assert_eq!(print.len(), 32 * 3 - 1);
        let lower = format!("sha256:{}", print.replace(':', "").to_lowercase());
        assert_eq!(normalize_fingerprint(&lower), normalize_fingerprint(&print));
    }
}
