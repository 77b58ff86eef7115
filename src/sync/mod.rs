//! Downloading new mail from the bounce mailbox over IMAP/TLS into the store, incrementally
//! and without losing or duplicating anything.
//!
//! Blocking code that the command line calls directly and the window will wrap in a job. It
//! reads only what is new (by UIDVALIDITY and UID, remembered through the store), fetches with
//! `BODY.PEEK[]` so `\Seen` never changes, commits in batches, and after a cut connection
//! reconnects and resumes from the last committed UID. It reads no files: the caller hands it
//! the settings and how to sign in (a password, or an OAuth authorizer whose refresh token is
//! in the OS keyring). It never deletes or moves server mail unless the account says so.

mod connect;

pub use connect::{fingerprint, normalize_fingerprint};

use crate::classify::Classifier;
use crate::mailbox::{AfterSync, TlsMode};
use crate::store::{IngestSummary, Prepared, Source, Store, StoreError};
use secrecy::SecretString;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How the sync signs in: AUTHENTICATE PLAIN (or LOGIN) with a password, or XOAUTH2 /
/// OAUTHBEARER (RFC 7628) with an access token, whichever the server offers.
#[derive(Debug, Clone)]
pub enum Login {
    /// A password (printed as `***`, wiped when dropped).
    Password(SecretString),
    /// Access tokens for the account, refreshed as needed.
    OAuth(crate::oauth::Authorizer),
}

impl Login {
    /// A password login.
    pub fn password(password: &str) -> Login {
        Login::Password(SecretString::from(password))
    }
}

/// Everything needed to reach one mailbox (the password apart).
#[derive(Debug, Clone)]
pub struct ImapSettings {
    /// The account's name in Bounce Desk (stored with every message as its source).
    pub account: String,
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// Login name.
    pub user: String,
    /// Folders to read (e.g. `INBOX`, `Bounces`).
    pub folders: Vec<String>,
    /// SHA-256 fingerprint of a certificate the operator chose to trust for this account.
    pub pinned_sha256: Option<String>,
    /// Extra root certificates to trust, PEM (tests, private CAs).
    pub extra_roots_pem: Vec<Vec<u8>>,
    /// Timeout for connecting and for each read or write.
    pub timeout: Duration,
    /// Reconnections after a cut before giving up.
    pub retries: u32,
    /// Messages fetched per command and committed per transaction.
    pub batch: usize,
    /// What to do on the server after a message is committed locally.
    pub after_sync: AfterSync,
    /// Apply `after_sync` to every message, not only to reports (bounces, complaints,
    /// auto-replies, delivery reports): off unless the operator says so.
    pub all_mail: bool,
}

impl ImapSettings {
    /// Settings with the defaults for timeouts, retries and batch size.
    pub fn new(account: &str, host: &str, port: u16, tls: TlsMode, user: &str) -> ImapSettings {
        ImapSettings {
            account: account.to_string(),
            host: host.to_string(),
            port,
            tls,
            user: user.to_string(),
            folders: vec!["INBOX".to_string()],
            pinned_sha256: None,
            extra_roots_pem: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 5,
            batch: 250,
            after_sync: AfterSync::Keep,
            all_mail: false,
        }
    }

    /// The settings for a stored account, with the defaults for timeouts and batches.
    pub fn for_account(account: &crate::store::Account) -> ImapSettings {
        let mut settings = ImapSettings::new(
            &account.name,
            &account.host,
            account.port,
            account.tls,
            &account.user,
        );
        settings.folders = account.folders.clone();
        settings.pinned_sha256 = account.pin_sha256.clone();
        settings.after_sync = account.after_sync.clone();
        settings.all_mail = account.all_mail;
        settings
    }
}

