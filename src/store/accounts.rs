//! IMAP accounts as the operator set them up: where the mailbox is, which folders to read,
//! which certificate to trust. Passwords are never stored here.

use super::{Result, Store, StoreError};
use crate::sync::{AfterSync, ImapSettings, TlsMode};
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
}

impl Account {
    /// The sync settings for this account, with the defaults for timeouts and batches.
    pub fn settings(&self) -> ImapSettings {
        let mut settings =
            ImapSettings::new(&self.name, &self.host, self.port, self.tls, &self.user);
        settings.folders = self.folders.clone();
        settings.pinned_sha256 = self.pin_sha256.clone();
        settings.after_sync = self.after_sync.clone();
        settings.all_mail = self.all_mail;
        settings
    }
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
        self.conn.execute(
            "INSERT INTO accounts (name, host, port, tls, user, folders, pin_sha256,
                 after_sync, move_to, all_mail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (name) DO UPDATE SET host = excluded.host, port = excluded.port,
                 tls = excluded.tls, user = excluded.user, folders = excluded.folders,
                 pin_sha256 = excluded.pin_sha256, after_sync = excluded.after_sync,
                 move_to = excluded.move_to, all_mail = excluded.all_mail",
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
            ],
        )?;
        Ok(())
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut query = self.conn.prepare(
            "SELECT name, host, port, tls, user, folders, pin_sha256, after_sync, move_to, all_mail
             FROM accounts ORDER BY name",
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
                    row.get::<_, String>(7)?,
                    row.get::<_, Option<String>>(8)?,
                    row.get::<_, bool>(9)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(name, host, port, tls, user, folders, pin_sha256, after, move_to, all_mail)| {
                    let damaged =
                        |what: &str| StoreError::Damaged(format!("account {name}: {what}"));
                    let after_sync = AfterSync::from_word(&after, move_to)
                        .ok_or_else(|| damaged("after-sync action"))?;
                    Ok(Account {
                        after_sync,
                        all_mail,
                        tls: TlsMode::from_name(&tls).ok_or_else(|| damaged("TLS mode"))?,
                        folders: serde_json::from_str(&folders).map_err(|_| damaged("folders"))?,
                        name,
                        host,
                        port,
                        user,
                        pin_sha256,
                    })
                },
            )
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
