//! The init layer: one read-only layer, shared by every container of a store and stacked
//! on top of the image's layers. It holds the files the engine binds over
//! (/etc/hostname, /etc/hosts, /etc/resolv.conf), so that their mount targets exist
//! without being created in each container's writable layer at every start (Docker
//! makes such an "-init" layer per container).
use crate::error::{Context, Result};
use crate::record::containers_dir;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const FILES: &[&str] = &["hostname", "hosts", "resolv.conf"];

/// The store's init layer, made on first use.
pub fn ensure(root: &Path) -> Result<PathBuf> {
    let dir = root.join("init-layer");
    // The last file made: its presence means the layer is whole.
    let done = |d: &Path| d.join("etc").join(FILES[FILES.len() - 1]).exists();
    if done(&dir) {
        return Ok(dir);
    }
    // Built aside (a dot-name, which container lookups skip) and renamed into place.
    let tmp = containers_dir(root).join(format!(".init-layer-{}", std::process::id()));
    let made = (|| -> std::io::Result<()> {
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(tmp.join("etc"))?;
        fs::set_permissions(tmp.join("etc"), fs::Permissions::from_mode(0o755))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
        for f in FILES {
            let p = tmp.join("etc").join(f);
            fs::write(&p, b"")?;
            fs::set_permissions(&p, fs::Permissions::from_mode(0o644))?;
        }
        fs::rename(&tmp, &dir)
    })();
    match made {
        Ok(()) => Ok(dir),
        // Another berth made it first.
        Err(_) if done(&dir) => {
            let _ = fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e).with_context(|| format!("making the init layer {}", dir.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_with_the_bind_targets() {
        let t = tempfile::tempdir().unwrap();
        let dir = ensure(t.path()).unwrap();
        for f in FILES {
            let m = fs::metadata(dir.join("etc").join(f)).unwrap();
            assert!(m.is_file() && m.len() == 0, "{f}");
        }
        let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        let first = ino(&dir);
        assert_eq!(ensure(t.path()).unwrap(), dir);
        assert_eq!(ino(&dir), first, "not made again");
        // Nothing left aside.
        let names: Vec<_> = fs::read_dir(containers_dir(t.path()))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}
