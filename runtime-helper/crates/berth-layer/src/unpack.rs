//! Rooted extraction of a layer tar into a directory, turning OCI whiteouts into overlay
//! whiteouts.
//!
//! Parent directories are resolved with `openat2(RESOLVE_IN_ROOT)` from a handle on the
//! destination, so a symlink planted by an earlier entry (`a -> /etc`) resolves inside the
//! layer, never on the host. The last component is always created by an `*at` call on the
//! parent's handle with no-follow semantics, and an existing entry is unlinked first
//! rather than written through.
use crate::compression::{detect_compression, Compression};
use crate::error::quoted;
use crate::hash::HashingReader;
use crate::path::components;
use crate::{LayerError, OPAQUE_WHITEOUT, OPAQUE_XATTR, WHITEOUT_PREFIX};
use rustix::fs::{
    self as rfs, AtFlags, FileType, Gid, Mode, OFlags, ResolveFlags, Timespec, Timestamps, Uid,
    XattrFlags,
};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc;
use tar::EntryType;

#[derive(Debug, Clone)]
pub struct UnpackOptions {
    /// Create character and block device nodes (root only). When false they are refused.
    pub allow_devices: bool,
    /// The largest uncompressed tar stream accepted, in bytes ([`LayerError::TooLarge`]
    /// past it). Gzip turns 1 MB of zeros into ~1 GB, so the compressed size says nothing.
    pub max_size: u64,
    /// Space to leave free on the destination's file system, in bytes: extraction stops
    /// with [`LayerError::NoSpace`] before the space available to unprivileged users
    /// (statvfs `f_bavail`) falls below it. Checked at the start and as data is written,
    /// more often the closer it gets.
    pub min_free: u64,
}

/// Default [`UnpackOptions::max_size`]: 32 GiB. Above the largest single layers seen in
/// practice (CUDA and ML framework layers reach 5-15 GiB uncompressed), far below what a
/// compression bomb expands to; an administrator with bigger layers raises it.
pub const DEFAULT_MAX_LAYER_SIZE: u64 = 32 << 30;

/// Default [`UnpackOptions::min_free`]: 1 GiB, so a layer never fills the disk the store,
/// logs and the host's own services share. `f_bavail` already leaves ext4's root reserve
/// out; the margin also covers what other writers add between two checks.
pub const DEFAULT_MIN_FREE: u64 = 1 << 30;

impl Default for UnpackOptions {
    fn default() -> Self {
        UnpackOptions {
            allow_devices: true,
            max_size: DEFAULT_MAX_LAYER_SIZE,
            min_free: DEFAULT_MIN_FREE,
        }
    }
}

/// What an extraction saw.
#[derive(Debug, Clone)]
pub struct Unpacked {
    /// `sha256:<hex>` of the uncompressed tar stream (the OCI diffID).
    pub diff_id: String,
    /// Size of the uncompressed tar stream.
    pub size: u64,
    pub compression: Compression,
}

/// Extracts the (possibly compressed) layer tar from `reader` into the existing directory
/// `dest`. On error, `dest` may hold part of the layer; the caller owns its cleanup (the
/// store extracts into a temporary directory for that reason).
///
/// Reading, decompressing and hashing run on a second thread, feeding the extractor
/// through a bounded channel: the same overlap GNU tar gets from piping through gzip.
pub fn unpack<R: Read + Send>(
    reader: R,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<Unpacked, LayerError> {
    let mut buffered = BufReader::with_capacity(CHUNK, reader);
    let compression = detect_compression(&mut buffered).map_err(LayerError::Tar)?;
    let root = rfs::open(
        dest,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| LayerError::Io {
        path: dest.display().to_string(),
        source: e.into(),
    })?;
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(8);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        let producer = s.spawn(move || -> Option<(String, u64)> {
            let mut src = match compression.decoder(buffered) {
                Ok(d) => HashingReader::new(d),
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return None;
                }
            };
            loop {
                let mut buf = free_rx.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
                buf.resize(CHUNK, 0);
                match read_some(&mut src, &mut buf) {
                    Ok(0) => return Some(src.finish()),
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(Ok(buf)).is_err() {
                            return None;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return None;
                    }
                }
            }
        });
        let mut input = ChannelReader {
            rx,
            free: free_tx,
            cur: Vec::new(),
            pos: 0,
            read: 0,
            limit: opts.max_size,
            over_limit: false,
        };
        let extracted = extract(&mut input, root, dest, opts);
        // Whatever error the tar reader made of it, a stream cut at the limit is too large.
        let extracted = match extracted {
            Err(_) if input.over_limit => Err(LayerError::TooLarge {
                limit: opts.max_size,
            }),
            r => r,
        };
        // Stops the producer if extraction ended early.
        drop(input);
        let hashed = producer.join().ok().flatten();
        extracted?;
        let (diff_id, size) = hashed
            .ok_or_else(|| LayerError::Tar(io::Error::other("layer stream ended with an error")))?;
        Ok(Unpacked {
            diff_id,
            size,
            compression,
        })
    })
}

