//! Finds the messages in the paths a user names: single files, folders (walked recursively,
//! maildirs included) and mbox files (split into their messages).
//!
//! Mail that did not come over IMAP arrives this way; `classify` and `ingest` share it so both
//! see the same messages under the same names.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// One message found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    /// Where it came from: the file path, with `#N` (1-based) for the Nth message of an mbox.
    pub name: String,
    /// The raw bytes of the message.
    pub bytes: Vec<u8>,
}

/// A path that could not be read; the walk goes on without it.
#[derive(Debug)]
pub struct ReadError {
    /// The path as the user gave or the walk found it.
    pub path: PathBuf,
    /// What went wrong.
    pub source: io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot read ({}); check that the path exists and is readable",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Every message under `paths`, in walk order (folders sorted by name so runs repeat).
/// Unreadable paths yield an error and the walk continues.
pub fn walk(paths: &[PathBuf]) -> impl Iterator<Item = Result<MailFile, ReadError>> + '_ {
    paths.iter().flat_map(|path| {
        WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_mail_store_metadata(entry))
            .filter_map(|entry| match entry {
                Ok(entry) if entry.file_type().is_file() => Some(Ok(entry.into_path())),
                Ok(_) => None,
                Err(error) => Some(Err(ReadError {
                    path: error.path().map_or_else(|| path.clone(), Path::to_path_buf),
                    source: error
                        .into_io_error()
                        .unwrap_or_else(|| io::Error::other("filesystem loop")),
                })),
            })
            .flat_map(|file| match file.and_then(read_file) {
                Ok(messages) => messages.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(error) => vec![Err(error)],
            })
    })
}

/// What a walk skips: dot-files and dot-folders (`.git`, `.notmuch`; Maildir++ subfolders such
/// as `.Trash` are walked, they hold `cur`/`new`), a maildir's `tmp` (messages still being
/// written), and the index files mail servers keep beside the mail.
fn is_mail_store_metadata(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    let is_dir = entry.file_type().is_dir();
    let maildir_subfolder = is_dir && entry.path().join("cur").is_dir();
    let hidden = name.starts_with('.') && !maildir_subfolder;
    let maildir_tmp = is_dir
        && name == "tmp"
        && entry
            .path()
            .parent()
            .is_some_and(|parent| parent.join("cur").is_dir());
    let server_file = !is_dir
        && (name.starts_with("dovecot")
            || matches!(name.as_ref(), "maildirfolder" | "subscriptions"));
    hidden || maildir_tmp || server_file
}

fn read_file(path: PathBuf) -> Result<Vec<MailFile>, ReadError> {
    let bytes = fs::read(&path).map_err(|source| ReadError {
        path: path.clone(),
        source,
    })?;
    let name = path.display().to_string();
    if is_mbox(&bytes) {
        return Ok(split_mbox(&bytes)
            .into_iter()
            .enumerate()
            .map(|(index, bytes)| MailFile {
                name: format!("{name}#{}", index + 1),
                bytes,
            })
            .collect());
    }
    Ok(vec![MailFile { name, bytes }])
}

/// An mbox starts with a `From ` separator line and holds more than one; a single message
/// file that happens to begin with `From ` (some MTAs write one) has only one.
fn is_mbox(bytes: &[u8]) -> bool {
    is_separator(bytes) && separators(bytes).nth(1).is_some()
}

/// Offsets of the separator lines: at the start of the file, or after a blank line, a line
/// shaped `From sender Www Mmm dd hh:mm:ss yyyy` (so a body line "From the editor" is not one).
fn separators(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let after_blank_line = memchr::memmem::find_iter(bytes, b"\n\nFrom ")
        .map(|blank| blank + 2)
        .chain(memchr::memmem::find_iter(bytes, b"\n\r\nFrom ").map(|blank| blank + 3));
    let mut starts: Vec<usize> = std::iter::once(0).chain(after_blank_line).collect();
    starts.sort_unstable();
    starts
        .into_iter()
        .filter(move |start| bytes.get(*start..).is_some_and(is_separator))
}

fn is_separator(line_start: &[u8]) -> bool {
    static SHAPE: std::sync::LazyLock<Option<regex::bytes::Regex>> = std::sync::LazyLock::new(
        || {
            regex::bytes::Regex::new(
                r"^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]{1,2} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})? ",
            )
            .ok()
        },
    );
    let line_end = memchr::memchr(b'\n', line_start).unwrap_or(line_start.len());
    SHAPE
        .as_ref()
        .is_some_and(|shape| shape.is_match(&line_start[..line_end]))
}

/// Splits an mbox at its `From ` lines and undoes `>From` quoting (mboxrd).
fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let starts: Vec<usize> = separators(bytes).collect();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| {
            let end = starts.get(index + 1).copied().unwrap_or(bytes.len());
            let chunk = &bytes[*start..end];
            let body_start = chunk
                .iter()
                .position(|byte| *byte == b'\n')
                .map_or(chunk.len(), |newline| newline + 1);
            unquote_from_lines(&chunk[body_start..])
        })
        .collect()
}

fn unquote_from_lines(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    for line in message.split_inclusive(|byte| *byte == b'\n') {
        let quotes = line.iter().take_while(|byte| **byte == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_splits_and_unquotes() {
        let mbox = b"From a@b Mon Nov  2 10:00:00 2026\nSubject: one\n\n>From here\n\n\
                     From c@d Mon Nov  2 11:00:00 2026\nSubject: two\n\nbody\n";
        assert!(is_mbox(mbox));
        let messages = split_mbox(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], b"Subject: one\n\nFrom here\n\n".to_vec());
        assert_eq!(messages[1], b"Subject: two\n\nbody\n".to_vec());
    }

    #[test]
    fn one_message_with_a_from_line_is_not_an_mbox() {
        assert!(!is_mbox(
            b"From a@b Mon Nov  2 10:00:00 2026\nSubject: x\n\nhi\n"
        ));
        assert!(!is_mbox(b"Subject: x\n\nFrom me\n"));
        let body_line = b"From a@b Mon Nov  2 10:00:00 2026\nSubject: x\n\n\
                          From the editor: hello\n";
        assert!(!is_mbox(body_line));
    }

    #[test]
    fn missing_path_is_an_error_and_the_walk_goes_on() {
        let dir = std::env::temp_dir().join(format!("bouncedesk-walk-{}", std::process::id()));
        let _ = fs::create_dir_all(dir.join("cur"));
        let _ = fs::write(dir.join("cur").join("1.eml"), b"Subject: x\n\nhi\n");
        let paths = vec![dir.join("missing"), dir.clone()];
        let results: Vec<_> = walk(&paths).collect();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(results.len(), 2);
        assert!(results[0].is_err());
        assert!(
            results[1]
                .as_ref()
                .is_ok_and(|file| file.name.ends_with("1.eml"))
        );
    }
}
