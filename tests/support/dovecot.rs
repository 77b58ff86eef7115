//! A throwaway Dovecot 2.3 on 127.0.0.1 for the sync tests: its own config, a throwaway CA and
//! server certificate (made with the `openssl` command, which Dovecot's package brings), a
//! passwd-file user and a temp maildir; implicit TLS and STARTTLS listeners. Killed on drop.
//! Needs Debian's `dovecot-imapd` (scripts/test.sh installs it) and root or the mail user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The test user and password.
pub const USER: &str = "bounces";
pub const PASSWORD: &str = "correct horse";

/// Runs a sync to the end with no cancel and no progress display.
pub fn run_sync(
    settings: &bouncedesk::sync::ImapSettings,
    password: &str,
    store: &mut bouncedesk::store::Store,
) -> Result<bouncedesk::sync::SyncSummary, bouncedesk::sync::SyncError> {
    let never = std::sync::atomic::AtomicBool::new(false);
    let login = bouncedesk::sync::Login::password(password);
    bouncedesk::sync::run(settings, &login, store, &never, &mut |_| {})
}

/// A running Dovecot.
pub struct Dovecot {
    dir: PathBuf,
    child: Child,
    /// Port of the implicit-TLS listener.
    pub tls_port: u16,
    /// Port of the plain listener (STARTTLS, when TLS is on).
    pub plain_port: u16,
    /// The throwaway CA that signed the server certificate.
    pub ca_pem: Vec<u8>,
    /// The server certificate (PEM).
    pub server_pem: Vec<u8>,
    owner: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn make_certificates(tls: &Path) {
    std::fs::create_dir_all(tls).expect("tls dir");
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=Bounce Desk test CA",
        ])
        .arg("-keyout")
        .arg(tls.join("ca.key"))
        .arg("-out")
        .arg(tls.join("ca.pem"))
        .args([
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(tls.join("server.key"))
        .arg("-out")
        .arg(tls.join("server.csr")));
    std::fs::write(
        tls.join("server.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .expect("ext");
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "30", "-CAcreateserial"])
        .arg("-in")
        .arg(tls.join("server.csr"))
        .arg("-CA")
        .arg(tls.join("ca.pem"))
        .arg("-CAkey")
        .arg(tls.join("ca.key"))
        .arg("-extfile")
        .arg(tls.join("server.ext"))
        .arg("-out")
        .arg(tls.join("server.pem")));
}

impl Dovecot {
    /// Starts a Dovecot with TLS (`tls` true: implicit TLS and STARTTLS) or without
    /// (`tls` false: a server that offers no STARTTLS), holding `messages` in INBOX.
    pub fn start(tls: bool, messages: &[String]) -> Dovecot {
        Dovecot::start_with(tls, messages, None)
    }

    /// Starts a Dovecot with TLS that takes OAuth 2.0 access tokens too: its `oauth2` passdb
    /// asks `introspection_url` (RFC 7662, POST) about every token, with no cache, and
    /// offers only `mechanism` (`xoauth2` or `oauthbearer`) for them; passwords still log in
    /// with PLAIN and LOGIN.
    pub fn start_oauth(messages: &[String], introspection_url: &str, mechanism: &str) -> Dovecot {
        Dovecot::start_with(true, messages, Some((introspection_url, mechanism)))
    }

