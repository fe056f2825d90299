//! Image records: which manifest each image ID stands for, and which names point at it.
//! One small JSON file, rewritten atomically under its own lock.
use crate::fsutil::write_atomic;
use crate::lock::Lock;
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Records {
    pub images: BTreeMap<String, ImageRecord>,
    /// Full reference (`docker.io/library/busybox:latest`) -> image ID.
    pub refs: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageRecord {
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// When the image entered the store.
    pub stored: String,
}

impl Records {
    pub fn refs_of(&self, id: &str) -> Vec<String> {
        self.refs
            .iter()
            .filter(|(_, v)| v.as_str() == id)
            .map(|(k, _)| k.clone())
            .collect()
    }
}

pub struct RecordsFile {
    pub path: PathBuf,
    lock: PathBuf,
    store_lock: PathBuf,
    tmp: PathBuf,
}

impl RecordsFile {
    pub fn new(root: &Path) -> RecordsFile {
        RecordsFile {
            path: root.join("images.json"),
            lock: root.join("images.lock"),
            store_lock: root.join("store.lock"),
            tmp: root.join("tmp"),
        }
    }

    pub fn read(&self) -> Result<Records> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                StoreError::invalid(
                    self.path.display().to_string(),
                    format!("corrupt records: {e}"),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Records::default()),
            Err(e) => Err(StoreError::io(&self.path)(e)),
        }
    }

    /// Read-modify-write under the records lock; `f` decides and may refuse.
    pub fn update<T>(&self, f: impl FnOnce(&mut Records) -> Result<T>) -> Result<T> {
        // The new file is written in tmp/, which Store::open empties when nobody holds the
        // store lock: hold it shared (before the records lock, the order Txn::commit uses).
        let _s = Lock::shared(&self.store_lock)?;
        let _l = Lock::exclusive(&self.lock)?;
        let mut r = self.read()?;
        let out = f(&mut r)?;
        let data = serde_json::to_vec_pretty(&r)
            .map_err(|e| StoreError::invalid("records", e.to_string()))?;
        write_atomic(&self.tmp, &self.path, &data)?;
        Ok(out)
    }
}
