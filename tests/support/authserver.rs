//! A small OAuth 2.0 authorization server on 127.0.0.1 for the sign-in tests: OpenID
//! discovery, the authorization endpoint (it approves the test user at once and redirects, as
//! a provider does after the person said yes), the token endpoint (authorization code with
//! PKCE S256 checked, refresh with rotation, device code), device authorization (RFC 8628) and
//! introspection (RFC 7662) for Dovecot's oauth2 passdb. The test can expire every access
//! token, revoke every grant, approve a device code, and list every token it ever issued.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the server knows.
#[derive(Default)]
struct State {
    /// Authorization codes: (client_id, redirect_uri, code_challenge, user).
    codes: HashMap<String, (String, String, String, String)>,
    /// Device codes: (user code, approved).
    devices: HashMap<String, (String, bool)>,
    /// Live refresh tokens → user.
    refresh: HashMap<String, String>,
    /// Live access tokens → user.
    access: HashMap<String, String>,
    /// Every token ever issued (refresh and access), to look for in files and logs.
    issued: Vec<String>,
    /// Refresh grants answered.
    refreshes: usize,
}

/// The running server.
pub struct AuthServer {
    /// `http://127.0.0.1:PORT` (the issuer).
    pub issuer: String,
    /// The client ID it accepts.
    pub client_id: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(40)
        .collect()
}

fn json(status: u16, body: serde_json::Value) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header =
        tiny_http::Header::from_bytes("Content-Type", "application/json").expect("a header");
    tiny_http::Response::from_string(body.to_string())
        .with_status_code(status)
        .with_header(header)
}

