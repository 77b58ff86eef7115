//! HTTP for the sign-in: one `ureq` agent on native-tls with the system's roots, which never
//! follows a redirect (a token request that is redirected is an attack, not a detour) and
//! hands every status back to `oauth2`, so that a `400 invalid_grant` reads as what it is.
//! Plain `http` is refused except on the loopback (a local test server, RFC 8252's redirect).

use super::OAuthError;
use std::sync::OnceLock;
use std::time::Duration;

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent()
    })
}

/// Refuses an address that is not `https`, or plain `http` to the loopback.
pub fn check_address(address: &str) -> Result<(), OAuthError> {
    let url = oauth2::url::Url::parse(address)
        .map_err(|error| OAuthError::BadAddress(format!("{address}: {error}")))?;
    let loopback = match url.host() {
        Some(oauth2::url::Host::Domain(name)) => name == "localhost",
        Some(oauth2::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(oauth2::url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(OAuthError::BadAddress(format!(
            "{address}: the provider's addresses must be https (tokens would travel in clear)"
        ))),
    }
}

/// The body of a `GET` that answered 200.
pub fn get(address: &str) -> Result<Vec<u8>, OAuthError> {
    check_address(address)?;
    let response = agent()
        .get(address)
        .call()
        .map_err(|error| OAuthError::Network(error.to_string()))?;
    let status = response.status();
    let body = response
        .into_body()
        .read_to_vec()
        .map_err(|error| OAuthError::Network(error.to_string()))?;
    if status != 200 {
        return Err(OAuthError::Network(format!("HTTP {status} from {address}")));
    }
    Ok(body)
}

/// Sends one of `oauth2`'s requests (the crate's synchronous client interface).
pub fn send(request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, ureq::Error> {
    if check_address(&request.uri().to_string()).is_err() {
        return Err(ureq::Error::BadUri(format!(
            "{}: not https (tokens would travel in clear)",
            request.uri()
        )));
    }
    let (parts, mut body) = agent().run(request)?.into_parts();
    Ok(oauth2::http::Response::from_parts(
        parts,
        body.read_to_vec()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_travel_over_https_or_stay_on_this_machine() {
        assert!(check_address("https://login.example.com/token").is_ok());
        assert!(check_address("http://127.0.0.1:8080/token").is_ok());
        assert!(check_address("http://localhost:8080/token").is_ok());
        assert!(check_address("http://[::1]:8080/token").is_ok());
        assert!(check_address("http://login.example.com/token").is_err());
        assert!(check_address("ftp://127.0.0.1/token").is_err());
        assert!(check_address("not a url").is_err());
    }
}
