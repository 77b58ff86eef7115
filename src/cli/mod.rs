//! The `bouncedesk` command line: parses arguments and dispatches to the library.
//!
//! It holds no logic of its own beyond printing, so scripts, cron jobs and tests drive exactly
//! the code the window uses. Every subcommand that touches the store takes `--db`.

/// Prints a line on stdout. A closed pipe (`bouncedesk stats | head`) quietly ends the
/// output instead of aborting the program.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod accounts;
mod classify;
mod model;
mod protect;
mod recipients;
mod rules;
mod settings;
mod sign_in;
mod store;

use crate::gui::{Launch, View};
use crate::lists::ExportFormat;
use crate::store::ByHand;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Command-line arguments of `bouncedesk`.
#[derive(Debug, Parser)]
#[command(
    name = "bouncedesk",
    version,
    about = "Classify a newsletter's bounces and clean its list, on your own machine."
)]
pub struct Cli {
    /// The store file (default: bouncedesk.sqlite in the OS data folder).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Open the demo mailbox: a few hundred generated bounces in a throwaway store.
    #[arg(long)]
    pub demo: bool,
    /// The view to open on.
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// Write a PNG of the view once its data is shown, then close (for documentation and
    /// smoke tests; needs a display, e.g. Xvfb).
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<PathBuf>,
    /// Drive the window through a scripted session and print frame times and the time to the
    /// first frame, then close: `browse` (the default) changes the dashboard's period and
    /// flicks through the table; `writes` syncs every account and makes the review queue's
    /// biggest group a rule, and times the frames drawn meanwhile.
    #[arg(long, value_enum, value_name = "SCRIPT", num_args = 0..=1, default_missing_value = "browse")]
    pub frame_times: Option<crate::gui::FrameScript>,
    /// What to do; without one, the window opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What `bouncedesk` can do headless.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify messages (files, folders, maildirs, mbox files) and print one verdict per
    /// failed recipient; nothing is stored.
    Classify {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Files or folders to read; folders are walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// How the store is protected: status, encrypt, decrypt, rekey, backup.
    Store {
        /// What to do.
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Forget addresses everywhere in the store, on a subscriber's request to be erased:
    /// their bounces, states, labels, list rows and every raw message naming them.
    Forget {
        /// The addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Classify messages and keep them in the store (files, folders, maildirs, mbox files).
    Ingest {
        /// Files or folders to read; folders are walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Replay today's engine over all stored mail and show what changes (old → new).
    Reclassify {
        /// Only show the changes; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Import a subscriber list (CSV from Mailchimp, listmonk, Sendy, Mautic or any tool).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Name to keep it under (default: the file name); importing a name again replaces it.
        #[arg(long)]
        name: Option<String>,
    },
    /// Write the cleaned list or the suppression list for a newsletter tool.
    Export {
        /// What to write.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
        /// Which imported list to clean (default: the last imported); `cleaned` only.
        #[arg(long)]
        list: Option<String>,
    },
    /// Set up the IMAP accounts to sync.
    Account {
        /// What to do with accounts.
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Fetch new mail from the bounce mailbox (all accounts, or the one named). The password
    /// comes from $BOUNCEDESK_PASSWORD, else is asked for.
    Sync {
        /// The account (default: every account).
        name: Option<String>,
    },
    /// Your own rules: a phrase of the server's words (and optionally a status code and a
    /// reporting server) that decides the verdict before the built-in tables do.
    Rules {
        /// What to do with the rules.
        #[command(subcommand)]
        action: RuleAction,
    },
    /// Where one address stands and why: its state, every bounce, every change, its lists.
    Recipient {
        /// The address.
        address: String,
    },
    /// Keep an address on the list whatever it bounces (or, with --release, hand it back to
    /// the policy).
    Keep(ByHandArgs),
    /// Take an address off the list whatever the policy says, e.g. when the subscriber asked
    /// (or, with --release, hand it back to the policy).
    Suppress(ByHandArgs),
    /// Show the settings (with what each means), one of them, or set one.
    Settings {
        /// The setting (e.g. policy.soft_bounces); without it, all are listed.
        key: Option<String>,
        /// Its new value.
        value: Option<String>,
    },
    /// Label one bounce by hand (what the review queue does); the label beats every rule.
    Label(LabelArgs),
    /// Train or retrain the learned fallback that proposes a reason when no phrase or code
    /// decides.
    Model {
        /// What to do with the model.
        #[command(subcommand)]
        action: ModelAction,
    },
    /// Show bounce statistics.
    Stats {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Only the last N days (default: everything).
        #[arg(long, value_name = "N")]
        days: Option<i64>,
    },
}

/// `bouncedesk account …`
#[derive(Debug, Subcommand)]
// Parsed once per run: the size of its biggest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
pub enum AccountAction {
    /// Add (or replace) an account. With --oauth it signs in right away (in the browser, or
    /// with a code typed on another device with --device-code).
    Add {
        /// A name for it.
        name: String,
        /// Server host name (with --oauth microsoft or google: theirs by default).
        #[arg(long)]
        host: Option<String>,
        /// Server port (993 for implicit TLS, 143 for STARTTLS).
        #[arg(long)]
        port: Option<u16>,
        /// implicit or starttls.
        #[arg(long, default_value = "implicit", value_parser = ["implicit", "starttls"])]
        tls: String,
        /// Login name.
        #[arg(long)]
        user: String,
        /// Folder to read (repeat for several; default INBOX).
        #[arg(long = "folder")]
        folders: Vec<String>,
        /// Trust this certificate (SHA-256 fingerprint) for this account even if the system
        /// does not.
        #[arg(long)]
        pin_sha256: Option<String>,
        /// After a message is stored locally: keep it (default), mark it seen, move it
        /// (--move-to), or delete it on the server.
        #[arg(long, default_value = "keep", value_parser = ["keep", "seen", "move", "delete"])]
        after: String,
        /// The folder for --after move.
        #[arg(long)]
        move_to: Option<String>,
        /// Apply --after to all mail, not only to bounces and other reports.
        #[arg(long)]
        all_mail: bool,
        /// Ask for the password now and keep it in the OS keyring.
        #[arg(long, conflicts_with = "oauth")]
        save_password: bool,
        /// Sign in with OAuth 2.0 instead of a password: microsoft (Microsoft 365 and
        /// Outlook.com), google, or an issuer's URL (its endpoints read by OpenID discovery).
        #[arg(long, value_name = "PROVIDER")]
        oauth: Option<String>,
        /// The application (client) ID you registered with the provider (see the README).
        #[arg(long, requires = "oauth")]
        client_id: Option<String>,
        /// The client secret, for providers that want one from desktop apps (Google); also
        /// read from $BOUNCEDESK_OAUTH_CLIENT_SECRET.
        #[arg(long, requires = "oauth")]
        client_secret: Option<String>,
        /// A scope to ask for instead of the provider's (repeat for several).
        #[arg(long = "scope", requires = "oauth")]
        scopes: Vec<String>,
        /// Sign in with a code typed on another device instead of this computer's browser.
        #[arg(long, requires = "oauth")]
        device_code: bool,
    },
    /// Sign an OAuth account in (again): after a revoked or expired sign-in, or on a new
    /// computer.
    Login {
        /// The account.
        name: String,
    },
    /// List the accounts.
    List,
    /// Try the connection step by step: TCP, TLS, login, folders.
    Test {
        /// The account.
        name: String,
    },
    /// Remove an account (its mail stays in the store).
    Remove {
        /// The account.
        name: String,
    },
}

/// `bouncedesk rules …`
#[derive(Debug, Subcommand)]
pub enum RuleAction {
    /// List the rules.
    List,
    /// Add a rule: shows what it changes in the stored history, then applies it.
    Add {
        /// The rule.
        #[command(flatten)]
        rule: RuleArgs,
        /// Only show what it would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Change rule ID: shows what the change does to the history, then applies it.
    Edit {
        /// The rule's number (`rules list`).
        id: i64,
        /// The rule as it should be.
        #[command(flatten)]
        rule: RuleArgs,
        /// Only show what it would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove rule ID: shows what the history becomes without it, then removes it.
    Remove {
        /// The rule's number (`rules list`).
        id: i64,
        /// Only show what it would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write every rule to a text file (the format of assets/rules/reasons.txt).
    Export {
        /// Where to write them.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Add the rules of a file written by `rules export`.
    Import {
        /// The file.
        file: PathBuf,
        /// Only show what they would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// What a rule says.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// The words the server's reply must contain (whole words, case ignored).
    #[arg(long)]
    pub phrase: String,
    /// The class it gives: hard, soft, sender, complaint, auto_reply or not_bounce.
    #[arg(long)]
    pub class: String,
    /// The reason it gives (default: the class's usual one).
    #[arg(long)]
    pub reason: Option<String>,
    /// The enhanced status code the bounce must carry too (e.g. 5.7.1).
    #[arg(long)]
    pub status: Option<String>,
    /// The reporting server (or its domain) the report must come from too.
    #[arg(long)]
    pub mta: Option<String>,
    /// Why, in your words.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `bouncedesk keep|suppress ADDRESS …`
#[derive(Debug, clap::Args)]
pub struct ByHandArgs {
    /// The address.
    pub address: String,
    /// Why, in your words (kept with the decision and shown with the state).
    #[arg(long, default_value = "")]
    pub note: String,
    /// Hand the address back to the policy instead.
    #[arg(long)]
    pub release: bool,
}

/// `bouncedesk label …`
#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    /// The bounce's number (as the window's table and `stats` show it).
    pub bounce: i64,
    /// Its class from now on: hard, soft, sender, complaint, auto_reply or not_bounce.
    #[arg(long)]
    pub class: String,
    /// Its reason from now on (default: the class's usual one).
    #[arg(long)]
    pub reason: Option<String>,
    /// Why, in your words.
    #[arg(long, default_value = "")]
    pub note: String,
}

/// `bouncedesk store …`
#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Say how the store is protected.
    Status,
    /// Encrypt a plain store in place with the OS keyring's key, or with a passphrase
    /// ($BOUNCEDESK_STORE_NEW_PASSPHRASE, else typed); the old file is replaced only once
    /// the encrypted copy checks out.
    Encrypt {
        /// Use a passphrase instead of the keyring.
        #[arg(long)]
        passphrase: bool,
    },
    /// Decrypt an encrypted store in place.
    Decrypt,
    /// Give the store a new key: a new keyring key (the old one stays for older backups),
    /// or a passphrase.
    Rekey {
        /// Use a passphrase instead of the keyring.
        #[arg(long)]
        passphrase: bool,
    },
    /// Copy the store to FILE (consistent while a sync runs, encrypted with the same key);
    /// open the copy with --db FILE.
    Backup {
        /// Where to write the copy.
        file: PathBuf,
    },
}

/// `bouncedesk model …`
#[derive(Debug, Subcommand)]
pub enum ModelAction {
    /// Train the model from a labelled corpus (labels.jsonl beside the messages) and the
    /// phrase tables; the shipped one is `assets/model/reasons.model`, trained from the
    /// project's corpus.
    Train {
        /// The corpus folder.
        #[arg(long, value_name = "DIR")]
        corpus: PathBuf,
        /// Where to write the model.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Retrain the shipped model with every label you gave by hand; later syncs, ingests and
    /// re-classifications use it.
    Retrain,
    /// Drop the retrained model and go back to the shipped one.
    Forget,
}

/// How `classify` prints its verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line (per failed recipient, or one per non-bounce file).
    Jsonl,
    /// Aligned columns for people.
    Table,
}

/// Runs the parsed command line and returns the process exit status.
/// `started` is when the process began, for the frame-time run's "start to first frame".
pub fn run(cli: Cli, started: std::time::Instant) -> ExitCode {
    let db = cli.db;
    match cli.command {
        Some(Command::Classify { format, paths }) => classify::run(format, &paths),
        Some(Command::Ingest { paths }) => store::ingest(db, &paths),
        Some(Command::Store { action }) => match action {
            StoreAction::Status => protect::status(db),
            StoreAction::Encrypt { passphrase } => match protect::target(passphrase, false) {
                Ok(target) => protect::convert(db, target),
                Err(code) => code,
            },
            StoreAction::Decrypt => protect::convert(db, crate::store::Protect::Plain),
            StoreAction::Rekey { passphrase } => match protect::target(passphrase, true) {
                Ok(target) => protect::convert(db, target),
                Err(code) => code,
            },
            StoreAction::Backup { file } => protect::backup(db, &file),
        },
        Some(Command::Forget { addresses }) => protect::forget(db, &addresses),
        Some(Command::Reclassify { dry_run }) => store::reclassify(db, dry_run),
        Some(Command::Import { file, name }) => store::import(db, &file, name),
        Some(Command::Export {
            format,
            output,
            list,
        }) => store::export(db, format, &output, list.as_deref()),
        Some(Command::Stats { json, days }) => store::stats(db, json, days),
        Some(Command::Account { action }) => accounts::run(db, action),
        Some(Command::Sync { name }) => accounts::sync(db, name.as_deref()),
        Some(Command::Model { action }) => model::run(db, action),
        Some(Command::Rules { action }) => rules::run(db, action),
        Some(Command::Label(args)) => rules::label(db, args),
        Some(Command::Recipient { address }) => recipients::show(db, &address),
        Some(Command::Settings { key, value }) => {
            settings::run(db, key.as_deref(), value.as_deref())
        }
        Some(Command::Keep(args)) => {
            let decision = if args.release {
                ByHand::Release
            } else {
                ByHand::Keep
            };
            recipients::decide(db, &args.address, decision, &args.note)
        }
        Some(Command::Suppress(args)) => {
            let decision = if args.release {
                ByHand::Release
            } else {
                ByHand::Suppress
            };
            recipients::decide(db, &args.address, decision, &args.note)
        }
        None => {
            let launch = Launch {
                db,
                demo: cli.demo,
                view: cli.view,
                screenshot: cli.screenshot,
                frame_times: cli.frame_times,
            };
            match crate::gui::run(launch, started) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("bouncedesk: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