/// Why a sync stopped, one variant per step, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// DNS found nothing.
    #[error("{host}: unknown host ({source}); check the server name")]
    UnknownHost {
        /// The host.
        host: String,
        /// What the resolver said.
        #[source]
        source: std::io::Error,
    },
    /// Nothing listens there.
    #[error("{host}:{port}: connection refused; check the port and that the server runs")]
    Refused {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// No answer in time.
    #[error("{host}:{port}: no answer in time; check the host, the port and the network")]
    ConnectTimeout {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// The server's certificate is not trusted and not pinned for this account.
    #[error(
        "{host}: certificate not trusted ({reason}); its SHA-256 fingerprint is {fingerprint} — if you recognise it, trust it for this account (bouncedesk account add … --pin-sha256 {fingerprint})"
    )]
    UntrustedCertificate {
        /// The host.
        host: String,
        /// SHA-256 of the certificate, `AB:CD:…`.
        fingerprint: String,
        /// What the TLS library said.
        reason: String,
    },
    /// Another TLS failure.
    #[error("TLS failed: {0}")]
    Tls(String),
    /// The TLS handshake took too long.
    #[error("the TLS handshake timed out; check the port (993 is implicit TLS, 143 STARTTLS)")]
    TlsTimeout,
    /// STARTTLS mode, but the server does not offer STARTTLS.
    #[error(
        "the server does not offer STARTTLS, so the password would travel in clear; refused (use implicit TLS on port 993 if the server has it)"
    )]
    StartTlsNotOffered,
    /// The server refused STARTTLS.
    #[error("the server refused STARTTLS: {0}")]
    StartTlsRefused(String),
    /// Bytes arrived before the TLS handshake (a man in the middle).
    #[error("the server sent data before the TLS handshake; refused (possible interception)")]
    StartTlsInjection,
    /// An unexpected greeting.
    #[error("unexpected greeting: {0}")]
    Greeting(String),
    /// The server disabled LOGIN and offers no AUTHENTICATE PLAIN.
    #[error(
        "the server takes no password here (LOGINDISABLED); if it is Microsoft 365, Outlook.com or Google, choose \"Sign in with Microsoft\" or \"Sign in with Google\" for this account"
    )]
    LoginDisabled,
    /// The provider has switched password logins off for IMAP.
    #[error(
        "{provider} no longer accepts passwords for IMAP ({said}): choose \"Sign in with {provider}\" for this account (bouncedesk account add NAME --oauth {word} --client-id ID)"
    )]
    PasswordsRefused {
        /// Microsoft or Google.
        provider: &'static str,
        /// `microsoft` or `google`, for the command.
        word: &'static str,
        /// What the server said.
        said: String,
    },
    /// The server offers neither XOAUTH2 nor OAUTHBEARER.
    #[error(
        "the server offers no OAuth sign-in (neither AUTH=XOAUTH2 nor AUTH=OAUTHBEARER); use a password for this account"
    )]
    NoOAuth,
    /// The server refused the access token, and a fresh one too.
    #[error(
        "the server refused the sign-in for {user} ({said}); check that the account's user is the mailbox you signed in as, and that IMAP is enabled for it"
    )]
    TokenRefused {
        /// The user name.
        user: String,
        /// What the server said.
        said: String,
    },
    /// Getting an access token failed (a revoked grant says "sign in again").
    #[error("{0}")]
    OAuth(#[from] crate::oauth::OAuthError),
    /// Wrong user name or password.
    #[error("login failed for {user}: wrong user name or password")]
    WrongPassword {
        /// The user name.
        user: String,
    },
    /// The folder is not there.
    #[error("folder \"{0}\" not found on the server; check its name (e.g. INBOX)")]
    FolderNotFound(String),
    /// The server said no or bad to a command.
    #[error("the server refused {step}: {message}")]
    Refusal {
        /// The step.
        step: &'static str,
        /// What the server said.
        message: String,
    },
    /// The connection broke and the retries ran out.
    #[error("the connection was lost {0}; run the sync again to resume")]
    ConnectionLost(String),
    /// A socket error.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    /// The local store failed; nothing after the last committed batch was stored.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Cancelled by the operator.
    #[error("cancelled; everything fetched so far is stored")]
    Cancelled,
}

