//! Leases: a holder (a container, a build) that uses an image says so, and the image's
//! content then survives `rmi` and GC until the lease is released. One small file per
//! holder under `leases/`, so holders never contend on a shared file.
use crate::fsutil::write_atomic;
use crate::lock::Lock;
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
        let l = Lease {
            holder: holder.to_string(),
            image: image.id.clone(),
            manifest: rec.manifest.clone(),
        };
        fs::create_dir_all(self.root().join("leases"))
            .map_err(StoreError::io(self.root().join("leases")))?;
        write_atomic(&self.tmp_dir(), &p, &serde_json::to_vec(&l).expect("json"))
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
            let l: Lease = serde_json::from_slice(&b)
                .map_err(|e| StoreError::invalid(p.display().to_string(), e.to_string()))?;
            out.push(l);
        }
        Ok(out)
    }
}
