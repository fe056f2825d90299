//! Leases: a holder (a container, a build) that uses an image says so, and the image's
//! content then survives `rmi` and GC until the lease is released. A lease is a hard
//! link `leases/<holder>` to the image's manifest blob: one metadata operation, so it
//! needs no data write and no fsync (a journaling filesystem commits it in order, before
//! the holder's own records written after it), and the manifest names all the content.
//! Holders never contend on a shared file.
use crate::digest::sha256;
use crate::lock::Lock;
use crate::manifest::Manifest;
use crate::{ResolvedImage, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lease {
    pub holder: String,
    pub image: String,
    pub manifest: String,
}

fn valid_holder(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 128
        && !h.starts_with('.')
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Store {
    fn lease_path(&self, holder: &str) -> Result<PathBuf> {
        if !valid_holder(holder) {
            return Err(StoreError::invalid(
                format!("lease holder {holder:?}"),
                "use letters, digits, '-', '_' and '.'",
            ));
        }
        Ok(self.root().join("leases").join(holder))
    }

    /// Records that `holder` uses `image` (as its caller resolved it): its content is kept
    /// until [`Store::release`], and `rmi` without force refuses to remove it. Fails with
    /// NotFound if the image's record went away since it was resolved.
    pub fn lease(&self, holder: &str, image: &ResolvedImage) -> Result<()> {
        let p = self.lease_path(holder)?;
        // Shared, like an image write: a GC (exclusive) either sees this lease, or ran
        // before it and then the image's record must still be there for its content to be.
        let _l = Lock::shared(&self.root().join("store.lock"))?;
        let recs = self.records().read()?;
        let rec = recs
            .images
            .get(&image.id)
            .ok_or_else(|| StoreError::NotFound {
                what: "image",
                name: image.id.clone(),
            })?;
        let blob = self.blob_path(&rec.manifest)?;
        // One link in the common case. The directory is made on the first lease (if the
        // blob is what is missing, the second link says so); a second lease of the same
        // holder replaces the first.
        if let Err(e) = fs::hard_link(&blob, &p) {
            match e.kind() {
                std::io::ErrorKind::NotFound => {
                    // Stores opened before leases/ was made by Store::open.
                    crate::fsutil::private_dir(&self.root().join("leases"))?;
                }
                std::io::ErrorKind::AlreadyExists => {
                    fs::remove_file(&p).map_err(StoreError::io(&p))?
                }
                _ => return Err(StoreError::io(&p)(e)),
            }
            fs::hard_link(&blob, &p).map_err(StoreError::io(&p))?;
        }
        Ok(())
    }

    /// Drops `holder`'s lease (missing is fine). Content is freed by the next GC.
    pub fn release(&self, holder: &str) -> Result<()> {
        let p = self.lease_path(holder)?;
        match fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&p)(e)),
            _ => Ok(()),
        }
    }

    pub fn leases(&self) -> Result<Vec<Lease>> {
        let dir = self.root().join("leases");
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StoreError::io(&dir)(e)),
        };
        let mut out = Vec::new();
        for e in rd {
            let p = e.map_err(StoreError::io(&dir))?.path();
            let b = fs::read(&p).map_err(StoreError::io(&p))?;
            let l = lease_of(&p, &b)?;
            out.push(l);
        }
        Ok(out)
    }
}

/// The lease in file `p` (a manifest blob's bytes): its holder is the file's name.
fn lease_of(p: &std::path::Path, b: &[u8]) -> Result<Lease> {
    let holder = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let m: Manifest = match serde_json::from_slice(b) {
        Ok(m) => m,
        // Stores written before leases were links hold the lease as JSON.
        Err(e) => {
            return serde_json::from_slice::<Lease>(b)
                .map_err(|_| StoreError::invalid(p.display().to_string(), e.to_string()))
        }
    };
    Ok(Lease {
        holder,
        image: m.config.digest,
        manifest: sha256(b),
    })
}
