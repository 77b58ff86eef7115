//! Signing an OAuth account in from the window, on a thread of its own: the browser flow
//! waits up to five minutes for the person to say yes, the device-code flow until they typed
//! the code elsewhere, and the window keeps drawing (showing the code, offering to cancel).

use crate::mailbox::SignIn;
use crate::oauth::{self, DeviceCode};
use crate::store::Account;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

/// How long the browser has to come back.
const BROWSER_WAIT: Duration = Duration::from_secs(300);

/// What a sign-in thread reports, with the number of the attempt it belongs to.
enum News {
    Code(u64, DeviceCode),
    Done {
        attempt: u64,
        account: String,
        result: Result<(), String>,
    },
}

/// The sign-in under way, if any, and what it needs shown.
pub struct SignIns {
    sender: Sender<News>,
    news: Receiver<News>,
    wake: Arc<dyn Fn() + Send + Sync>,
    cancel: Arc<AtomicBool>,
    /// The number of the latest attempt: news of an earlier (cancelled) one is ignored.
    attempt: u64,
    /// The account signing in.
    pub running: Option<String>,
    /// The code to type on another device, while the device-code flow waits.
    pub code: Option<DeviceCode>,
}

impl SignIns {
    /// No sign-in yet; `wake` repaints the window.
    pub fn new(wake: impl Fn() + Send + Sync + 'static) -> SignIns {
        let (sender, news) = channel();
        SignIns {
            sender,
            news,
            wake: Arc::new(wake),
            cancel: Arc::new(AtomicBool::new(false)),
            attempt: 0,
            running: None,
            code: None,
        }
    }

    /// Signs `account` in (one sign-in at a time): opens the browser, or shows a code.
    pub fn start(&mut self, account: Account) {
        let SignIn::OAuth(app) = account.sign_in.clone() else {
            return;
        };
        if self.running.is_some() {
            return;
        }
        self.running = Some(account.name.clone());
        self.code = None;
        self.cancel = Arc::new(AtomicBool::new(false));
        self.attempt += 1;
        let attempt = self.attempt;
        let (sender, wake, cancel) = (self.sender.clone(), self.wake.clone(), self.cancel.clone());
        let name = account.name.clone();
        let spawned = std::thread::Builder::new()
            .name("sign-in".into())
            .spawn(move || {
                let result = if app.device_code {
                    oauth::sign_in_with_device_code(&account.name, &app, &mut |code| {
                        let _ = sender.send(News::Code(attempt, code.clone()));
                        wake();
                    })
                } else {
                    oauth::sign_in_with_browser(
                        &account.name,
                        &app,
                        &account.user,
                        &|url| webbrowser::open(url),
                        &cancel,
                        BROWSER_WAIT,
                    )
                };
                let _ = sender.send(News::Done {
                    attempt,
                    account: account.name,
                    result: result.map_err(|error| error.to_string()),
                });
                wake();
            });
        if spawned.is_err() {
            let _ = self.sender.send(News::Done {
                attempt,
                account: name,
                result: Err("cannot start the sign-in".into()),
            });
        }
    }

    /// Stops waiting for the browser. A device-code sign-in cannot be interrupted while it
    /// polls: the window stops showing it and ignores its outcome, but if the person still
    /// enters the code, the provider's grant is kept (as if they had signed in).
    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.running = None;
        self.code = None;
    }

    /// The sign-ins that ended since the last call: the account and how it went.
    pub fn receive(&mut self) -> Vec<(String, Result<(), String>)> {
        let mut ended = Vec::new();
        for news in self.news.try_iter() {
            match news {
                News::Code(attempt, code) if attempt == self.attempt && self.running.is_some() => {
                    self.code = Some(code);
                }
                News::Done {
                    attempt,
                    account,
                    result,
                } if attempt == self.attempt && self.running.is_some() => {
                    self.running = None;
                    self.code = None;
                    ended.push((account, result));
                }
                // A cancelled attempt's late news.
                News::Code(..) | News::Done { .. } => {}
            }
        }
        ended
    }
}
