//! Crash-safe file system steps: temp path in the same filesystem, fsync, rename, fsync dir.
use crate::{Result, StoreError};
use std::fs::{self, File};
use std::io::{Read, Write};
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

/// Writes `data` to `dest` atomically: readers see the old file or the new one, never a
/// mix, and after return the new one survives a crash.
pub fn write_atomic(tmp_dir: &Path, dest: &Path, data: &[u8]) -> Result<()> {
    let tmp = temp_path(tmp_dir, "file");
    let r = (|| {
        let mut f = File::create(&tmp).map_err(StoreError::io(&tmp))?;
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
