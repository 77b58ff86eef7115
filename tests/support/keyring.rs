//! A real OS keyring for tests: a private D-Bus session bus with GNOME Keyring's Secret
//! Service on it, its login keyring unlocked, in a throwaway home. `bouncedesk` processes (and
//! this process, once `use_here` is called) keep their secrets there, as on a desktop. Needs
//! Debian's `dbus-daemon` and `gnome-keyring` (scripts/test.sh installs them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bus and the keyring daemon; both stop when this is dropped.
pub struct SecretService {
    /// `DBUS_SESSION_BUS_ADDRESS` for processes that use it.
    pub bus: String,
    bus_daemon: Child,
    _home: tempfile::TempDir,
}

impl SecretService {
    /// Starts the bus and the keyring, and waits until the keyring answers.
    pub fn start() -> SecretService {
        for tool in ["/usr/bin/dbus-daemon", "/usr/bin/gnome-keyring-daemon"] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: apt-get install dbus-daemon gnome-keyring (scripts/test.sh does)"
            );
        }
        let home = tempfile::tempdir().expect("keyring home");
        let runtime = home.path().join("run");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        let socket = runtime.join("bus");
        let bus = format!("unix:path={}", socket.display());
        let bus_daemon = Command::new("/usr/bin/dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={bus}"))
            .stdout(Stdio::null())
            // It says it cannot raise its file limit when not run by the system: harmless.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "the session bus did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        // --unlock reads the login keyring's password on stdin and creates it; --daemonize
        // leaves it running on the bus until the bus goes.
        let mut keyring = Command::new("/usr/bin/gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--daemonize"])
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts");
        if let Some(mut stdin) = keyring.stdin.take() {
            use std::io::Write as _;
            stdin.write_all(b"test keyring").expect("keyring password");
        }
        assert!(keyring.wait().expect("keyring daemon").success());
        SecretService {
            bus,
            bus_daemon,
            _home: home,
        }
    }

    /// Makes this process use the keyring (for a test binary whose every test runs after
    /// this, before any keyring call: the keyring library reads the bus address once).
    pub fn use_here(&self) {
        // SAFETY: called by the test before it starts any thread that reads the environment.
        unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &self.bus) };
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // The keyring daemon leaves when its bus does.
        let _ = self.bus_daemon.kill();
        let _ = self.bus_daemon.wait();
    }
}
