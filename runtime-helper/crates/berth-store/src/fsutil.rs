//! Crash-safe file system steps: temp path in the same filesystem, fsync, rename, fsync dir.
use crate::{Result, StoreError};
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh, unused name under `tmp_dir` (pid + counter + time, so concurrent processes never
/// collide).
pub fn temp_path(tmp_dir: &Path, kind: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    tmp_dir.join(format!("{kind}-{}-{n}-{t}", std::process::id()))
}

pub fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::io(dir))
}

/// Mode of the store's root. Only its owner (root, or the rootless user) may enter: layer
/// directories hold whatever an image carries, setuid-root binaries and device nodes
/// included, and anyone who can reach them can run them.
pub const ROOT_MODE: u32 = 0o700;

/// Creates the store root `root` (parents as `mkdir -p` would: they are outside the store)
/// with mode 0700, or checks an existing one: it must be a directory owned by this
/// process's user, and any access for others (a store made by an older version, 0755) is
/// taken away. 0710 is kept: an administrator set it for a group that must traverse the
/// root (as Docker's /var/lib/docker is 0710).
pub fn prepare_root(root: &Path) -> Result<()> {
    if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
        }
    }
    match DirBuilder::new().mode(ROOT_MODE).create(root) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(StoreError::io(root)(e)),
    }
    // The root itself may be a symlink an administrator made (the store moved to another
    // disk): what it points to is checked.
    let md = fs::metadata(root).map_err(StoreError::io(root))?;
    if !md.is_dir() {
        return Err(StoreError::invalid(
            root.display().to_string(),
            "the store root is not a directory",
        ));
    }
    let me = rustix::process::geteuid().as_raw();
    if md.uid() != me {
        return Err(StoreError::invalid(
            root.display().to_string(),
            format!(
                "the store root is owned by uid {}, not by this user (uid {me}); whoever owns it controls every image",
                md.uid()
            ),
        ));
    }
    let mode = md.mode() & 0o7777;
    if mode != ROOT_MODE && mode != 0o710 {
        fs::set_permissions(root, fs::Permissions::from_mode(ROOT_MODE))
            .map_err(StoreError::io(root))?;
    }
    Ok(())
}

/// Creates the directory `dir` inside the store with mode 0700 (whatever the umask), or
/// checks an existing one is a directory, not a symlink, and takes away any access for
/// group and others (stores made by older versions were 0755 all the way down).
pub fn private_dir(dir: &Path) -> Result<()> {
    let md = match fs::symlink_metadata(dir) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => return Ok(()),
                // Another process made it since.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    fs::symlink_metadata(dir).map_err(StoreError::io(dir))?
                }
                Err(e) => return Err(StoreError::io(dir)(e)),
            }
        }
        Err(e) => return Err(StoreError::io(dir)(e)),
    };
    if !md.file_type().is_dir() {
        return Err(StoreError::invalid(
            dir.display().to_string(),
            "expected a directory of the store (found a symlink or file)",
        ));
    }
    if md.mode() & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(StoreError::io(dir))?;
    }
    Ok(())
}

/// A new file for the store's own data (blobs, records), readable by its owner only, that
/// must not exist yet.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
}

/// Writes `data` to `dest` atomically: readers see the old file or the new one, never a
/// mix, and after return the new one survives a crash.
pub fn write_atomic(tmp_dir: &Path, dest: &Path, data: &[u8]) -> Result<()> {
    let tmp = temp_path(tmp_dir, "file");
    let r = (|| {
        let mut f = create_private(&tmp).map_err(StoreError::io(&tmp))?;
        f.write_all(data).map_err(StoreError::io(&tmp))?;
        f.sync_all().map_err(StoreError::io(&tmp))?;
        fs::rename(&tmp, dest).map_err(StoreError::io(dest))?;
        fsync_dir(dest.parent().unwrap_or(Path::new("/")))
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

/// Removes a file or directory tree; missing is fine.
pub fn remove_any(p: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// RFC 3339 UTC timestamp for "now" (no date crate needed for one format).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The whole content of an opened blob; read errors name the blob's `digest`.
pub(crate) fn read_blob_file(mut f: File, digest: &str) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    f.read_to_end(&mut v).map_err(StoreError::io(digest))?;
    Ok(v)
}
