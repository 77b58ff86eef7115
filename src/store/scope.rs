//! Narrowing one connection's view of the store to the mail of one account, so that the
//! dashboard and the table can show one mailbox when the operator reads several.
//!
//! The narrowing is done with temporary views and tables that shadow the main ones on this
//! connection only (`scope.sql`); other connections, and every write, see the whole store.

use super::{Result, Store};

const SCOPE: &str = include_str!("scope.sql");

const UNSCOPE: &str = "DROP VIEW IF EXISTS temp.bounces;
     DROP VIEW IF EXISTS temp.recipients;
     DROP TABLE IF EXISTS temp.agg_day;
     DROP TABLE IF EXISTS temp.agg_code;
     DROP TABLE IF EXISTS temp.agg_domain_day;
     DROP TABLE IF EXISTS temp.agg_domain;
     DROP TABLE IF EXISTS temp.scope;";

impl Store {
    /// Shows only `account`'s mail on this connection from now on (`None`: all mail again).
    /// Setting the same account again takes in what other connections committed since (and
    /// costs nothing when they committed nothing). Meant for a connection that only reads
    /// (the window's reader): a write through it would meet the views.
    pub fn scope(&mut self, account: Option<&str>) -> Result<()> {
        // Moves whenever another connection commits.
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))?;
        let current = self
            .scoped
            .as_ref()
            .map(|(name, seen)| (name.as_str(), *seen));
        match (account, current) {
            (None, None) => return Ok(()),
            (Some(wanted), Some((name, seen))) if wanted == name && seen == version => {
                return Ok(());
            }
            _ => {}
        }
        self.conn.execute_batch(UNSCOPE)?;
        self.scoped = None;
        let Some(account) = account else {
            return Ok(());
        };
        let tx = self.conn.transaction()?;
        tx.execute_batch("CREATE TEMP TABLE scope (account TEXT NOT NULL);")?;
        tx.execute("INSERT INTO temp.scope VALUES (?1)", [account])?;
        tx.execute_batch(SCOPE)?;
        tx.commit()?;
        self.scoped = Some((account.to_string(), version));
        Ok(())
    }

    /// True while this connection shows one account's mail only.
    pub fn is_scoped(&self) -> bool {
        self.scoped.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Classifier;
    use crate::store::stats::Period;
    use crate::store::{Prepared, Source};

    /// Reports for `account`, dated over a few days of November 2026.
    fn mail(account: &str, first: u32, count: u32) -> Vec<(Source, Vec<u8>)> {
        let templates = [
            (
                "user-unknown",
                include_str!("../../assets/demo/user-unknown.eml"),
            ),
            (
                "mailbox-full",
                include_str!("../../assets/demo/mailbox-full.eml"),
            ),
            ("delayed", include_str!("../../assets/demo/delayed.eml")),
            (
                "blocklisted",
                include_str!("../../assets/demo/blocklisted.eml"),
            ),
            ("vacation", include_str!("../../assets/demo/vacation.eml")),
        ];
        (first..first + count)
            .map(|uid| {
                let (_, text) = templates[uid as usize % templates.len()];
                let domain = ["example.com", "example.net", "outlook.com"][uid as usize % 3];
                let raw = text
                    .replace("{rcpt}", &format!("r{uid}@{domain}"))
                    .replace("{domain}", domain)
                    .replace(
                        "{date}",
                        &format!("Mon, {} Nov 2026 10:00:00 +0000", 2 + uid % 20),
                    )
                    .replace("{id}", &format!("{account}{uid}"))
                    .replace("{issue}", "7");
                let source = Source::Imap {
                    account: account.to_string(),
                    folder: "INBOX".to_string(),
                    uidvalidity: 1,
                    uid,
                };
                (source, raw.into_bytes())
            })
            .collect()
    }

    fn store_with(dir: &std::path::Path, name: &str, mail: &[(Source, Vec<u8>)]) -> Store {
        let classifier = Classifier::default();
        let mut store = Store::open(&dir.join(name)).expect("store");
        let batch: Vec<Prepared> = mail
            .iter()
            .map(|(source, raw)| Prepared::new(source.clone(), raw, &classifier).expect("prepare"))
            .collect();
        store.commit(&batch).expect("commit");
        store
    }

    #[test]
    fn one_accounts_view_matches_a_store_of_its_mail_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let ours = mail("news", 1, 60);
        let theirs = mail("shop", 1, 45);
        let both: Vec<_> = ours.iter().chain(&theirs).cloned().collect();
        let mut shared = store_with(dir.path(), "both.sqlite", &both);
        let alone = store_with(dir.path(), "alone.sqlite", &ours);
        // 1 to 10 November 2026: part of the mail.
        let early_november = Period {
            from_day: Some(20_758),
            to_day: Some(20_767),
        };
        for period in [Period::ALL, early_november] {
            shared.scope(Some("news")).expect("scope");
            assert!(shared.is_scoped());
            let mut scoped = shared.summary(period).expect("scoped summary");
            let mut expected = alone.summary(period).expect("summary");
            assert!(expected.bounces > 10, "{period:?}: {}", expected.bounces);
            // Messages are counted store-wide, whatever the scope.
            scoped.messages = expected.messages;
            assert_eq!(scoped, expected);
            let filter = crate::store::browse::BounceFilter {
                period,
                ..Default::default()
            };
            let sort = crate::store::browse::BounceSort::default();
            assert_eq!(
                shared.bounce_ids(&filter, sort).expect("ids").len(),
                alone.bounce_ids(&filter, sort).expect("ids").len()
            );
            shared.scope(None).expect("unscope");
            expected = shared.summary(period).expect("summary");
            assert!(
                expected.bounces > scoped.bounces,
                "all mail again: {} vs {} (messages {:?})",
                expected.bounces,
                scoped.bounces,
                shared.counts()
            );
        }
    }
}
