//! IMAP accounts as the operator set them up: where the mailbox is, which folders to read,
//! which certificate to trust. Passwords are never stored here.

use super::{Result, Store, StoreError};
use crate::sync::{ImapSettings, TlsMode};
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
}

impl Account {
    /// The sync settings for this account, with the defaults for timeouts and batches.
    pub fn settings(&self) -> ImapSettings {
        let mut settings =
            ImapSettings::new(&self.name, &self.host, self.port, self.tls, &self.user);
        settings.folders = self.folders.clone();
        settings.pinned_sha256 = self.pin_sha256.clone();
        settings
    }
}

impl Store {
    /// Adds or replaces an account.
    pub fn save_account(&self, account: &Account) -> Result<()> {
        let folders = serde_json::to_string(&account.folders)
            .map_err(|error| StoreError::Damaged(error.to_string()))?;
        self.conn.execute(
            "INSERT INTO accounts (name, host, port, tls, user, folders, pin_sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (name) DO UPDATE SET host = excluded.host, port = excluded.port,
                 tls = excluded.tls, user = excluded.user, folders = excluded.folders,
                 pin_sha256 = excluded.pin_sha256",
            params![
                account.name,
                account.host,
                account.port,
                account.tls.as_str(),
                account.user,
                folders,
                account.pin_sha256
            ],
        )?;
        Ok(())
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut query = self.conn.prepare(
            "SELECT name, host, port, tls, user, folders, pin_sha256 FROM accounts ORDER BY name",
        )?;
        let rows = query
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, u16>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(name, host, port, tls, user, folders, pin_sha256)| {
                let damaged = |what: &str| StoreError::Damaged(format!("account {name}: {what}"));
                Ok(Account {
                    tls: TlsMode::from_name(&tls).ok_or_else(|| damaged("TLS mode"))?,
                    folders: serde_json::from_str(&folders).map_err(|_| damaged("folders"))?,
                    name,
                    host,
                    port,
                    user,
                    pin_sha256,
                })
            })
            .collect()
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
