//! Directory (an overlay upper dir, or a plain rootfs) -> layer tar, turning overlay
//! whiteouts (char 0/0) into `.wh.NAME` and opaque dirs into `.wh..wh..opq`.
use crate::{LayerError, OPAQUE_WHITEOUT, OPAQUE_XATTR, WHITEOUT_PREFIX};
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// Writes `dir` as an uncompressed layer tar to `out`, entries sorted by name so the same
/// tree always gives the same bytes (and the same diffID).
pub fn write_diff<W: Write>(dir: &Path, out: W) -> Result<W, LayerError> {
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| LayerError::Io { path, source }
    };
    let mut b = tar::Builder::new(out);
    b.follow_symlinks(false);
    let mut inodes: HashMap<(u64, u64), Vec<u8>> = HashMap::new();
    let mut stack = vec![Vec::<u8>::new()];
    while let Some(rel) = stack.pop() {
        let abs = dir.join(std::ffi::OsStr::from_bytes(&rel));
        let mut names: Vec<_> = fs::read_dir(&abs)
            .map_err(io(&abs))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .map_err(io(&abs))?;
        names.sort();
        let mut subdirs = Vec::new();
        for name in names {
            let mut r = rel.clone();
            if !r.is_empty() {
                r.push(b'/');
            }
            r.extend_from_slice(name.as_bytes());
            let p = dir.join(std::ffi::OsStr::from_bytes(&r));
            let md = fs::symlink_metadata(&p).map_err(io(&p))?;
            let ft = md.file_type();
            if ft.is_char_device() && md.rdev() == 0 {
                let mut wh = rel.clone();
                if !wh.is_empty() {
                    wh.push(b'/');
                }
                wh.extend_from_slice(WHITEOUT_PREFIX.as_bytes());
                wh.extend_from_slice(name.as_bytes());
                let mut h = marker(md.mtime());
                b.append_data(&mut h, std::ffi::OsStr::from_bytes(&wh), std::io::empty())
                    .map_err(io(&p))?;
                continue;
            }
            if md.is_file() && md.nlink() > 1 {
                if let Some(first) = inodes.get(&(md.dev(), md.ino())) {
                    let mut h = tar::Header::new_gnu();
                    h.set_metadata(&md);
                    h.set_entry_type(tar::EntryType::Link);
                    h.set_size(0);
                    b.append_link(
                        &mut h,
                        std::ffi::OsStr::from_bytes(&r),
                        std::ffi::OsStr::from_bytes(first),
                    )
                    .map_err(io(&p))?;
                    continue;
                }
                inodes.insert((md.dev(), md.ino()), r.clone());
            }
            b.append_path_with_name(&p, std::ffi::OsStr::from_bytes(&r))
                .map_err(io(&p))?;
            if ft.is_dir() {
                let mut v = [0u8; 4];
                if matches!(rustix::fs::lgetxattr(&p, OPAQUE_XATTR, &mut v), Ok(1) if v[0] == b'y')
                {
                    let mut o = r.clone();
                    o.push(b'/');
                    o.extend_from_slice(OPAQUE_WHITEOUT.as_bytes());
                    let mut h = marker(md.mtime());
                    b.append_data(&mut h, std::ffi::OsStr::from_bytes(&o), std::io::empty())
                        .map_err(io(&p))?;
                }
                subdirs.push(r);
            }
        }
        // Reversed so the stack pops them in sorted order.
        stack.extend(subdirs.into_iter().rev());
    }
    b.into_inner().map_err(io(dir))
}

/// Header of an empty marker file (`.wh.*`).
fn marker(mtime: i64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(0);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime.max(0) as u64);
    h
}