    fn start_with(tls: bool, messages: &[String], oauth: Option<(&str, &str)>) -> Dovecot {
        assert!(
            Path::new("/usr/sbin/dovecot").exists(),
            "Dovecot is missing: apt-get install dovecot-imapd (scripts/test.sh does)"
        );
        // Under /tmp with a short name: Dovecot's socket paths must stay under 108 bytes.
        let dir = PathBuf::from(format!(
            "/tmp/bd-dovecot-{}-{}",
            std::process::id(),
            free_port()
        ));
        for sub in ["run", "state", "log"] {
            std::fs::create_dir_all(dir.join(sub)).expect("dovecot dirs");
        }
        make_certificates(&dir.join("tls"));
        // Dovecot refuses to give mail to uid 0: as root, the mail belongs to nobody.
        let owner = if is_root() {
            "nobody".to_string()
        } else {
            whoami()
        };
        let uid = id(&owner, "-u");
        let gid = id(&owner, "-g");
        std::fs::write(
            dir.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .expect("passwd");
        run(Command::new("chmod").arg("755").arg(&dir));
        run(Command::new("chmod").arg("644").arg(dir.join("passwd")));
        let (tls_port, plain_port) = (free_port(), free_port());
        let ssl = if tls {
            format!(
                "ssl = yes\nssl_cert = <{0}/tls/server.pem\nssl_key = <{0}/tls/server.key\n",
                dir.display()
            )
        } else {
            "ssl = no\n".to_string()
        };
        let imaps_port = if tls { tls_port } else { 0 };
        // The oauth2 passdb; the password passdb then takes only the password mechanisms, so
        // that a refused token never falls through to it. The auth penalty is off (a test
        // that makes tokens fail on purpose must not wait 15 s for the next login).
        let (mechanisms, oauth_passdb, password_only) = match oauth {
            Some((introspection_url, mechanism)) => {
                std::fs::write(
                    dir.join("oauth2.conf.ext"),
                    format!(
                        "introspection_url = {introspection_url}\nintrospection_mode = post\n\
                         username_attribute = username\nactive_attribute = active\n\
                         active_value = true\ntimeout_msecs = 5000\n"
                    ),
                )
                .expect("oauth2 passdb settings");
                run(Command::new("chmod")
                    .arg("644")
                    .arg(dir.join("oauth2.conf.ext")));
                (
                    format!("plain login {mechanism}"),
                    format!(
                        "passdb {{\n  driver = oauth2\n  mechanisms = {mechanism}\n  args = {}/oauth2.conf.ext\n}}\n\
                         service anvil {{\n  unix_listener anvil-auth-penalty {{\n    path = anvil-auth-penalty-off\n  }}\n}}\n",
                        dir.display()
                    ),
                    "  mechanisms = plain login\n",
                )
            }
            None => ("plain login".to_string(), String::new(), ""),
        };
        let config = format!(
            "instance_name = bd-{pid}-{tls_port}\nbase_dir = {dir}/run\nstate_dir = {dir}/state\n\
             log_path = {dir}/log/dovecot.log\nverbose_proctitle = yes\nprotocols = imap\n\
             listen = 127.0.0.1\n{ssl}auth_failure_delay = 0\nauth_mechanisms = {mechanisms}\n\
             auth_cache_size = 0\n{oauth_passdb}\
             passdb {{\n  driver = passwd-file\n{password_only}  args = scheme=PLAIN username_format=%u {dir}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={dir}/home/%u\n}}\n\
             first_valid_uid = 1\nmail_location = maildir:~/Maildir\n\
             namespace inbox {{\n  inbox = yes\n  separator = /\n}}\nmail_fsync = never\n\
             protocol imap {{\n  mail_max_userip_connections = 100\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {plain_port}\n  }}\n\
             inet_listener imaps {{\n    port = {imaps_port}\n    ssl = yes\n  }}\n}}\n",
            pid = std::process::id(),
            dir = dir.display(),
        );
        std::fs::write(dir.join("dovecot.conf"), config).expect("config");
        let mut dovecot = Dovecot {
            child: Command::new("/usr/sbin/dovecot")
                .arg("-F")
                .arg("-c")
                .arg(dir.join("dovecot.conf"))
                .stdout(Stdio::null())
                .spawn()
                .expect("dovecot starts"),
            ca_pem: std::fs::read(dir.join("tls/ca.pem")).unwrap_or_default(),
            server_pem: std::fs::read(dir.join("tls/server.pem")).unwrap_or_default(),
            dir,
            tls_port,
            plain_port,
            owner,
        };
        dovecot.add_messages(messages);
        dovecot.wait_until_listening();
        dovecot
    }

    fn wait_until_listening(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            // A master that exited (a port taken by a parallel test) must not let us talk to
            // somebody else's server.
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Dovecot exited ({status}): {}", self.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.plain_port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("Dovecot did not start: {}", self.log());
    }

    /// Sync settings for the test user on this server, trusting its CA (port by TLS mode).
    pub fn settings(&self, tls: bouncedesk::mailbox::TlsMode) -> bouncedesk::sync::ImapSettings {
        let port = match tls {
            bouncedesk::mailbox::TlsMode::Implicit => self.tls_port,
            bouncedesk::mailbox::TlsMode::Starttls => self.plain_port,
        };
        let mut settings =
            bouncedesk::sync::ImapSettings::new("test", "localhost", port, tls, USER);
        settings.extra_roots_pem = vec![self.ca_pem.clone()];
        settings
    }

    /// `bouncedesk account add NAME …` arguments for this server (implicit TLS).
    pub fn account_add_args(&self, name: &str) -> Vec<String> {
        let port = self.tls_port.to_string();
        [
            "account",
            "add",
            name,
            "--host",
            "localhost",
            "--port",
            &port,
            "--tls",
            "implicit",
            "--user",
            USER,
        ]
        .map(str::to_string)
        .to_vec()
    }

    /// The INBOX maildir.
    pub fn maildir(&self) -> PathBuf {
        self.dir.join("home").join(USER).join("Maildir")
    }

    /// Delivers messages into INBOX (maildir `new/`, owned by the mail user).
    pub fn add_messages(&self, messages: &[String]) {
        let maildir = self.maildir();
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
        }
        // Maildir names must be unique for ever: Dovecot keys UIDs by them.
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        for (index, message) in messages.iter().enumerate() {
            let name = format!("{stamp}.M{index:07}.bd");
            let tmp = maildir.join("tmp").join(&name);
            std::fs::write(&tmp, message).expect("message");
            std::fs::rename(&tmp, maildir.join("new").join(&name)).expect("deliver");
        }
        let owner = format!("{}:{}", id(&self.owner, "-u"), id(&self.owner, "-g"));
        run(Command::new("chown")
            .arg("-R")
            .arg(owner)
            .arg(self.dir.join("home")));
    }

    /// Runs `doveadm` against this instance.
    pub fn doveadm(&self, args: &[&str]) {
        run(Command::new("doveadm")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .args(args));
    }

    /// The server log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log/dovecot.log")).unwrap_or_default()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its imap, auth and log processes; SIGKILL if it hangs.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let stopping = Instant::now();
        while stopping.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn id(user: &str, flag: &str) -> u32 {
    let output = Command::new("id").arg(flag).arg(user).output().expect("id");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a numeric id")
}

fn whoami() -> String {
    let output = Command::new("id").arg("-un").output().expect("id");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn is_root() -> bool {
    id(&whoami(), "-u") == 0
}
