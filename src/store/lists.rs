//! Imported subscriber lists in the store: saved cell for cell, read back for the cleaned
//! export and for bounce rates per domain.

use super::{Result, Store, StoreError, domain_of, now};
use crate::lists::{ExportFormat, ExportPlan, ImportedList, ListRow, TextEncoding, Tool};
use rusqlite::{OptionalExtension, params};

/// A list as stored: its name and id beside what was imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    /// Store id.
    pub id: i64,
    /// The name given at import (the file name by default).
    pub name: String,
    /// The list itself (problems are not stored; they were reported at import).
    pub list: ImportedList,
}

/// Recomputes what depends on who is on a list: members per domain, and which bounced
/// recipients are members. Runs at import, so that the dashboard's rates cost nothing.
fn refresh_membership(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM member_domains;
         INSERT INTO member_domains (domain, members)
             SELECT domain, COUNT(DISTINCT recipient_key) FROM list_members GROUP BY domain;
         UPDATE recipients SET listed = EXISTS
             (SELECT 1 FROM list_members m WHERE m.recipient_key = recipients.recipient_key);
         UPDATE bounces SET listed = 1 WHERE listed = 0
             AND recipient_key IN (SELECT recipient_key FROM list_members);
         UPDATE bounces SET listed = 0 WHERE listed = 1
             AND recipient_key NOT IN (SELECT recipient_key FROM list_members);",
    )?;
    Ok(())
}

impl Store {
    /// Saves an imported list under `name` (replacing a list of the same name); returns its id.
    pub fn save_list(&mut self, name: &str, source_path: &str, list: &ImportedList) -> Result<i64> {
        let header = super::to_json(&list.header)?;
        let tx = self.write_transaction()?;
        tx.execute("DELETE FROM lists WHERE name = ?1", [name])?;
        tx.execute(
            "INSERT INTO lists (name, source_path, tool, imported_at, header, email_column,
                 delimiter, had_bom, sep_line, encoding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                name,
                source_path,
                list.tool.as_str(),
                now(),
                header,
                list.email_column as i64,
                i64::from(list.delimiter),
                list.had_bom,
                list.sep_line,
                list.encoding.as_str(),
            ],
        )?;
        let list_id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO list_members (list_id, row_number, recipient_key, domain, cells)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for row in &list.rows {
                let cells = super::to_json(&row.cells)?;
                insert.execute(params![
                    list_id,
                    row.row_number as i64,
                    row.email,
                    domain_of(&row.email),
                    cells
                ])?;
            }
        }
        refresh_membership(&tx)?;
        tx.commit()?;
        Ok(list_id)
    }

    /// The names of the imported lists, newest first, with their number of subscribers.
    pub fn list_names(&self) -> Result<Vec<(String, i64)>> {
        let mut statement = self.conn.prepare(
            "SELECT name, (SELECT COUNT(*) FROM list_members m WHERE m.list_id = l.id)
             FROM lists l ORDER BY imported_at DESC, id DESC",
        )?;
        let names = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(names)
    }

    /// What exporting `format` would write now (the cleaned list from the list called
    /// `name`, else the newest), for the preview before anything is written.
    pub fn export_plan(&self, format: ExportFormat, name: Option<&str>) -> Result<ExportPlan> {
        let suppressed = self.suppressed()?;
        let stored = match format {
            ExportFormat::Cleaned => self.load_list(name)?,
            _ => None,
        };
        Ok(ExportPlan::new(
            format,
            stored.as_ref().map(|stored| &stored.list),
            &suppressed,
        ))
    }

    /// The list called `name`, or the most recently imported one when `name` is `None`.
    pub fn load_list(&self, name: Option<&str>) -> Result<Option<StoredList>> {
        let found = self
            .conn
            .query_row(
                "SELECT id, name, tool, header, email_column, delimiter, had_bom, sep_line, encoding
                 FROM lists
                 WHERE ?1 IS NULL OR name = ?1 ORDER BY imported_at DESC, id DESC LIMIT 1",
                [name],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, bool>(6)?,
                        row.get::<_, bool>(7)?,
                        row.get::<_, String>(8)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, name, tool, header, email_column, delimiter, had_bom, sep_line, encoding)) =
            found
        else {
            return Ok(None);
        };
        let damaged = |what: &str| StoreError::Damaged(format!("list {name}: {what}"));
        let header: Vec<String> = serde_json::from_str(&header).map_err(|_| damaged("header"))?;
        let mut query = self.conn.prepare(
            "SELECT row_number, recipient_key, cells FROM list_members WHERE list_id = ?1
             ORDER BY row_number",
        )?;
        let rows = query
            .query_map([id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?
            .map(|row| {
                let (row_number, email, cells) = row?;
                Ok(ListRow {
                    row_number: row_number as usize,
                    email,
                    cells: serde_json::from_str(&cells).map_err(|_| damaged("row"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let tool = Tool::from_name(&tool).unwrap_or(Tool::Generic);
        Ok(Some(StoredList {
            id,
            name: name.clone(),
            list: ImportedList {
                tool,
                header,
                email_column: usize::try_from(email_column)
                    .map_err(|_| damaged("e-mail column"))?,
                delimiter: u8::try_from(delimiter).map_err(|_| damaged("delimiter"))?,
                had_bom,
                sep_line,
                encoding: TextEncoding::from_name(&encoding).ok_or_else(|| damaged("encoding"))?,
                rows,
                problems: Vec::new(),
            },
        }))
    }
}
