//! Reading input files without hanging: a FIFO that no process writes is refused instead of
//! waited on; any other file is read as usual.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// Reads a whole input file; a FIFO that no process writes is refused instead of waited on
/// (process substitution, `<(cat plan.toml)`, has its writer and is read as usual).
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    #[cfg(unix)]
    if is_fifo(path) {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        let mut f = File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        let mut first = [0u8; 4096];
        let mut bytes = Vec::new();
        // A read of 0 bytes at once means no process has the FIFO open for writing: it would
        // never deliver anything. Data or "try again" means a writer is there.
        match f.read(&mut first) {
            Ok(0) => {
                return Err(io::Error::other(
                    "it is a FIFO that no process writes to; start its writer first, or give a file",
                ));
            }
            Ok(n) => bytes.extend_from_slice(&first[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        // SAFETY: fcntl on a file descriptor this function owns, with integer arguments.
        unsafe {
            let fd = f.as_raw_fd();
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
        f.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    std::fs::read(path)
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_without_a_writer_is_refused_and_one_with_a_writer_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("plan.toml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read(&fifo).unwrap_err();
        assert!(err.to_string().contains("no process writes"), "{err}");
        // A writer that holds the FIFO open (read-write never waits for the other end), has
        // written, and closes it a little later: the reader must take the data and wait for the
        // end, however the two interleave.
        let mut writer = File::options().read(true).write(true).open(&fifo).unwrap();
        io::Write::write_all(&mut writer, b"[project]\n").unwrap();
        let closer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(writer);
        });
        let text = read_to_string(&fifo);
        closer.join().unwrap();
        assert_eq!(text.unwrap(), "[project]\n");
    }
}
