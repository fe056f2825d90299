//! The two locks of a container directory (flock(2), so the kernel drops them when the
//! holder dies, however it dies):
//! - `lock`: taken by every verb that changes the container (create, start, stop's
//!   signal, kill, exec's entry, rm) for as long as it reads, checks and acts;
//! - `shim.lock`: held by the container's shim for its whole life, so "is the shim
//!   alive" is a try-lock (no pid that can be reused), and "wait for the shim to end" is
//!   a blocking lock, not a poll.
use std::fs::{File, OpenOptions};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rustix::fs::{flock, FlockOperation};

pub struct FileLock {
    _file: File,
}

impl std::os::fd::AsRawFd for FileLock {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self._file.as_raw_fd()
    }
}

/// Opens (creating it if needed, but never its directory) the lock file at `path`.
fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}

impl FileLock {
    /// Blocks until the exclusive lock is ours.
    pub fn exclusive(path: &Path) -> std::io::Result<FileLock> {
        let f = open(path)?;
        retry(|| flock(f.as_fd(), FlockOperation::LockExclusive))?;
        Ok(FileLock { _file: f })
    }

    /// Replaces what the lock file says (a note for those who wait for its release:
    /// they read it through their own fd, even after the file is deleted).
    pub fn set_note(&self, note: &str) -> std::io::Result<()> {
        use std::io::{Seek, Write};
        let mut f = &self._file;
        f.set_len(0)?;
        f.seek(std::io::SeekFrom::Start(0))?;
        f.write_all(note.as_bytes())
    }

    /// The exclusive lock if nobody holds it now. Never creates the file: Err(NotFound)
    /// if it is not there (the sweep must not make a lock in a directory it removes).
    pub fn try_exclusive(path: &Path) -> std::io::Result<Option<FileLock>> {
        let f = OpenOptions::new().read(true).open(path)?;
        match flock(f.as_fd(), FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(FileLock { _file: f })),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

fn retry(mut f: impl FnMut() -> rustix::io::Result<()>) -> std::io::Result<()> {
    loop {
        match f() {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(Into::into),
        }
    }
}

/// Whether someone holds the lock at `path` (false when the file does not exist).
pub fn held(path: &Path) -> bool {
    let Ok(f) = OpenOptions::new().read(true).open(path) else {
        return false;
    };
    match flock(f.as_fd(), FlockOperation::NonBlockingLockShared) {
        Ok(()) => false,
        Err(e) => e == rustix::io::Errno::WOULDBLOCK,
    }
}

/// A channel that gets a message once nobody holds the lock at `path` exclusively (at
/// once if there is no such file). The waiting is done by the kernel (a blocking shared
/// flock on a helper thread), not by polling.
pub fn on_release(path: &Path) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    let Ok(f) = OpenOptions::new().read(true).open(path) else {
        let _ = tx.send(());
        return rx;
    };
    if flock(f.as_fd(), FlockOperation::NonBlockingLockShared).is_ok() {
        let _ = tx.send(());
        return rx;
    }
    std::thread::spawn(move || {
        let _ = retry(|| flock(f.as_fd(), FlockOperation::LockShared));
        let _ = tx.send(());
    });
    rx
}

/// Blocks until nobody holds the lock at `path` exclusively, then returns the note its
/// holder left in it ([`FileLock::set_note`]); None if there was no lock file.
pub fn wait_released_note(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut f = OpenOptions::new().read(true).open(path).ok()?;
    let _ = retry(|| flock(f.as_fd(), FlockOperation::LockShared));
    let mut note = String::new();
    f.read_to_string(&mut note).ok()?;
    Some(note)
}

/// Blocks until nobody holds the lock at `path` exclusively, or `timeout` passes; true
/// if it was released.
pub fn wait_released(path: &Path, timeout: Option<Duration>) -> bool {
    let rx = on_release(path);
    match timeout {
        None => rx.recv().is_ok(),
        Some(t) => rx.recv_timeout(t).is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_and_released() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("shim.lock");
        assert!(!held(&p), "no file, no holder");
        let l = FileLock::exclusive(&p).unwrap();
        assert!(held(&p));
        assert!(FileLock::try_exclusive(&p).unwrap().is_none());
        assert!(!wait_released(&p, Some(Duration::from_millis(30))));
        let p2 = p.clone();
        let waiter = std::thread::spawn(move || wait_released(&p2, None));
        std::thread::sleep(Duration::from_millis(30));
        drop(l);
        assert!(waiter.join().unwrap());
        assert!(!held(&p));
        assert!(FileLock::try_exclusive(&p).unwrap().is_some());
    }
}