const CHUNK: usize = 256 * 1024;

fn read_some(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// The extractor's side of the channel: chunks in, used buffers back for reuse. It
/// hands out at most `limit` bytes of the uncompressed stream; asked for more, it fails
/// and remembers why.
struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    free: mpsc::Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    read: u64,
    limit: u64,
    over_limit: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.read >= self.limit {
            // One byte past the limit tells a stream of exactly `limit` bytes from a longer one.
            let mut probe = [0u8; 1];
            if self.next_bytes(&mut probe)? == 0 {
                return Ok(0);
            }
            self.over_limit = true;
            return Err(io::Error::other("layer larger than the size limit"));
        }
        let room = usize::try_from(self.limit - self.read).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        let n = self.next_bytes(&mut buf[..want])?;
        self.read += n as u64;
        Ok(n)
    }
}

impl ChannelReader {
    fn next_bytes(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.cur, next);
                    let _ = self.free.send(used);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn extract(
    input: &mut ChannelReader,
    root: OwnedFd,
    dest: &Path,
    opts: &UnpackOptions,
) -> Result<(), LayerError> {
    let mut x = Extractor {
        root: Rc::new(root),
        opts: opts.clone(),
        cache: None,
        dir_times: Vec::new(),
        is_root: rustix::process::geteuid().is_root(),
        buf: vec![0u8; CHUNK],
        space: SpaceCheck::new(dest, opts.min_free),
        written: 0,
    };
    x.check_space()?;
    {
        let mut archive = tar::Archive::new(&mut *input);
        for entry in archive.entries().map_err(LayerError::Tar)? {
            let mut entry = entry.map_err(LayerError::Tar)?;
            x.entry(&mut entry)?;
        }
    }
    // The diffID covers the whole stream, including the padding after the end marker.
    io::copy(input, &mut io::sink()).map_err(LayerError::Tar)?;
    x.finish_dir_times()
}

struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: i64,
    xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

struct Extractor {
    root: Rc<OwnedFd>,
    opts: UnpackOptions,
    /// The last parent directory opened, by joined path: consecutive entries usually share it.
    cache: Option<(Vec<u8>, Rc<OwnedFd>)>,
    /// Directory mtimes are set last, because creating entries inside changes them.
    dir_times: Vec<(Vec<u8>, i64)>,
    is_root: bool,
    buf: Vec<u8>,
    space: SpaceCheck,
    /// Bytes written so far (file data, plus a block per entry for its inode and name).
    written: u64,
}

/// Watches the free space of the file system being written: statvfs at the start, then
/// again after at most half of the headroom left above the reserve has been written
/// (between 1 and 64 MiB), so the checks are rare on an empty disk and close together
/// near the reserve.
pub struct SpaceCheck {
    path: String,
    reserve: u64,
    next: u64,
}

impl SpaceCheck {
    pub fn new(path: &Path, reserve: u64) -> SpaceCheck {
        SpaceCheck {
            path: path.display().to_string(),
            reserve,
            next: 0,
        }
    }

