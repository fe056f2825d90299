//! An image write: blobs ingested and layers unpacked under `tmp/`, verified, then
//! committed together with the image record. Dropping a `Txn` without committing removes
//! its temporary files, so a failed pull or load leaves the store as it was.
//!
//! A `Txn` is `Sync`: a puller ingests and unpacks several layers from several threads.
use crate::digest::{chain_id, hex_of};
use crate::fsutil::{fsync_dir, read_blob_file, remove_any, temp_path};
use crate::lock::Lock;
use crate::manifest::{ConfigRootfs, Manifest};
use crate::records::ImageRecord;
use crate::{ImageId, Reference, Result, Store, StoreError};
use berth_layer::{Compression, HashingWriter, UnpackOptions};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct Txn<'s> {
    store: &'s Store,
    _lock: Lock,
    blobs: Mutex<HashMap<String, PathBuf>>,
    layers: Mutex<HashMap<String, PathBuf>>,
}

/// One image of [`Txn::commit_all`].
#[derive(Debug, Clone, Copy)]
pub struct Commit<'a> {
    /// The manifest's digest (its blob is pending or committed).
    pub manifest: &'a str,
    /// The index it was picked from, kept with it (pull by a multi-platform name).
    pub index: Option<&'a str>,
    /// Names to point at the image.
    pub refs: &'a [Reference],
}

#[derive(Debug, Clone)]
pub struct LayerInfo {
    pub diff_id: String,
    pub chain_id: String,
    /// The blob's compression (`None` only if it could not be told).
    pub compression: Option<Compression>,
}