impl SyncError {
    fn from_imap(step: &'static str, error: imap::Error) -> SyncError {
        match error {
            imap::Error::Io(io) => SyncError::Io(io),
            imap::Error::ConnectionLost => SyncError::ConnectionLost(format!("during {step}")),
            imap::Error::Bye(bye) => {
                SyncError::ConnectionLost(format!("during {step} ({})", bye.information))
            }
            imap::Error::No(no) => SyncError::Refusal {
                step,
                message: no.information,
            },
            imap::Error::Bad(bad) => SyncError::Refusal {
                step,
                message: bad.information,
            },
            other => SyncError::Refusal {
                step,
                message: other.to_string(),
            },
        }
    }

    /// True for faults a reconnection may cure (a cut, a timeout); false for those that need
    /// the operator (a password, a certificate, a folder name).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Io(_) | SyncError::ConnectionLost(_) | SyncError::TlsTimeout
        )
    }

    /// The error as the window says it: the command-line text, except for an untrusted
    /// certificate, which a person decides on by reading why in words (the window shows the
    /// fingerprint and a button beside it, so no command-line hint).
    pub fn in_words(&self) -> String {
        match self {
            SyncError::UntrustedCertificate { host, reason, .. } => format!(
                "{host} showed a certificate this computer does not trust: {}. Trust it only \
                 if your provider confirms its fingerprint.",
                certificate_problem(reason)
            ),
            other => other.to_string(),
        }
    }
}

/// What a TLS library's certificate verdict means for the person connecting. The wordings are
/// OpenSSL's verify errors (`X509_verify_cert_error_string` in crypto/x509/x509_txt.c, with
/// and without the hyphen since OpenSSL 3), SChannel's and Security.framework's.
fn certificate_problem(reason: &str) -> &'static str {
    let reason = reason.to_ascii_lowercase();
    let says = |words: &[&str]| words.iter().any(|word| reason.contains(word));
    if says(&["self-signed", "self signed", "selfsigned"]) {
        "it is signed by the server itself, not by an authority this computer knows \
         (usual for a company's own mail server)"
    } else if says(&["expired"]) {
        "it has expired"
    } else if says(&["not yet valid"]) {
        "it is not valid yet (check this computer's date and time)"
    } else if says(&["hostname", "host name", "does not match", "cn_no_match"]) {
        "it was issued for another server name (check the server name you typed)"
    } else if says(&["revoked"]) {
        "its authority has revoked it"
    } else if says(&["issuer", "untrusted root", "not trusted", "unknown ca"]) {
        "it was issued by an authority this computer does not know"
    } else {
        "this computer could not verify it"
    }
}

/// What a sync reports while it runs, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// Connecting (attempt number, from 1).
    Connecting(u32),
    /// A folder was opened: how many new messages it holds.
    Folder {
        /// The folder.
        folder: String,
        /// New messages to fetch.
        new: usize,
    },
    /// A batch was fetched, classified and committed.
    Committed {
        /// The folder.
        folder: String,
        /// Messages of this folder done so far.
        done: usize,
        /// Messages of this folder to do.
        total: usize,
    },
    /// The connection broke; reconnecting after a pause.
    Retrying(String),
}

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncSummary {
    /// Messages fetched from the server.
    pub fetched: usize,
    /// Messages stored for the first time.
    pub new_messages: usize,
    /// Messages the store already had (same content).
    pub already_stored: usize,
    /// Messages the after-sync action was applied to.
    pub acted_on: usize,
    /// Reconnections after cuts.
    pub reconnections: u32,
    /// Raw messages dropped afterwards for being older than the retention setting.
    pub raw_dropped: usize,
}