    /// Checks the space left on `fd`'s file system once `written` has passed the next
    /// checkpoint.
    pub fn check(&mut self, fd: impl AsFd, written: u64) -> Result<(), LayerError> {
        if written < self.next {
            return Ok(());
        }
        let st = rfs::fstatvfs(fd).map_err(|e| LayerError::Io {
            path: self.path.clone(),
            source: e.into(),
        })?;
        let available = st.f_bavail.saturating_mul(st.f_frsize);
        if available < self.reserve {
            return Err(LayerError::NoSpace {
                path: self.path.clone(),
                available,
                reserve: self.reserve,
            });
        }
        let step = ((available - self.reserve) / 2).clamp(1 << 20, 64 << 20);
        self.next = written.saturating_add(step);
        Ok(())
    }
}

/// A writer into `file` (through `inner`, e.g. a buffer over it) that fails with
/// `StorageFull` before the file system's free space drops below the reserve.
pub struct SpaceWriter<W> {
    inner: W,
    file: std::fs::File,
    space: SpaceCheck,
    written: u64,
}

impl<W: io::Write> SpaceWriter<W> {
    /// `file` is (a clone of) the file `inner` ends in; `path` names it in errors.
    pub fn new(inner: W, file: std::fs::File, path: &Path, reserve: u64) -> SpaceWriter<W> {
        SpaceWriter {
            inner,
            file,
            space: SpaceCheck::new(path, reserve),
            written: 0,
        }
    }
}

impl<W: io::Write> io::Write for SpaceWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.space
            .check(&self.file, self.written)
            .map_err(|e| io::Error::new(io::ErrorKind::StorageFull, e.to_string()))?;
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

fn join(comps: &[&[u8]]) -> Vec<u8> {
    comps.join(&b'/')
}

/// `/proc/self/fd/N[/name]`: a path that reaches `name` through an fd we already hold, for
/// the few calls (xattrs) that have no `*at` form.
fn proc_path(fd: &OwnedFd, name: Option<&[u8]>) -> PathBuf {
    let mut p = PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
    if let Some(n) = name {
        p.push(os(n));
    }
    p
}

fn timestamps(mtime: i64) -> Timestamps {
    let t = Timespec {
        tv_sec: mtime,
        tv_nsec: 0,
    };
    Timestamps {
        last_access: t,
        last_modification: t,
    }
}

fn read_meta<R: Read>(entry: &mut tar::Entry<R>, raw: &[u8]) -> Result<Meta, LayerError> {
    let h = entry.header();
    let bad = |what: &str| LayerError::unsafe_entry(raw, format!("bad {what} in header"));
    let old = h.as_old();
    // Writers leave numeric fields empty (all NUL or spaces); GNU tar reads that as 0.
    let num = |r: io::Result<u64>, field: &[u8], what: &str| match r {
        Ok(v) => Ok(v),
        Err(_) if field.iter().all(|b| *b == 0 || *b == b' ') => Ok(0),
        Err(_) => Err(bad(what)),
    };
    let mode = num(h.mode().map(u64::from), &old.mode, "mode")? as u32 & 0o7777;
    let mut uid = num(h.uid(), &old.uid, "uid")?;
    let mut gid = num(h.gid(), &old.gid, "gid")?;
    let mtime = num(h.mtime(), &old.mtime, "mtime")?;
    let mut xattrs = Vec::new();
    if let Some(exts) = entry.pax_extensions().map_err(LayerError::Tar)? {
        for ext in exts {
            let ext = ext.map_err(LayerError::Tar)?;
            let key = ext.key_bytes();
            let parse = || {
                std::str::from_utf8(ext.value_bytes())
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
            };
            if let Some(name) = key.strip_prefix(b"SCHILY.xattr.") {
                if name.starts_with(b"trusted.overlay.") || name.starts_with(b"user.overlay.") {
                    continue;
                }
                xattrs.push((name.to_vec(), ext.value_bytes().to_vec()));
            } else if key == b"uid" {
                uid = parse().ok_or_else(|| bad("pax uid"))?;
            } else if key == b"gid" {
                gid = parse().ok_or_else(|| bad("pax gid"))?;
            }
        }
    }
    let id = |v: u64, what| {
        u32::try_from(v)
            .ok()
            .filter(|v| *v != u32::MAX)
            .ok_or_else(|| bad(what))
    };
    Ok(Meta {
        mode,
        uid: id(uid, "uid")?,
        gid: id(gid, "gid")?,
        mtime: i64::try_from(mtime).unwrap_or(i64::MAX),
        xattrs,
    })
}

impl Extractor {
    fn check_space(&mut self) -> Result<(), LayerError> {
        self.space.check(&*self.root, self.written)
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<R>) -> Result<(), LayerError> {
        let raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        if matches!(kind, EntryType::XGlobalHeader) {
            return Ok(());
        }
        let comps = components(&raw)?;
        let meta = read_meta(entry, &raw)?;
        self.written = self.written.saturating_add(4096);
        self.check_space()?;
        let Some((name, parents)) = comps.split_last() else {
            // `./` itself: only its metadata can be applied.
            if kind.is_dir() {
                self.apply_owner_mode(&self.root.clone(), None, &meta, &raw)?;
                self.dir_times.push((Vec::new(), meta.mtime));
                return Ok(());
            }
            return Err(LayerError::unsafe_entry(
                &raw,
                "non-directory at the layer root",
            ));
        };
        let parent = self.dir(parents, &raw)?;
        if let Some(target) = name.strip_prefix(WHITEOUT_PREFIX.as_bytes()) {
            return self.whiteout(&parent, name, target, &raw);
        }
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                self.file(&parent, name, entry, &meta, &raw)
            }
            EntryType::Directory => {
                self.directory(&parent, name, &meta, &raw)?;
                self.dir_times.push((raw.clone(), meta.mtime));
                Ok(())
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| LayerError::unsafe_entry(&raw, "symlink without target"))?
                    .into_owned();
                self.create(&parent, name, &raw, |p, n| {
                    rfs::symlinkat(os(&target), p, os(n))
                })?;
                // Owner only: chmod would follow the symlink.
                self.apply_owner(&parent, Some(name), &meta, &raw)?;
                self.apply_xattrs_and_mtime(&parent, name, &meta, &raw)
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| LayerError::unsafe_entry(&raw, "hardlink without target"))?
                    .into_owned();
                let tcomps = components(&target)?;
                let Some((tname, tparents)) = tcomps.split_last() else {
                    return Err(LayerError::unsafe_entry(&raw, "hardlink to the layer root"));
                };
                let tparent = self.existing_dir(tparents).map_err(|e| {
                    LayerError::unsafe_entry(
                        &raw,
                        format!(
                            "hardlink target {} not in layer: {e}",
                            quoted(&String::from_utf8_lossy(&target))
                        ),
                    )
                })?;
                // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself, so
                // the target can never be a file outside the layer.
                self.create(&parent, name, &raw, |p, n| {
                    rfs::linkat(&*tparent, os(tname), p, os(n), AtFlags::empty())
                })
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                let ftype = match kind {
                    EntryType::Char => FileType::CharacterDevice,
                    EntryType::Block => FileType::BlockDevice,
                    _ => FileType::Fifo,
                };
                if ftype != FileType::Fifo && !self.opts.allow_devices {
                    return Err(LayerError::unsafe_entry(
                        &raw,
                        "device nodes are not allowed",
                    ));
                }
                let h = entry.header();
                let major = h.device_major().ok().flatten().unwrap_or(0);
                let minor = h.device_minor().ok().flatten().unwrap_or(0);
                self.create(&parent, name, &raw, |p, n| {
                    rfs::mknodat(
                        p,
                        os(n),
                        ftype,
                        Mode::from_bits_truncate(0o600),
                        rfs::makedev(major, minor),
                    )
                })?;
                self.apply_owner_mode(&parent, Some(name), &meta, &raw)?;
                self.apply_xattrs_and_mtime(&parent, name, &meta, &raw)
            }
            other => Err(LayerError::unsafe_entry(
                &raw,
                format!("unsupported tar entry type {other:?}"),
            )),
        }
    }

    fn whiteout(
        &mut self,
        parent: &Rc<OwnedFd>,
        name: &[u8],
        target: &[u8],
        raw: &[u8],
    ) -> Result<(), LayerError> {
        if name == OPAQUE_WHITEOUT.as_bytes() {
            return rfs::setxattr(
                proc_path(parent, None),
                OPAQUE_XATTR,
                b"y",
                XattrFlags::empty(),
            )
            .map_err(|e| LayerError::entry(raw, e));
        }
        if target.is_empty() || target == b"." || target == b".." {
            return Err(LayerError::unsafe_entry(raw, "whiteout of nothing"));
        }
        self.create(parent, target, raw, |p, n| {
            rfs::mknodat(
                p,
                os(n),
                FileType::CharacterDevice,
                Mode::empty(),
                rfs::makedev(0, 0),
            )
        })
    }

    fn file<R: Read>(
        &mut self,
        parent: &Rc<OwnedFd>,
        name: &[u8],
        entry: &mut tar::Entry<R>,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        let open = |p: &OwnedFd, n: &[u8]| {
            rfs::openat(
                p,
                os(n),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_bits_truncate(0o600),
            )
        };
        let mut f = File::from(self.create(parent, name, raw, open)?);
        loop {
            let n = match entry.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(LayerError::Tar(e)),
            };
            f.write_all(&self.buf[..n])
                .map_err(|e| LayerError::entry(raw, e))?;
            self.written = self.written.saturating_add(n as u64);
            self.check_space()?;
        }
        self.apply_owner(&f, None, meta, raw)?;
        // After chown, which clears set-id bits.
        rfs::fchmod(&f, Mode::from_bits_truncate(meta.mode))
            .map_err(|e| LayerError::entry(raw, e))?;
        for (k, v) in &meta.xattrs {
            if let Err(e) = rfs::fsetxattr(&f, os(k), v, XattrFlags::empty()) {
                self.xattr_failed(e, k, raw)?;
            }
        }
        rfs::futimens(&f, &timestamps(meta.mtime)).map_err(|e| LayerError::entry(raw, e))
    }

    fn directory(
        &mut self,
        parent: &Rc<OwnedFd>,
        name: &[u8],
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        match rfs::mkdirat(&**parent, os(name), Mode::from_bits_truncate(0o700)) {
            Ok(()) => {}
            Err(Errno::EXIST) => {
                let st = rfs::statat(&**parent, os(name), AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(|e| LayerError::entry(raw, e))?;
                if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
                    self.remove(parent, name, raw)?;
                    rfs::mkdirat(&**parent, os(name), Mode::from_bits_truncate(0o700))
                        .map_err(|e| LayerError::entry(raw, e))?;
                }
            }
            Err(e) => return Err(LayerError::entry(raw, e)),
        }
        self.apply_owner_mode(parent, Some(name), meta, raw)?;
        self.apply_xattrs(parent, Some(name), meta, raw)
    }

    /// Runs `make(parent, name)`; if the name is taken, removes what is there and retries once.
    fn create<T>(
        &mut self,
        parent: &Rc<OwnedFd>,
        name: &[u8],
        raw: &[u8],
        make: impl Fn(&OwnedFd, &[u8]) -> Result<T, Errno>,
    ) -> Result<T, LayerError> {
        match make(parent, name) {
            Err(Errno::EXIST) => {
                self.remove(parent, name, raw)?;
                make(parent, name)
            }
            r => r,
        }
        .map_err(|e| LayerError::entry(raw, e))
    }

    /// Owner of `name` in `dir`, or of `dir` itself (any open file) when `name` is None.
    /// Failing matters only to root: others cannot give files away anyway.
    fn apply_owner(
        &self,
        dir: &impl AsFd,
        name: Option<&[u8]>,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        let (path, flags) = match name {
            Some(n) => (os(n), AtFlags::SYMLINK_NOFOLLOW),
            None => (OsStr::new(""), AtFlags::EMPTY_PATH),
        };
        let r = rfs::chownat(
            dir,
            path,
            Some(Uid::from_raw_unchecked(meta.uid)),
            Some(Gid::from_raw_unchecked(meta.gid)),
            flags,
        );
        match r {
            Err(e) if self.is_root => Err(LayerError::entry(raw, e)),
            _ => Ok(()),
        }
    }

    fn apply_owner_mode(
        &self,
        dir: &OwnedFd,
        name: Option<&[u8]>,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        self.apply_owner(dir, name, meta, raw)?;
        let mode = Mode::from_bits_truncate(meta.mode);
        match name {
            // Only called for directories and device nodes we just created, never symlinks.
            Some(n) => rfs::chmodat(dir, os(n), mode, AtFlags::empty()),
            None => rfs::chmod(proc_path(dir, None), mode),
        }
        .map_err(|e| LayerError::entry(raw, e))
    }

    fn apply_xattrs(
        &self,
        dir: &OwnedFd,
        name: Option<&[u8]>,
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        for (k, v) in &meta.xattrs {
            if let Err(e) = rfs::lsetxattr(proc_path(dir, name), os(k), v, XattrFlags::empty()) {
                self.xattr_failed(e, k, raw)?;
            }
        }
        Ok(())
    }

    /// The last steps for a symlink or special file `name` in `dir`, after its owner (and
    /// mode, where it has one) are set: its xattrs, then its mtime, neither following a
    /// symlink.
    fn apply_xattrs_and_mtime(
        &self,
        dir: &OwnedFd,
        name: &[u8],
        meta: &Meta,
        raw: &[u8],
    ) -> Result<(), LayerError> {
        self.apply_xattrs(dir, Some(name), meta, raw)?;
        rfs::utimensat(
            dir,
            os(name),
            &timestamps(meta.mtime),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| LayerError::entry(raw, e))
    }

    /// Filesystems without xattr support (or a non-root caller setting `trusted.*`) should
    /// not make a whole image unusable; root on a capable filesystem must not lose them.
    fn xattr_failed(&self, e: Errno, name: &[u8], raw: &[u8]) -> Result<(), LayerError> {
        if e == Errno::OPNOTSUPP || (!self.is_root && e == Errno::PERM) {
            return Ok(());
        }
        Err(LayerError::unsafe_entry(
            raw,
            format!(
                "setting xattr {}: {}",
                String::from_utf8_lossy(name),
                io::Error::from(e)
            ),
        ))
    }

    /// The directory at `comps` (inside the root), created (0755) where missing.
    fn dir(&mut self, comps: &[&[u8]], raw: &[u8]) -> Result<Rc<OwnedFd>, LayerError> {
        if comps.is_empty() {
            return Ok(self.root.clone());
        }
        let joined = join(comps);
        if let Some((p, fd)) = &self.cache {
            if *p == joined {
                return Ok(fd.clone());
            }
        }
        let fd = match self.open_in_root(&joined) {
            Err(Errno::NOENT) => {
                let (last, up) = comps.split_last().expect("non-empty");
                let parent = self.dir(up, raw)?;
                match rfs::mkdirat(&*parent, os(last), Mode::from_bits_truncate(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(LayerError::entry(raw, e)),
                }
                // mkdirat obeys the umask; layers expect 0755 for implied parents.
                let _ = rfs::chmodat(
                    &*parent,
                    os(last),
                    Mode::from_bits_truncate(0o755),
                    AtFlags::empty(),
                );
                self.open_in_root(&joined)
            }
            r => r,
        }
        .map_err(|e| {
            LayerError::unsafe_entry(
                raw,
                format!(
                    "parent {} is not a directory: {}",
                    quoted(&String::from_utf8_lossy(&joined)),
                    io::Error::from(e)
                ),
            )
        })?;
        let fd = Rc::new(fd);
        self.cache = Some((joined, fd.clone()));
        Ok(fd)
    }

    fn existing_dir(&self, comps: &[&[u8]]) -> Result<Rc<OwnedFd>, io::Error> {
        if comps.is_empty() {
            return Ok(self.root.clone());
        }
        Ok(Rc::new(
            self.open_in_root(&join(comps)).map_err(io::Error::from)?,
        ))
    }

    fn open_in_root(&self, path: &[u8]) -> Result<OwnedFd, Errno> {
        rfs::openat2(
            &*self.root,
            os(path),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )
    }

    /// Removes `name` from `parent`, recursively if it is a directory.
    fn remove(&mut self, parent: &OwnedFd, name: &[u8], raw: &[u8]) -> Result<(), LayerError> {
        // Cached handles may point below what is removed.
        self.cache = None;
        remove_all(parent, os(name)).map_err(|e| LayerError::entry(raw, e))
    }

    fn finish_dir_times(&mut self) -> Result<(), LayerError> {
        let times = std::mem::take(&mut self.dir_times);
        for (raw, mtime) in times.iter().rev() {
            let ts = timestamps(*mtime);
            let r = if raw.is_empty() {
                rfs::utimensat(&*self.root, "", &ts, AtFlags::EMPTY_PATH)
            } else {
                let comps = components(raw)?;
                let (name, parents) = comps.split_last().expect("non-empty");
                match self.existing_dir(parents) {
                    Ok(p) => rfs::utimensat(&*p, os(name), &ts, AtFlags::SYMLINK_NOFOLLOW),
                    // A later entry replaced the directory's parent: nothing to stamp.
                    Err(_) => Ok(()),
                }
            };
            match r {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => return Err(LayerError::entry(raw, e)),
            }
        }
        Ok(())
    }
}

/// Removes `name` under `parent` without following symlinks; directories recursively.
pub(crate) fn remove_all(parent: &impl AsFd, name: &OsStr) -> Result<(), Errno> {
    match rfs::unlinkat(parent, name, AtFlags::empty()) {
        Ok(()) => return Ok(()),
        Err(Errno::ISDIR) | Err(Errno::PERM) => {}
        Err(e) => return Err(e),
    }
    let dir = rfs::openat(
        parent,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut names = Vec::new();
    {
        let mut it = rfs::Dir::read_from(&dir)?;
        while let Some(ent) = it.read() {
            let ent = ent?;
            let n = ent.file_name().to_bytes();
            if n != b"." && n != b".." {
                names.push(n.to_vec());
            }
        }
    }
    for n in names {
        remove_all(&dir, os(&n))?;
    }
    rfs::unlinkat(parent, name, AtFlags::REMOVEDIR)
}