impl<'s> Txn<'s> {
    pub(crate) fn new(store: &'s Store) -> Result<Txn<'s>> {
        Ok(Txn {
            store,
            _lock: Lock::shared(&store.root().join("store.lock"))?,
            blobs: Mutex::new(HashMap::new()),
            layers: Mutex::new(HashMap::new()),
        })
    }

    /// True if the blob is committed or already ingested by this transaction.
    pub fn has_blob(&self, digest: &str) -> bool {
        self.pending_blob(digest).is_some() || self.store.has_blob(digest)
    }

    fn pending_blob(&self, digest: &str) -> Option<PathBuf> {
        self.blobs.lock().ok()?.get(digest).cloned()
    }

    /// Streams `reader` into a pending blob. With `expected = (digest, size)`, reads at most
    /// `size + 1` bytes and refuses anything that is not exactly that blob; `what` names it
    /// in errors (e.g. `layer sha256:… from 127.0.0.1:5000/x`).
    pub fn ingest(
        &self,
        reader: impl Read,
        expected: Option<(&str, u64)>,
        what: &str,
    ) -> Result<(String, u64)> {
        if let Some((d, _)) = expected {
            hex_of(d)?;
        }
        let tmp = temp_path(&self.store.tmp_dir(), "blob");
        let r = (|| {
            let f = crate::fsutil::create_private(&tmp).map_err(StoreError::io(&tmp))?;
            let watched = f.try_clone().map_err(StoreError::io(&tmp))?;
            let mut w = HashingWriter::new(io::BufWriter::with_capacity(256 * 1024, f));
            let limit = expected
                .map(|(_, s)| s.saturating_add(1))
                .unwrap_or(u64::MAX);
            // An endless input (`import -`) stops before it fills the disk.
            let mut guarded =
                berth_layer::SpaceWriter::new(&mut w, watched, &tmp, self.store.min_free());
            io::copy(&mut reader.take(limit), &mut guarded).map_err(|e| StoreError::Io {
                path: what.to_string(),
                source: e,
            })?;
            let (bw, digest, size) = w.finish();
            let f = bw
                .into_inner()
                .map_err(|e| StoreError::io(&tmp)(e.into_error()))?;
            if let Some((ed, es)) = expected {
                if size != es {
                    return Err(StoreError::SizeMismatch {
                        what: what.to_string(),
                        expected: es,
                        actual: size,
                    });
                }
                if digest != ed {
                    return Err(StoreError::DigestMismatch {
                        what: what.to_string(),
                        expected: ed.to_string(),
                        actual: digest,
                    });
                }
            }
            f.sync_all().map_err(StoreError::io(&tmp))?;
            Ok((digest, size))
        })();
        match r {
            Ok((digest, size)) => {
                let prev = self
                    .blobs
                    .lock()
                    .expect("poisoned")
                    .insert(digest.clone(), tmp);
                if let Some(p) = prev {
                    let _ = fs::remove_file(p);
                }
                Ok((digest, size))
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Ingests a small blob held in memory (manifests, configs).
    pub fn put_blob(&self, data: &[u8], expected: Option<&str>, what: &str) -> Result<String> {
        let exp = expected.map(|d| (d, data.len() as u64));
        let (d, _) = self.ingest(data, exp, what)?;
        Ok(d)
    }

    /// Opens a blob, pending or committed.
    pub fn open_blob(&self, digest: &str) -> Result<File> {
        match self.pending_blob(digest) {
            Some(p) => File::open(&p).map_err(StoreError::io(&p)),
            None => self.store.open_blob(digest),
        }
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>> {
        read_blob_file(self.open_blob(digest)?, digest)
    }

    pub fn has_layer(&self, chain_id: &str) -> bool {
        self.layers
            .lock()
            .map(|l| l.contains_key(chain_id))
            .unwrap_or(false)
            || self.store.has_layer(chain_id)
    }

    /// Unpacks the layer blob `blob` (pending or committed) on top of `parent_chain` into a
    /// pending layer directory, and checks its diffID against `expected_diff_id` if given.
    /// When the expected diffID is known and the layer already exists, nothing is unpacked.
    pub fn unpack_layer(
        &self,
        blob: &str,
        expected_diff_id: Option<&str>,
        parent_chain: Option<&str>,
        opts: &UnpackOptions,
    ) -> Result<LayerInfo> {
        if let Some(d) = expected_diff_id {
            hex_of(d)?;
            let chain = chain_id(parent_chain, d);
            if self.has_layer(&chain) {
                // The layer is there, but this blob must still be the layer it claims to
                // be, or a later save/push would hand out other content under its name.
                let (actual, c) = berth_layer::diff_id_of(self.open_blob(blob)?, opts.max_size)
                    .map_err(|source| StoreError::Layer {
                        digest: blob.to_string(),
                        source,
                    })?;
                if actual != d {
                    return Err(StoreError::DigestMismatch {
                        what: format!("uncompressed layer {blob} (diffID in image config)"),
                        expected: d.to_string(),
                        actual,
                    });
                }
                return Ok(LayerInfo {
                    diff_id: d.to_string(),
                    chain_id: chain,
                    compression: Some(c),
                });
            }
        }
        let src = self.open_blob(blob)?;
        let dir = temp_path(&self.store.tmp_dir(), "layer");
        let r = (|| {
            // The layer's root is the image's `/`: 0755 whatever the umask, unless the
            // tar says otherwise (`./`). tmp/ and layers/ keep others out of it.
            fs::create_dir(&dir).map_err(StoreError::io(&dir))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
                .map_err(StoreError::io(&dir))?;
            let unpacked =
                berth_layer::unpack(src, &dir, opts).map_err(|source| StoreError::Layer {
                    digest: blob.to_string(),
                    source,
                })?;
            if let Some(d) = expected_diff_id {
                if unpacked.diff_id != d {
                    return Err(StoreError::DigestMismatch {
                        what: format!("uncompressed layer {blob} (diffID in image config)"),
                        expected: d.to_string(),
                        actual: unpacked.diff_id,
                    });
                }
            }
            Ok(unpacked)
        })();
        let unpacked = match r {
            Ok(u) => u,
            Err(e) => {
                let _ = remove_any(&dir);
                return Err(e);
            }
        };
        let chain = chain_id(parent_chain, &unpacked.diff_id);
        let mut layers = self.layers.lock().expect("poisoned");
        if layers.contains_key(&chain) || self.store.has_layer(&chain) {
            let _ = remove_any(&dir);
        } else {
            layers.insert(chain.clone(), dir);
        }
        Ok(LayerInfo {
            diff_id: unpacked.diff_id,
            chain_id: chain,
            compression: Some(unpacked.compression),
        })
    }

    /// Checks that the image behind `manifest_digest` is complete (manifest, config, every
    /// layer blob and every unpacked layer), commits everything pending, and points
    /// `refs` at it. Returns the image ID (the config digest).
    pub fn commit(
        self,
        manifest_digest: &str,
        index_digest: Option<&str>,
        refs: &[Reference],
    ) -> Result<ImageId> {
        let mut ids = self.commit_all(&[Commit {
            manifest: manifest_digest,
            index: index_digest,
            refs,
        }])?;
        Ok(ids.remove(0))
    }

    /// [`Txn::commit`] for several images at once (a `load` of a multi-image archive):
    /// every image is checked complete first, then all are committed together, or none.
    pub fn commit_all(self, images: &[Commit<'_>]) -> Result<Vec<ImageId>> {
        let ids = images
            .iter()
            .map(|c| self.check_complete(c.manifest, c.index))
            .collect::<Result<Vec<_>>>()?;
        self.publish()?;
        let stored = crate::fsutil::now_rfc3339();
        self.store.records().update(|r| {
            for (c, id) in images.iter().zip(&ids) {
                r.images.insert(
                    id.clone(),
                    ImageRecord {
                        manifest: c.manifest.to_string(),
                        index: c.index.map(str::to_string),
                        stored: stored.clone(),
                    },
                );
                for rf in c.refs {
                    r.refs.insert(rf.to_string(), id.clone());
                }
            }
            Ok(())
        })?;
        Ok(ids)
    }

    /// The image ID of the image behind `manifest_digest`, if all of it is here.
    fn check_complete(&self, manifest_digest: &str, index_digest: Option<&str>) -> Result<ImageId> {
        let raw = self.read_blob(manifest_digest)?;
        let manifest: Manifest = serde_json::from_slice(&raw).map_err(|e| {
            StoreError::invalid(format!("manifest {manifest_digest}"), e.to_string())
        })?;
        let id = manifest.config.digest.clone();
        hex_of(&id)?;
        let config = self.read_blob(&id)?;
        let rootfs: ConfigRootfs = serde_json::from_slice(&config)
            .map_err(|e| StoreError::invalid(format!("image config {id}"), e.to_string()))?;
        if rootfs.rootfs.diff_ids.len() != manifest.layers.len() {
            return Err(StoreError::invalid(
                format!("image {id}"),
                format!(
                    "manifest has {} layers but config has {} diff_ids",
                    manifest.layers.len(),
                    rootfs.rootfs.diff_ids.len()
                ),
            ));
        }
        for l in &manifest.layers {
            if !self.has_blob(&l.digest) {
                return Err(StoreError::NotFound {
                    what: "layer blob",
                    name: l.digest.clone(),
                });
            }
        }
        for c in crate::chain_ids(&rootfs.rootfs.diff_ids) {
            if !self.has_layer(&c) {
                return Err(StoreError::NotFound {
                    what: "unpacked layer",
                    name: c,
                });
            }
        }
        if let Some(i) = index_digest {
            if !self.has_blob(i) {
                return Err(StoreError::NotFound {
                    what: "index blob",
                    name: i.to_string(),
                });
            }
        }
        Ok(id)
    }

    /// Renames pending blobs and layers into place. Layer trees are flushed with one
    /// syncfs first, so a renamed layer is never a half-written one after a crash.
    fn publish(&self) -> Result<()> {
        let root = self.store.root();
        let blobs = std::mem::take(&mut *self.blobs.lock().expect("poisoned"));
        let layers = std::mem::take(&mut *self.layers.lock().expect("poisoned"));
        if !layers.is_empty() {
            let f = File::open(root).map_err(StoreError::io(root))?;
            rustix::fs::syncfs(&f).map_err(|e| StoreError::io(root)(e.into()))?;
        }
        for (digest, tmp) in &blobs {
            let dest = self.store.blob_path(digest)?;
            if dest.exists() {
                let _ = fs::remove_file(tmp);
            } else {
                fs::rename(tmp, &dest).map_err(StoreError::io(&dest))?;
            }
        }
        fsync_dir(&root.join("blobs/sha256"))?;
        for (chain, tmp) in &layers {
            let dest = self.store.layer_path(chain)?;
            if dest.exists() {
                let _ = remove_any(tmp);
            } else if let Err(e) = fs::rename(tmp, &dest) {
                // Another process committed the same layer between the check and the
                // rename: its copy is as good as ours.
                if !dest.is_dir() {
                    return Err(StoreError::io(&dest)(e));
                }
                let _ = remove_any(tmp);
            }
            crate::links::ensure(self.store, hex_of(chain)?)?;
        }
        fsync_dir(&root.join("layers/sha256"))?;
        Ok(())
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        if let Ok(b) = self.blobs.get_mut() {
            for p in b.values() {
                let _ = fs::remove_file(p);
            }
        }
        if let Ok(l) = self.layers.get_mut() {
            for p in l.values() {
                let _ = remove_any(p);
            }
        }
    }
}