/// Syncs every folder of the account into `store`. `cancel` is checked between batches.
pub fn run(
    settings: &ImapSettings,
    login: &Login,
    store: &mut Store,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(SyncEvent),
) -> Result<SyncSummary, SyncError> {
    let classifier = store.classifier().map_err(SyncError::Store)?;
    let mut summary = SyncSummary::default();
    let mut attempt = 0;
    loop {
        attempt += 1;
        progress(SyncEvent::Connecting(attempt));
        let fetched_before = summary.fetched;
        let outcome = sync_once(
            settings,
            login,
            store,
            &classifier,
            cancel,
            progress,
            &mut summary,
        );
        let error = match outcome {
            Ok(()) => {
                // The retention the operator set: raw bytes past it go, verdicts stay.
                summary.raw_dropped = store
                    .drop_old_raw(crate::store::now())
                    .map_err(SyncError::Store)?;
                return Ok(summary);
            }
            Err(error) => error,
        };
        // After a cut, a reconnection that is refused or times out is part of the same
        // outage; the first connection failing that way is a setting to fix.
        let reconnecting = attempt > 1
            && matches!(
                error,
                SyncError::Refused { .. } | SyncError::ConnectTimeout { .. }
            );
        if !(error.is_transient() || reconnecting) {
            return Err(error);
        }
        // Progress since the last cut earns a fresh set of retries.
        if summary.fetched > fetched_before {
            attempt = 1;
        }
        if attempt > settings.retries {
            return Err(error);
        }
        summary.reconnections += 1;
        progress(SyncEvent::Retrying(error.to_string()));
        let pause = Duration::from_millis(200 * 2u64.pow(attempt.min(6)));
        let waited = std::time::Instant::now();
        while waited.elapsed() < pause {
            if cancel.load(Ordering::Relaxed) {
                return Err(SyncError::Cancelled);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Tries the account step by step (connect, TLS, login, each folder) and says what worked;
/// the first failing step is the error.
pub fn test_connection(settings: &ImapSettings, login: &Login) -> Result<Vec<String>, SyncError> {
    let mut report = Vec::new();
    let mut session = connect::open(settings, login)?;
    report.push(format!(
        "{}:{} reached, TLS ({}), logged in as {}",
        settings.host,
        settings.port,
        settings.tls.as_str(),
        settings.user
    ));
    for folder in &settings.folders {
        let mailbox = examine(&mut session, folder)?;
        report.push(format!("folder {folder}: {} message(s)", mailbox.exists));
    }
    let _ = session.logout();
    Ok(report)
}

/// Opens `folder` read-only (EXAMINE: nothing on the server changes, not even \Recent); a
/// NO means the folder is not there.
fn examine(
    session: &mut connect::Session,
    folder: &str,
) -> Result<imap::types::Mailbox, SyncError> {
    session.examine(folder).map_err(|error| match error {
        imap::Error::No(_) => SyncError::FolderNotFound(folder.to_string()),
        other => SyncError::from_imap("EXAMINE", other),
    })
}

/// One connection's worth of work; resumes from what the store already holds.
fn sync_once(
    settings: &ImapSettings,
    login: &Login,
    store: &mut Store,
    classifier: &Classifier,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(SyncEvent),
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let mut session = connect::open(settings, login)?;
    for folder in &settings.folders {
        let mailbox = examine(&mut session, folder)?;
        let Some(uidvalidity) = mailbox.uid_validity else {
            return Err(SyncError::Refusal {
                step: "EXAMINE",
                message: format!("{folder} has no UIDVALIDITY"),
            });
        };
        let from = store
            .last_uid(&settings.account, folder, uidvalidity)?
            .map_or(1, |last| last.saturating_add(1));
        if mailbox.uid_next.is_some_and(|next| next <= from) || mailbox.exists == 0 {
            progress(SyncEvent::Folder {
                folder: folder.clone(),
                new: 0,
            });
            continue;
        }
        let mut uids: Vec<u32> = session
            .uid_search(format!("UID {from}:*"))
            .map_err(|e| SyncError::from_imap("UID SEARCH", e))?
            .into_iter()
            .filter(|uid| *uid >= from)
            .collect();
        uids.sort_unstable();
        progress(SyncEvent::Folder {
            folder: folder.clone(),
            new: uids.len(),
        });
        download_folder(
            &mut session,
            settings,
            store,
            classifier,
            cancel,
            progress,
            summary,
            (folder, uidvalidity, &uids),
        )?;
    }
    if settings.after_sync != AfterSync::Keep {
        for folder in &settings.folders {
            summary.acted_on += act_on_committed(&mut session, settings, store, folder)?;
        }
    }
    // A failed LOGOUT changes nothing that was committed.
    let _ = session.logout();
    Ok(())
}

/// Downloads and classifies `uids` of one folder while a second thread commits what was
/// already classified, so the network, the CPU and the disk work at the same time. Batches
/// reach the store in UID order, so the highest committed UID stays a safe place to resume.
#[allow(clippy::too_many_arguments)]
fn download_folder(
    session: &mut connect::Session,
    settings: &ImapSettings,
    store: &mut Store,
    classifier: &Classifier,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(SyncEvent),
    summary: &mut SyncSummary,
    (folder, uidvalidity, uids): (&str, u32, &[u32]),
) -> Result<(), SyncError> {
    // Two batches in flight at most: enough to overlap, little memory.
    let (to_store, batches) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(1);
    let (report, reports) = std::sync::mpsc::channel::<Result<(usize, IngestSummary), SyncError>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for batch in batches {
                let count = batch.len();
                let result = store
                    .commit(&batch)
                    .map_err(SyncError::from)
                    .map(|committed| (count, committed));
                let failed = result.is_err();
                if report.send(result).is_err() || failed {
                    break;
                }
            }
        });
        let mut done = 0;
        let mut drain = |block: bool, done: &mut usize| -> Result<(), SyncError> {
            let next = |reports: &std::sync::mpsc::Receiver<_>| {
                if block {
                    reports.recv().ok()
                } else {
                    reports.try_recv().ok()
                }
            };
            while let Some(result) = next(&reports) {
                let (count, committed): (usize, IngestSummary) = result?;
                summary.fetched += count;
                summary.new_messages += committed.new_messages;
                summary.already_stored += committed.already_stored;
                *done += count;
                progress(SyncEvent::Committed {
                    folder: folder.to_string(),
                    done: *done,
                    total: uids.len(),
                });
            }
            Ok(())
        };
        let fetched = (|| {
            for chunk in uids.chunks(settings.batch.max(1)) {
                if cancel.load(Ordering::Relaxed) {
                    return Err(SyncError::Cancelled);
                }
                let bodies = fetch_bodies(session, chunk)?;
                let mut batch = Vec::with_capacity(chunk.len());
                let mut missing = None;
                for &uid in chunk {
                    let Some(body) = bodies.get(&uid) else {
                        // Never skip past a message: commit what comes before it and stop.
                        missing = Some(uid);
                        break;
                    };
                    let source = Source::Imap {
                        account: settings.account.clone(),
                        folder: folder.to_string(),
                        uidvalidity,
                        uid,
                    };
                    batch.push(Prepared::new(source, body, classifier)?);
                }
                if to_store.send(batch).is_err() {
                    break;
                }
                drain(false, &mut done)?;
                if let Some(uid) = missing {
                    return Err(SyncError::Refusal {
                        step: "UID FETCH",
                        message: format!(
                            "the server sent no content for message UID {uid} in {folder}; the sync stopped there so that nothing is skipped (look at that message in the mailbox, move it away, and sync again)"
                        ),
                    });
                }
            }
            Ok(())
        })();
        // Let the committer finish what it has, then report how it ended (a store failure
        // first: it is not cured by reconnecting).
        drop(to_store);
        let committed = drain(true, &mut done);
        committed.and(fetched)
    })
}

