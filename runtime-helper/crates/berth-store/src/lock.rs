//! Multi-process locking with flock(2). Content writers (pull, load, import) hold the store
//! lock shared, so they run side by side; garbage collection holds it exclusive, so it
//! never deletes a blob that a writer has committed but not yet recorded. The records
//! file has its own exclusive lock for read-modify-write.
use crate::{Result, StoreError};
use rustix::fs::{flock, FlockOperation};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub struct Lock {
    _file: File,
}

fn open(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(StoreError::io(path))
}

impl Lock {
    pub fn shared(path: &Path) -> Result<Lock> {
        let f = open(path)?;
        flock(&f, FlockOperation::LockShared).map_err(|e| StoreError::io(path)(e.into()))?;
        Ok(Lock { _file: f })
    }

    pub fn exclusive(path: &Path) -> Result<Lock> {
        let f = open(path)?;
        flock(&f, FlockOperation::LockExclusive).map_err(|e| StoreError::io(path)(e.into()))?;
        Ok(Lock { _file: f })
    }

    /// `None` when another process holds the lock in any mode.
    pub fn try_exclusive(path: &Path) -> Result<Option<Lock>> {
        let f = open(path)?;
        match flock(&f, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(Some(Lock { _file: f })),
            Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
            Err(e) => Err(StoreError::io(path)(e.into())),
        }
    }
}
