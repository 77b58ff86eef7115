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
            .filter_map(|entry| match entry {
                Ok(entry) if entry.file_type().is_file() && !is_hidden(entry.path(), path) => {
                    Some(Ok(entry.into_path()))
                }
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

/// Dot-files inside a walked folder (maildir's `.Trash` folders excepted) are tool metadata.
fn is_hidden(path: &Path, root: &Path) -> bool {
    path.strip_prefix(root)
        .ok()
        .and_then(|relative| relative.file_name())
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with('.'))
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

/// An mbox starts with a `From ` separator line followed by a header on the next line; a
/// single message file that happens to begin with `From ` (some MTAs write one) has only one.
fn is_mbox(bytes: &[u8]) -> bool {
    bytes.starts_with(b"From ") && separators(bytes).nth(1).is_some()
}

fn separators(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let starts = std::iter::once(0).chain(
        memchr::memchr_iter(b'\n', bytes)
            .map(|newline| newline + 1)
            .filter(|start| *start < bytes.len()),
    );
    starts.filter(move |start| bytes[*start..].starts_with(b"From "))
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
        let mbox = b"From a@b Mon Nov  2 10:00:00 2026\nSubject: one\n\n>From here\n\
                     From c@d Mon Nov  2 11:00:00 2026\nSubject: two\n\nbody\n";
        assert!(is_mbox(mbox));
        let messages = split_mbox(mbox);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], b"Subject: one\n\nFrom here\n".to_vec());
        assert_eq!(messages[1], b"Subject: two\n\nbody\n".to_vec());
    }

    #[test]
    fn one_message_with_a_from_line_is_not_an_mbox() {
        assert!(!is_mbox(b"From a@b Mon\nSubject: x\n\nhi\n"));
        assert!(!is_mbox(b"Subject: x\n\nFrom me\n"));
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