/// The bodies of `uids`, asking a second time for any the server left out of its answer.
fn fetch_bodies(
    session: &mut connect::Session,
    uids: &[u32],
) -> Result<std::collections::HashMap<u32, Vec<u8>>, SyncError> {
    let mut bodies = std::collections::HashMap::with_capacity(uids.len());
    for _ in 0..2 {
        let wanted: Vec<u32> = uids
            .iter()
            .copied()
            .filter(|uid| !bodies.contains_key(uid))
            .collect();
        if wanted.is_empty() {
            break;
        }
        let fetches = session
            .uid_fetch(uid_set(&wanted), "(UID BODY.PEEK[])")
            .map_err(|e| SyncError::from_imap("UID FETCH", e))?;
        for fetch in fetches.iter() {
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                bodies.insert(uid, body.to_vec());
            }
        }
    }
    Ok(bodies)
}

/// Applies the after-sync action to the messages of `folder` that are committed locally and
/// not yet acted on, then records that they were. A run killed half-way repeats harmlessly:
/// UID commands skip UIDs that are gone.
fn act_on_committed(
    session: &mut connect::Session,
    settings: &ImapSettings,
    store: &mut Store,
    folder: &str,
) -> Result<usize, SyncError> {
    let mailbox = session
        .select(folder)
        .map_err(|e| SyncError::from_imap("SELECT", e))?;
    let Some(uidvalidity) = mailbox.uid_validity else {
        return Ok(0);
    };
    let pending =
        store.pending_after_sync(&settings.account, folder, uidvalidity, settings.all_mail)?;
    let capabilities = session
        .capabilities()
        .map_err(|e| SyncError::from_imap("CAPABILITY", e))?;
    let (can_move, uidplus) = (
        capabilities.has_str("MOVE"),
        capabilities.has_str("UIDPLUS"),
    );
    drop(capabilities);
    for chunk in pending.chunks(settings.batch.max(1)) {
        let set = uid_set(chunk);
        let step = |error| SyncError::from_imap("the after-sync action", error);
        match &settings.after_sync {
            AfterSync::Keep => {}
            AfterSync::MarkSeen => {
                session
                    .uid_store(&set, r"+FLAGS.SILENT (\Seen)")
                    .map_err(step)?;
            }
            AfterSync::MoveTo(target) if can_move => {
                session.uid_mv(&set, target).map_err(step)?;
            }
            AfterSync::MoveTo(target) => {
                session.uid_copy(&set, quote(target)).map_err(step)?;
                delete(session, &set, uidplus)?;
            }
            AfterSync::Delete => delete(session, &set, uidplus)?,
        }
        store.mark_acted(&settings.account, folder, uidvalidity, chunk)?;
    }
    Ok(pending.len())
}

