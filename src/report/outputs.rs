//! Output files, written so that nothing is ever half-written.
//!
//! Every file shipcast writes goes to a temporary file in the same directory (`.NAME.XXXXXX.tmp`),
//! which is renamed over the target once it is complete: an interruption leaves the old file or
//! the new one. Temporary files being written are registered here, so that a forced exit (see
//! `cli`'s signal handling) can remove them, and every file renamed into place is recorded, so
//! that an interrupted command can say what it kept.
//!
//! Special files are written in place, never replaced: a FIFO (opened without waiting, and only
//! when a process reads it) or a character device (`/dev/null`, `/dev/stdout`). Sockets and block
//! devices are refused. Whether shipcast wrote an existing file is decided on its first
//! [`PREFIX`] bytes only, and only for regular files.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How many bytes of an existing file are read to decide whether shipcast wrote it.
pub const PREFIX: u64 = 4096;

/// Temporary files being written (removed on a forced exit).
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Files renamed into place (or written to a special file) by this process, in order.
static WRITTEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a path names, following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    File,
    Dir,
    /// A FIFO (named pipe, or a pipe reached through /dev/fd).
    Fifo,
    /// A character device: /dev/null, a terminal.
    CharDevice,
    /// A socket or a block device: never written.
    Other,
}

impl Kind {
    /// Written in place, without a temporary file or an ownership check.
    pub fn is_special(self) -> bool {
        matches!(self, Kind::Fifo | Kind::CharDevice)
    }
}

/// What `path` is; unreadable metadata counts as missing (opening it then says why).
pub fn kind(path: &Path) -> Kind {
    let Ok(m) = std::fs::metadata(path) else {
        return Kind::Missing;
    };
    let t = m.file_type();
    if t.is_file() {
        return Kind::File;
    }
    if t.is_dir() {
        return Kind::Dir;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Kind::Fifo;
        }
        if t.is_char_device() {
            return Kind::CharDevice;
        }
    }
    Kind::Other
}

