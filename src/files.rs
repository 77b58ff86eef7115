//! Writing a file the operator asked for so that it is never half-written: the content goes
//! to a temporary file in the target's own folder, is flushed to disk, and only then renamed
//! over the target (a rename within one folder is atomic on every system we run on).

use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes `path` through `write`, all or nothing: if `write` or the disk fails, the target is
/// untouched and the temporary file is removed.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let temporary = tempfile::NamedTempFile::new_in(folder)?;
    let mut out = BufWriter::new(temporary);
    let result = write(&mut out)?;
    let temporary = out.into_inner().map_err(|error| error.into_error())?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_litter() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").expect("seed");
        let failed = write_atomically(&target, |out| {
            out.write_all(b"half")?;
            Err::<(), _>(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        write_atomically(&target, |out| out.write_all(b"new")).expect("write");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
    }
}
