//! IMAP accounts as the operator set them up: where the mailbox is, which folders to read,
//! which certificate to trust, how to sign in. Passwords and tokens are never stored here.

use super::{Result, Store, StoreError};
use crate::mailbox::{AfterSync, OAuthApp, SignIn, TlsMode};
use rusqlite::params;

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// Name the operator gave it.
    pub name: String,
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// Login name.
    pub user: String,
    /// Folders to read.
    pub folders: Vec<String>,
    /// SHA-256 fingerprint of a certificate trusted for this account.
    pub pin_sha256: Option<String>,
    /// What to do on the server once a message is stored (default: nothing).
    #[serde(skip)]
    pub after_sync: AfterSync,
    /// Apply `after_sync` to all mail, not only to reports.
    pub all_mail: bool,
    /// A password, or OAuth 2.0 through the operator's application.
    #[serde(skip)]
    pub sign_in: SignIn,
}

impl Store {
    /// Adds or replaces an account. When an existing account now points at another server
    /// or user, what the store knows of the old mailbox's positions is forgotten, so that no
    /// UID of the old mailbox is taken for one of the new (the mail itself stays).
    pub fn save_account(&self, account: &Account) -> Result<()> {
        let folders = super::to_json(&account.folders)?;
        let moved = self.accounts()?.into_iter().any(|old| {
            old.name == account.name
                && (old.host != account.host
                    || old.port != account.port
                    || old.user != account.user)
        });
        if moved {
            self.conn.execute(
                "DELETE FROM message_sources WHERE account = ?1",
                [&account.name],
            )?;
        }
        let oauth = match &account.sign_in {
            SignIn::OAuth(app) => Some(app),
            SignIn::Password => None,
        };
        let scopes = match oauth {
            Some(app) if !app.scopes.is_empty() => Some(super::to_json(&app.scopes)?),
            _ => None,
        };
        self.conn.execute(
            "INSERT INTO accounts (name, host, port, tls, user, folders, pin_sha256,
                 after_sync, move_to, all_mail, sign_in, oauth_provider, oauth_client_id,
                 oauth_client_secret, oauth_scopes, oauth_device_code)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (name) DO UPDATE SET host = excluded.host, port = excluded.port,
                 tls = excluded.tls, user = excluded.user, folders = excluded.folders,
                 pin_sha256 = excluded.pin_sha256, after_sync = excluded.after_sync,
                 move_to = excluded.move_to, all_mail = excluded.all_mail,
                 sign_in = excluded.sign_in, oauth_provider = excluded.oauth_provider,
                 oauth_client_id = excluded.oauth_client_id,
                 oauth_client_secret = excluded.oauth_client_secret,
                 oauth_scopes = excluded.oauth_scopes,
                 oauth_device_code = excluded.oauth_device_code",
            params![
                account.name,
                account.host,
                account.port,
                account.tls.as_str(),
                account.user,
                folders,
                account.pin_sha256,
                account.after_sync.as_str(),
                match &account.after_sync {
                    AfterSync::MoveTo(folder) => Some(folder.as_str()),
                    _ => None,
                },
                account.all_mail,
                account.sign_in.as_str(),
                oauth.map(|app| app.provider.as_str()),
                oauth.map(|app| app.client_id.as_str()),
                oauth.and_then(|app| app.client_secret.as_deref()),
                scopes,
                oauth.is_some_and(|app| app.device_code),
            ],
        )?;
        Ok(())
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut query = self.conn.prepare(
            "SELECT name, host, port, tls, user, folders, pin_sha256, after_sync, move_to,
                 all_mail, sign_in, oauth_provider, oauth_client_id, oauth_client_secret,
                 oauth_scopes, oauth_device_code
             FROM accounts ORDER BY name",
        )?;
        let rows = query
            .query_map([], |row| {
                Ok(StoredAccount {
                    name: row.get(0)?,
                    host: row.get(1)?,
                    port: row.get(2)?,
                    tls: row.get(3)?,
                    user: row.get(4)?,
                    folders: row.get(5)?,
                    pin_sha256: row.get(6)?,
                    after_sync: row.get(7)?,
                    move_to: row.get(8)?,
                    all_mail: row.get(9)?,
                    sign_in: row.get(10)?,
                    oauth_provider: row.get(11)?,
                    oauth_client_id: row.get(12)?,
                    oauth_client_secret: row.get(13)?,
                    oauth_scopes: row.get(14)?,
                    oauth_device_code: row.get(15)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(StoredAccount::into_account).collect()
    }

    /// The account called `name`.
    pub fn account(&self, name: &str) -> Result<Account> {
        self.accounts()?
            .into_iter()
            .find(|account| account.name == name)
            .ok_or_else(|| StoreError::NotFound(format!("account \"{name}\"")))
    }

    /// Removes an account (the mail it brought stays).
    pub fn remove_account(&self, name: &str) -> Result<()> {
        if self
            .conn
            .execute("DELETE FROM accounts WHERE name = ?1", [name])?
            == 0
        {
            return Err(StoreError::NotFound(format!("account \"{name}\"")));
        }
        Ok(())
    }
}

/// An account's row as stored, before its words are read.
struct StoredAccount {
    name: String,
    host: String,
    port: u16,
    tls: String,
    user: String,
    folders: String,
    pin_sha256: Option<String>,
    after_sync: String,
    move_to: Option<String>,
    all_mail: bool,
    sign_in: String,
    oauth_provider: Option<String>,
    oauth_client_id: Option<String>,
    oauth_client_secret: Option<String>,
    oauth_scopes: Option<String>,
    oauth_device_code: bool,
}

impl StoredAccount {
    fn into_account(self) -> Result<Account> {
        let name = self.name;
        let damaged = |what: &str| StoreError::Damaged(format!("account {name}: {what}"));
        let after_sync = AfterSync::from_word(&self.after_sync, self.move_to)
            .ok_or_else(|| damaged("after-sync action"))?;
        let sign_in = match (
            self.sign_in.as_str(),
            self.oauth_provider,
            self.oauth_client_id,
        ) {
            ("password", _, _) => SignIn::Password,
            ("oauth", Some(provider), Some(client_id)) => SignIn::OAuth(OAuthApp {
                provider,
                client_id,
                client_secret: self.oauth_client_secret,
                scopes: match self.oauth_scopes {
                    Some(json) => serde_json::from_str(&json).map_err(|_| damaged("scopes"))?,
                    None => Vec::new(),
                },
                device_code: self.oauth_device_code,
            }),
            _ => return Err(damaged("sign-in")),
        };
        Ok(Account {
            after_sync,
            all_mail: self.all_mail,
            tls: TlsMode::from_name(&self.tls).ok_or_else(|| damaged("TLS mode"))?,
            folders: serde_json::from_str(&self.folders).map_err(|_| damaged("folders"))?,
            host: self.host,
            port: self.port,
            user: self.user,
            pin_sha256: self.pin_sha256,
            sign_in,
            name,
        })
    }
}