fn form(body: &str) -> HashMap<String, String> {
    oauth2::url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

impl AuthServer {
    /// Starts the server; it approves `user` for `client_id`.
    pub fn start(client_id: &str, user: &str) -> AuthServer {
        let server = tiny_http::Server::http("127.0.0.1:0").expect("auth server listens");
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let issuer = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop, issuer) = (state.clone(), stop.clone(), issuer.clone());
            let (client_id, user) = (client_id.to_string(), user.to_string());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(50))
                    else {
                        continue;
                    };
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let url = request.url().to_string();
                    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
                    let mut state = state.lock().expect("state");
                    let response = match path {
                        "/.well-known/openid-configuration" => json(
                            200,
                            serde_json::json!({
                                "issuer": issuer,
                                "authorization_endpoint": format!("{issuer}/authorize"),
                                "token_endpoint": format!("{issuer}/token"),
                                "device_authorization_endpoint": format!("{issuer}/device"),
                                "introspection_endpoint": format!("{issuer}/introspect"),
                                "scopes_supported": ["openid", "offline_access", "imap"],
                                "code_challenge_methods_supported": ["S256"],
                            }),
                        ),
                        "/authorize" => authorize(&mut state, &form(query), &client_id, &user),
                        "/token" => token_endpoint(&mut state, &form(&body), &client_id, &user),
                        "/device" => {
                            let device_code = token();
                            let user_code = format!(
                                "{:04}-{:04}",
                                fastrand::u16(..9999),
                                fastrand::u16(..9999)
                            );
                            state
                                .devices
                                .insert(device_code.clone(), (user_code.clone(), false));
                            json(
                                200,
                                serde_json::json!({
                                    "device_code": device_code,
                                    "user_code": user_code,
                                    "verification_uri": format!("{issuer}/device-login"),
                                    "expires_in": 600,
                                    "interval": 1,
                                }),
                            )
                        }
                        "/introspect" => {
                            let asked = form(&body);
                            let token = asked.get("token").cloned().unwrap_or_default();
                            match state.access.get(&token) {
                                Some(user) => {
                                    json(200, serde_json::json!({"active": true, "username": user}))
                                }
                                None => json(200, serde_json::json!({"active": false})),
                            }
                        }
                        _ => json(404, serde_json::json!({"error": "not_found"})),
                    };
                    drop(state);
                    let _ = request.respond(response);
                }
            })
        };
        AuthServer {
            issuer,
            client_id: client_id.to_string(),
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Dovecot's introspection endpoint.
    pub fn introspection_url(&self) -> String {
        format!("{}/introspect", self.issuer)
    }

    /// Every access token stops working (as if their hour were up).
    pub fn expire_access_tokens(&self) {
        self.state.lock().expect("state").access.clear();
    }

    /// Every grant is revoked: no access token or refresh token works any more.
    pub fn revoke_everything(&self) {
        let mut state = self.state.lock().expect("state");
        state.access.clear();
        state.refresh.clear();
    }

    /// The person entered `user_code` and said yes.
    pub fn approve_device(&self, user_code: &str) {
        let mut state = self.state.lock().expect("state");
        for (code, approved) in state.devices.values_mut() {
            if code == user_code {
                *approved = true;
            }
        }
    }

    /// How many refresh grants were answered.
    pub fn refreshes(&self) -> usize {
        self.state.lock().expect("state").refreshes
    }

    /// Every token ever issued.
    pub fn issued(&self) -> Vec<String> {
        self.state.lock().expect("state").issued.clone()
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The authorization endpoint: checks the request and sends the browser back with a code.
fn authorize(
    state: &mut State,
    asked: &HashMap<String, String>,
    client_id: &str,
    user: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let field = |name: &str| asked.get(name).cloned().unwrap_or_default();
    if field("client_id") != client_id
        || field("response_type") != "code"
        || field("code_challenge_method") != "S256"
        || field("code_challenge").is_empty()
    {
        return json(400, serde_json::json!({"error": "invalid_request"}));
    }
    let code = token();
    let redirect = field("redirect_uri");
    state.codes.insert(
        code.clone(),
        (
            client_id.to_string(),
            redirect.clone(),
            field("code_challenge"),
            user.to_string(),
        ),
    );
    let mut location = oauth2::url::Url::parse(&redirect).expect("a redirect address");
    location
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &field("state"));
    let header = tiny_http::Header::from_bytes("Location", location.as_str()).expect("a header");
    tiny_http::Response::from_string("")
        .with_status_code(302)
        .with_header(header)
}

/// A new grant (or a rotated one) for `user`.
fn grant(state: &mut State, user: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let (access, refresh) = (token(), token());
    state.access.insert(access.clone(), user.to_string());
    state.refresh.insert(refresh.clone(), user.to_string());
    state.issued.push(access.clone());
    state.issued.push(refresh.clone());
    json(
        200,
        serde_json::json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": refresh,
        }),
    )
}

/// The token endpoint.
fn token_endpoint(
    state: &mut State,
    asked: &HashMap<String, String>,
    client_id: &str,
    user: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let field = |name: &str| asked.get(name).cloned().unwrap_or_default();
    let invalid_grant = || json(400, serde_json::json!({"error": "invalid_grant"}));
    if field("client_id") != client_id {
        return json(401, serde_json::json!({"error": "invalid_client"}));
    }
    match field("grant_type").as_str() {
        "authorization_code" => {
            let Some((_, redirect, challenge, user)) = state.codes.remove(&field("code")) else {
                return invalid_grant();
            };
            let verifier = Sha256::digest(field("code_verifier").as_bytes());
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(verifier);
            if redirect != field("redirect_uri") || computed != challenge {
                return invalid_grant();
            }
            grant(state, &user)
        }
        "refresh_token" => match state.refresh.remove(&field("refresh_token")) {
            Some(user) => {
                state.refreshes += 1;
                grant(state, &user)
            }
            None => invalid_grant(),
        },
        "urn:ietf:params:oauth:grant-type:device_code" => {
            match state.devices.get(&field("device_code")).cloned() {
                Some((_, true)) => {
                    state.devices.remove(&field("device_code"));
                    grant(state, user)
                }
                Some((_, false)) => {
                    json(400, serde_json::json!({"error": "authorization_pending"}))
                }
                None => json(400, serde_json::json!({"error": "expired_token"})),
            }
        }
        _ => json(400, serde_json::json!({"error": "unsupported_grant_type"})),
    }
}