/// The first [`PREFIX`] bytes of a regular file; None when `path` is not one (missing, a
/// directory, a FIFO or a device: never read, so never blocked on).
pub fn prefix(path: &Path) -> io::Result<Option<Vec<u8>>> {
    if kind(path) != Kind::File {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    File::open(path)?.take(PREFIX).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// The identity of a path, to tell whether two outputs (or an output and an input) are the
/// same file: the canonical path when it exists, else its canonical directory and its name,
/// else the absolute path.
pub fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let parent = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let (Some(name), Ok(dir)) = (
        path.file_name(),
        std::fs::canonicalize(parent.unwrap_or(Path::new("."))),
    ) {
        return dir.join(name);
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The directory a file at `path` is written in.
pub fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Checks that a file can be created in `dir` (which exists), by creating and removing one.
pub fn probe_dir(dir: &Path) -> io::Result<()> {
    tempfile::Builder::new()
        .prefix(".shipcast-probe.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            // tempfile names its own temporary path; the directory is what the user named.
            let text = e.to_string();
            let why = text.split(" at path ").next().unwrap_or(&text);
            io::Error::new(
                e.kind(),
                format!("cannot create files in {}: {why}", dir.display()),
            )
        })
}

/// Checks that `path` can be written, before any work: special files (FIFO, character device)
/// are written in place; sockets and block devices are refused; a directory is refused; a file
/// needs a directory that exists and takes new files.
pub fn check_writable(path: &Path) -> Result<Kind, String> {
    let k = kind(path);
    match k {
        Kind::Dir => return Err(format!("{} is a directory", path.display())),
        Kind::Other => {
            return Err(format!(
                "{} is a socket or a block device; shipcast writes files, FIFOs and character devices",
                path.display()
            ));
        }
        Kind::Fifo | Kind::CharDevice => return Ok(k),
        Kind::Missing | Kind::File => {}
    }
    let dir = parent(path);
    if kind(dir) != Kind::Dir {
        return Err(format!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    probe_dir(dir).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(k)
}

/// Writes `path` whole: through a temporary file in the same directory renamed over it, or in
/// place for a FIFO or a character device. Without `overwrite`, an existing file is never
/// replaced (the rename refuses it).
pub fn write(
    path: &Path,
    overwrite: bool,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    if kind(path).is_special() {
        let mut f = open_special(path)?;
        body(&mut f)?;
        f.flush()?;
        lock(&WRITTEN).push(path.to_path_buf());
        return Ok(());
    }
    write_via(path, overwrite, |tmp| {
        let mut w = io::BufWriter::new(File::options().write(true).open(tmp)?);
        body(&mut w)?;
        w.flush()
    })
}

/// [`write`] for writers that need a path (image encoders pick the format from its
/// extension, which the temporary file keeps).
pub fn write_via(
    path: &Path,
    overwrite: bool,
    body: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    if kind(path).is_special() {
        body(path)?;
        lock(&WRITTEN).push(path.to_path_buf());
        return Ok(());
    }
    let name = path
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    let ext = path
        .extension()
        .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    let (prefix, suffix) = (format!(".{name}."), format!(".tmp{ext}"));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(&suffix);
    #[cfg(unix)]
    {
        // Created as any new file is (0666 less the umask), or with the permissions of the file
        // it replaces; tempfile's default is 0600.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let tmp = builder.tempfile_in(parent(path))?;
    let tmp_path = tmp.path().to_path_buf();
    lock(&TEMPS).push(tmp_path.clone());
    let result = body(&tmp_path).and_then(|_| {
        if overwrite {
            tmp.persist(path).map(drop).map_err(|e| e.error)
        } else {
            tmp.persist_noclobber(path).map(drop).map_err(|e| e.error)
        }
    });
    // On failure the temporary file was dropped, and removed, above.
    lock(&TEMPS).retain(|p| p != &tmp_path);
    if result.is_ok() {
        lock(&WRITTEN).push(path.to_path_buf());
    }
    result
}

/// Opens a FIFO or device for writing without blocking: a FIFO no process reads is refused
/// rather than waited on.
fn open_special(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        let f = File::options()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ENXIO) {
                    io::Error::other("no process is reading this FIFO; start its reader first")
                } else {
                    e
                }
            })?;
        // Back to blocking writes: a reader that is slower than shipcast is waited for.
        // SAFETY: fcntl on a file descriptor this function owns, with integer arguments.
        unsafe {
            let fd = f.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
        Ok(f)
    }
    #[cfg(not(unix))]
    {
        File::options().write(true).open(path)
    }
}

/// Removes every temporary file still being written (for an exit that does not unwind).
pub fn remove_temps() {
    for p in lock(&TEMPS).drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// The files this process has written so far, in order.
pub fn written() -> Vec<PathBuf> {
    lock(&WRITTEN).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.csv");
        std::fs::write(&path, "old\n").unwrap();
        let err = write(&path, true, |w| {
            w.write_all(b"half of the new")?;
            Err(io::Error::other("interrupted"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "interrupted");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(dir.path()), ["samples.csv"]);
        write(&path, true, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(names(dir.path()), ["samples.csv"]);
        assert!(written().contains(&path));
    }

    #[test]
    fn without_overwrite_an_existing_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "theirs").unwrap();
        assert!(write(&path, false, |w| w.write_all(b"ours")).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs");
        assert_eq!(names(dir.path()), ["x.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_usual_permissions_and_a_replaced_one_keeps_its_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.txt");
        write(&new, false, |w| w.write_all(b"x")).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        // 0666 less a umask, which never removes the owner's read and write.
        assert_eq!(mode & 0o600, 0o600, "{mode:o}");
        let old = dir.path().join("old.txt");
        std::fs::write(&old, "x").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&old, true, |w| w.write_all(b"y")).unwrap();
        let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn the_ownership_check_reads_a_bounded_prefix_of_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 3 * PREFIX as usize]).unwrap();
        assert_eq!(prefix(&big).unwrap().unwrap().len(), PREFIX as usize);
        assert_eq!(prefix(dir.path()).unwrap(), None);
        assert_eq!(prefix(&dir.path().join("missing")).unwrap(), None);
        #[cfg(unix)]
        {
            // An endless device is not read at all.
            assert_eq!(prefix(Path::new("/dev/zero")).unwrap(), None);
            assert_eq!(kind(Path::new("/dev/null")), Kind::CharDevice);
        }
    }

    #[test]
    fn a_path_and_its_dotted_spelling_are_one_identity() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("out.csv");
        let b = dir.path().join(".").join("sub").join("..").join("out.csv");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        // Missing files too: the directory is canonical, the name kept.
        assert_eq!(identity(&a), identity(&b));
        std::fs::write(&a, "").unwrap();
        assert_eq!(identity(&a), identity(&b));
        assert_ne!(identity(&a), identity(&dir.path().join("other.csv")));
    }

    #[test]
    fn check_writable_refuses_directories_and_missing_parents() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            check_writable(dir.path())
                .unwrap_err()
                .contains("is a directory")
        );
        let nested = dir.path().join("no").join("such").join("x.csv");
        assert!(
            check_writable(&nested)
                .unwrap_err()
                .contains("does not exist")
        );
        assert_eq!(
            check_writable(&dir.path().join("x.csv")).unwrap(),
            Kind::Missing
        );
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }
}
