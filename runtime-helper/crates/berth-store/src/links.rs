//! Short names for layer directories, so an overlay mount of a long layer chain fits in
//! mount(2)'s one-page option string: `l/<16 hex>` -> `../layers/sha256/<64 hex>`.
//! 128 layers by absolute path need ~12 KiB of options; by short link ~2.4 KiB.
use crate::fsutil::temp_path;
use crate::{Result, Store, StoreError};
use std::fs;
use std::path::{Path, PathBuf};

const SHORT: usize = 16;

fn target(hex: &str) -> PathBuf {
    Path::new("../layers/sha256").join(hex)
}

/// Creates `l/<short>` for the layer `hex` if missing. A short name already taken by
/// another layer is refused rather than silently pointing at the wrong layer.
pub(crate) fn ensure(store: &Store, hex: &str) -> Result<String> {
    let short = &hex[..SHORT.min(hex.len())];
    let link = store.root().join("l").join(short);
    match fs::read_link(&link) {
        Ok(t) if t == target(hex) => return Ok(short.to_string()),
        Ok(t) => {
            return Err(StoreError::Conflict(format!(
                "layer link {} points to {} instead of layer {hex}",
                link.display(),
                t.display()
            )))
        }
        Err(_) => {}
    }
    let tmp = temp_path(&store.tmp_dir(), "link");
    std::os::unix::fs::symlink(target(hex), &tmp).map_err(StoreError::io(&tmp))?;
    fs::rename(&tmp, &link).map_err(StoreError::io(&link))?;
    Ok(short.to_string())
}

/// Removes links whose layer is gone.
pub(crate) fn sweep(store: &Store) -> Result<()> {
    let dir = store.root().join("l");
    for e in fs::read_dir(&dir).map_err(StoreError::io(&dir))? {
        let p = e.map_err(StoreError::io(&dir))?.path();
        if !p.exists() {
            fs::remove_file(&p).map_err(StoreError::io(&p))?;
        }
    }
    Ok(())
}

impl Store {
    /// The overlay `lowerdir=` value for `layer_dirs` (bottom layer first, as in
    /// [`crate::ResolvedImage`]): short links, top layer first, RELATIVE to the store root.
    /// The mount must be made with the store root as the working directory.
    pub fn overlay_lowerdir(&self, layer_dirs: &[PathBuf]) -> Result<String> {
        let mut parts = Vec::with_capacity(layer_dirs.len());
        for d in layer_dirs.iter().rev() {
            let hex = d
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|_| d.parent() == Some(&self.root().join("layers/sha256")))
                .ok_or_else(|| {
                    StoreError::invalid(
                        d.display().to_string(),
                        "not a layer directory of this store",
                    )
                })?;
            crate::hex_of(&format!("sha256:{hex}"))?;
            parts.push(format!("l/{}", ensure(self, hex)?));
        }
        Ok(parts.join(":"))
    }
}