/// Flags the set `\Deleted` and expunges exactly it (UID EXPUNGE). Without UIDPLUS a plain
/// EXPUNGE would also remove other mail someone flagged, so the flag stays for the server.
fn delete(session: &mut connect::Session, set: &str, uidplus: bool) -> Result<(), SyncError> {
    session
        .uid_store(set, r"+FLAGS.SILENT (\Deleted)")
        .map_err(|e| SyncError::from_imap("STORE \\Deleted", e))?;
    if uidplus {
        session
            .uid_expunge(set)
            .map_err(|e| SyncError::from_imap("UID EXPUNGE", e))?;
    }
    Ok(())
}

/// An IMAP quoted string (the crate's COPY does not quote the folder name).
fn quote(folder: &str) -> String {
    format!("\"{}\"", folder.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A compact UID set: `5:9,12,20:21`.
fn uid_set(uids: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while let Some(&start) = uids.get(index) {
        let mut end = start;
        while uids.get(index + 1) == Some(&end.saturating_add(1)) {
            index += 1;
            end += 1;
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        index += 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_verdicts_are_said_in_words() {
        let cases = [
            (
                "certificate verify failed: (self-signed certificate)",
                "signed by the server itself",
            ),
            (
                "error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:2091: (unable to get local issuer certificate)",
                "authority this computer does not know",
            ),
            (
                "certificate verify failed (certificate has expired)",
                "expired",
            ),
            ("hostname mismatch", "another server name"),
            ("something new", "could not verify"),
        ];
        for (reason, words) in cases {
            let error = SyncError::UntrustedCertificate {
                host: "mail.example.org".into(),
                fingerprint: "AB:CD".into(),
                reason: reason.into(),
            };
            let said = error.in_words();
            assert!(said.contains(words), "{reason} → {said}");
            assert!(
                !said.contains("bouncedesk"),
                "no command line in the window: {said}"
            );
        }
    }

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[42]), "42");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn which_faults_a_retry_may_cure() {
        assert!(SyncError::ConnectionLost("x".into()).is_transient());
        assert!(!SyncError::WrongPassword { user: "u".into() }.is_transient());
        assert!(!SyncError::FolderNotFound("INBOX".into()).is_transient());
    }
}
