//! Paths inside the container's root, walked one component at a time by the kernel
//! (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS on each
//! step), so nothing the image planted can lead a lookup, a mkdir or a mount out of it.
//!
//! Two policies for the image's symlinks ([`Links`]):
//! - [`Links::Refuse`]: any symlink on the way is an error. For the engine's own mount
//!   points (/proc, /sys, /dev and what lives in them), masked and read-only paths and
//!   device nodes: the image has no business redirecting those (runc refuses a
//!   symlinked /proc or /sys too), and a redirected /dev is what let the masks be bound
//!   from a host sysctl (issue 9).
//! - [`Links::InRoot`]: links are followed as if the root were `/` (the kernel's
//!   RESOLVE_IN_ROOT, done by hand so a dangling link can be completed, as Docker's
//!   securejoin does for Ubuntu's /etc/resolv.conf -> ../run/systemd/...). For `-v`
//!   targets, the generated /etc files, the working directory and /etc/passwd. Never
//!   followed: links that live on procfs (/proc/self, the magic /proc/*/fd/* and
//!   /proc/*/cwd links), and a path that a link led onto procfs, sysfs or cgroupfs is
//!   refused.
//!
//! Missing components are created (directories, or an empty file as the last one) only
//! when asked for, each with mkdirat/openat(O_EXCL | O_NOFOLLOW) in a directory fd that
//! was itself reached this way; something already there is re-walked, never trusted.
use crate::{Result, RuntimeError};
use rustix::fs::{FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// How a walk treats the image's symlinks (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    Refuse,
    InRoot,
}

/// What a walk makes when the path is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Create {
    Nothing,
    /// Every missing component is made as a directory.
    Dirs,
    /// Missing parents are made as directories, the last component as an empty file.
    File,
}

/// Symlinks followed in one walk before it gives up (the kernel's MAXSYMLINKS).
const MAX_LINKS: usize = 40;

/// The magic number of the filesystem `fd` is on (the field's type differs by arch).
#[allow(clippy::unnecessary_cast)]
pub(crate) fn fs_magic(fd: &impl AsFd) -> Option<i64> {
    rustix::fs::fstatfs(fd).ok().map(|st| st.f_type as i64)
}

#[allow(clippy::unnecessary_cast)]
const PROC: i64 = libc::PROC_SUPER_MAGIC as i64;

/// Filesystems a followed link may not lead onto: the kernel's own files.
#[allow(clippy::unnecessary_cast)]
fn is_kernel_fs(fd: &impl AsFd) -> bool {
    let Some(t) = fs_magic(fd) else {
        return true;
    };
    [
        libc::PROC_SUPER_MAGIC as i64,
        libc::SYSFS_MAGIC as i64,
        libc::CGROUP_SUPER_MAGIC as i64,
        libc::CGROUP2_SUPER_MAGIC as i64,
    ]
    .contains(&t)
}

fn unsafe_path(path: &Path, reason: impl Into<String>) -> RuntimeError {
    RuntimeError::UnsafePath {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn onto_kernel_fs(path: &Path) -> RuntimeError {
    unsafe_path(
        path,
        "a symlink in the image leads it onto /proc, /sys or a cgroup filesystem",
    )
}

fn shown(parts: &[OsString]) -> PathBuf {
    let mut p = PathBuf::from("/");
    p.extend(parts);
    p
}

/// A path below `dir` (one component, or several for the walk's fast path), no symlink
/// followed, never above `dir`.
fn step(dir: &OwnedFd, name: &OsStr, flags: OFlags) -> std::result::Result<OwnedFd, Errno> {
    // openat2 takes no other flag with O_PATH.
    let extra = if flags.contains(OFlags::PATH) {
        OFlags::CLOEXEC
    } else {
        OFlags::CLOEXEC | OFlags::NOCTTY
    };
    rustix::fs::openat2(
        dir,
        name,
        flags | extra,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
    )
}

/// Walks `path` from `root` (the container's `/`) with the `links` policy, making what
/// `create` asks for. The last component is opened with `last` (O_PATH for a mount
/// target; O_RDONLY | O_NONBLOCK to read a file). `Ok(None)`: it does not exist (and
/// `create` is [`Create::Nothing`]).
pub(crate) fn walk(
    root: &OwnedFd,
    path: &Path,
    links: Links,
    create: Create,
    last: OFlags,
) -> Result<Option<OwnedFd>> {
    let sys = |op, e: Errno| RuntimeError::sys(op, path, e);
    // The common case, a path that exists with no link anywhere on it, in one call: the
    // kernel applies the same rules as the walk below (never above the root, no
    // symlink, no magic link). Anything else (a link, a missing part, a `..` above the
    // root) takes the walk, which decides what it means.
    let relative = path.strip_prefix("/").unwrap_or(path);
    let whole = if relative.as_os_str().is_empty() {
        Path::new(".")
    } else {
        relative
    };
    if let Ok(fd) = step(root, whole.as_os_str(), last) {
        return Ok(Some(fd));
    }
    // The components still to walk, first at the end.
    let mut todo: Vec<OsString> = Vec::new();
    push_components(&mut todo, path.as_os_str().as_bytes());
    // The directories walked so far: their names and fds (`dirs[0]` is the root).
    let mut names: Vec<OsString> = Vec::new();
    let mut dirs: Vec<OwnedFd> = vec![root
        .try_clone()
        .map_err(|e| RuntimeError::sys("dup", path, e))?];
    let mut followed = 0usize;
    let mut made = 0usize;
    while let Some(name) = todo.pop() {
        if name == ".." {
            if dirs.len() > 1 {
                dirs.pop();
                names.pop();
            }
            continue;
        }
        let is_last = todo.is_empty();
        let dir = dirs.last().expect("the root is never popped");
        let flags = if is_last {
            last
        } else {
            OFlags::PATH | OFlags::DIRECTORY
        };
        match step(dir, &name, flags) {
            Ok(fd) => {
                if followed > 0 && is_kernel_fs(&fd) {
                    return Err(onto_kernel_fs(path));
                }
                if is_last {
                    return Ok(Some(fd));
                }
                names.push(name);
                dirs.push(fd);
            }
            Err(Errno::LOOP) => {
                // A symlink (NO_SYMLINKS), or a magic link.
                let here = {
                    let mut n = names.clone();
                    n.push(name.clone());
                    shown(&n)
                };
                if links == Links::Refuse {
                    return Err(unsafe_path(
                        path,
                        format!("{} is a symlink in the image", here.display()),
                    ));
                }
                if fs_magic(dir) == Some(PROC) {
                    return Err(unsafe_path(
                        path,
                        format!("{} is a link in /proc, not followed", here.display()),
                    ));
                }
                followed += 1;
                if followed > MAX_LINKS {
                    return Err(unsafe_path(path, "too many levels of symbolic links"));
                }
                let target = rustix::fs::readlinkat(dir, &name, Vec::new())
                    .map_err(|e| RuntimeError::sys("readlink", &here, e))?;
                let target = target.as_bytes();
                if target.first() == Some(&b'/') {
                    dirs.truncate(1);
                    names.clear();
                }
                push_components(&mut todo, target);
            }
            Err(Errno::NOENT) if create != Create::Nothing => {
                made += 1;
                // Far more than any path has components: something keeps undoing what
                // we make.
                if made > 4096 {
                    return Err(sys("create", Errno::AGAIN));
                }
                let made_file = is_last && create == Create::File;
                let r = if made_file {
                    rustix::fs::openat(
                        dir,
                        &name,
                        OFlags::CREATE
                            | OFlags::EXCL
                            | OFlags::WRONLY
                            | OFlags::NOFOLLOW
                            | OFlags::CLOEXEC,
                        Mode::from_raw_mode(0o644),
                    )
                    .map(drop)
                } else {
                    rustix::fs::mkdirat(dir, &name, Mode::from_raw_mode(0o755))
                };
                match r {
                    // Made, or made by someone else meanwhile (or a dangling link that
                    // appeared): walk the component again, whatever it is now.
                    Ok(()) | Err(Errno::EXIST) => todo.push(name),
                    Err(e) => return Err(sys(if made_file { "create" } else { "mkdir" }, e)),
                }
            }
            Err(Errno::NOENT) => return Ok(None),
            Err(e) => return Err(sys("open", e)),
        }
    }
    // The path was the root itself (or climbed back to it).
    if followed > 0 && is_kernel_fs(dirs.last().expect("root")) {
        return Err(onto_kernel_fs(path));
    }
    let dir = dirs.pop().expect("root");
    if last.contains(OFlags::PATH) {
        return Ok(Some(dir));
    }
    // Reopen the directory for reading (never a file: it is a directory).
    step(&dir, OsStr::new("."), last)
        .map(Some)
        .map_err(|e| sys("open", e))
}

/// Pushes the components of `p` onto `todo` so that the first is popped first. `.` and
/// empty components go; `..` stays, for the walk to apply to the real path.
fn push_components(todo: &mut Vec<OsString>, p: &[u8]) {
    for c in p.split(|b| *b == b'/').rev() {
        if c.is_empty() || c == b"." {
            continue;
        }
        todo.push(OsStr::from_bytes(c).to_os_string());
    }
}

/// A directory at `path` (made if missing), for a mount of a directory or a chdir.
pub(crate) fn dir(root: &OwnedFd, path: &Path, links: Links) -> Result<OwnedFd> {
    let fd = walk(root, path, links, Create::Dirs, OFlags::PATH)?
        .ok_or_else(|| RuntimeError::sys("open", path, Errno::NOENT))?;
    expect_kind(&fd, path, true)?;
    Ok(fd)
}

/// A non-directory at `path` (an empty file made if missing), for a file mount.
pub(crate) fn file(root: &OwnedFd, path: &Path, links: Links) -> Result<OwnedFd> {
    let fd = walk(root, path, links, Create::File, OFlags::PATH)?
        .ok_or_else(|| RuntimeError::sys("open", path, Errno::NOENT))?;
    expect_kind(&fd, path, false)?;
    Ok(fd)
}

fn expect_kind(fd: &OwnedFd, path: &Path, want_dir: bool) -> Result<()> {
    let st = rustix::fs::fstat(fd).map_err(|e| RuntimeError::sys("stat", path, e))?;
    let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
    match (want_dir, is_dir) {
        (true, false) => Err(RuntimeError::sys("mount", path, Errno::NOTDIR)),
        (false, true) => Err(RuntimeError::sys("mount", path, Errno::ISDIR)),
        _ => Ok(()),
    }
}

/// The largest /etc/passwd or /etc/group the runtime reads. Real ones are a few KiB; a
/// bound keeps a hostile image from using the engine's memory.
pub(crate) const MAX_DB_SIZE: u64 = 4 << 20;

/// Reads a small regular file of the image (/etc/passwd, /etc/group): links followed in
/// the root only, regular files only (looked at through an O_PATH fd first, so no device
/// is ever opened), opened non-blocking (a FIFO swapped in meanwhile must not hang the
/// start), at most `max` bytes. A missing file reads as empty.
pub(crate) fn read_small(root: &OwnedFd, path: &Path, max: u64) -> Result<Vec<u8>> {
    let Some(fd) = walk(root, path, Links::InRoot, Create::Nothing, OFlags::PATH)? else {
        return Ok(Vec::new());
    };
    let before = regular_file(&fd, path, max)?;
    drop(fd);
    let fd = walk(
        root,
        path,
        Links::InRoot,
        Create::Nothing,
        OFlags::RDONLY | OFlags::NONBLOCK,
    )?
    .ok_or_else(|| RuntimeError::sys("open", path, Errno::NOENT))?;
    let st = regular_file(&fd, path, max)?;
    if (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino) {
        return Err(unsafe_path(path, "it changed while being opened"));
    }
    let mut buf = Vec::with_capacity(st.st_size as usize);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::from(fd), max + 1),
        &mut buf,
    )
    .map_err(|e| RuntimeError::sys("read", path, e))?;
    if buf.len() as u64 > max {
        return Err(too_big(path, max));
    }
    Ok(buf)
}

fn too_big(path: &Path, max: u64) -> RuntimeError {
    unsafe_path(path, format!("larger than {} MiB, not read", max >> 20))
}

/// `fd`'s metadata if it is a regular file of at most `max` bytes.
fn regular_file(fd: &OwnedFd, path: &Path, max: u64) -> Result<rustix::fs::Stat> {
    let st = rustix::fs::fstat(fd).map_err(|e| RuntimeError::sys("stat", path, e))?;
    let kind = FileType::from_raw_mode(st.st_mode);
    if kind != FileType::RegularFile {
        let what = match kind {
            FileType::Directory => "a directory",
            FileType::Fifo => "a named pipe",
            FileType::CharacterDevice => "a character device",
            FileType::BlockDevice => "a block device",
            FileType::Socket => "a socket",
            _ => "something else",
        };
        return Err(unsafe_path(
            path,
            format!("it is {what}, not a regular file"),
        ));
    }
    if st.st_size as u64 > max {
        return Err(too_big(path, max));
    }
    Ok(st)
}

/// The calling process's root directory, as a walk's `root`.
pub(crate) fn open_root() -> Result<OwnedFd> {
    rustix::fs::open(
        "/",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| RuntimeError::sys("open", "/", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn root(t: &tempfile::TempDir) -> OwnedFd {
        rustix::fs::open(t.path(), OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap()
    }

    fn real(fd: &OwnedFd) -> PathBuf {
        std::fs::read_link(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(fd)
        ))
        .unwrap()
    }

    #[test]
    fn refuse_stops_at_any_symlink() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("real")).unwrap();
        symlink("real", t.path().join("dev")).unwrap();
        let e = walk(
            &root(&t),
            Path::new("/dev/pts"),
            Links::Refuse,
            Create::Dirs,
            OFlags::PATH,
        )
        .unwrap_err();
        assert!(e.to_string().contains("/dev is a symlink"), "{e}");
        assert!(!t.path().join("real/pts").exists());
    }

    #[test]
    fn in_root_follows_links_as_if_the_root_were_slash() {
        let t = tempfile::tempdir().unwrap();
        let r = root(&t);
        std::fs::create_dir_all(t.path().join("run")).unwrap();
        std::fs::create_dir_all(t.path().join("var")).unwrap();
        symlink("/run", t.path().join("var/run")).unwrap();
        // Absolute, relative with .., and out of the root: all land inside it.
        symlink("../run/systemd/stub.conf", t.path().join("var/resolv.conf")).unwrap();
        symlink("../../../../../../../etc", t.path().join("up")).unwrap();
        let fd = dir(&r, Path::new("/var/run/x"), Links::InRoot).unwrap();
        assert_eq!(real(&fd), t.path().join("run/x"));
        // A dangling link is completed inside the root, as Docker does.
        let fd = file(&r, Path::new("/var/resolv.conf"), Links::InRoot).unwrap();
        assert_eq!(real(&fd), t.path().join("run/systemd/stub.conf"));
        let fd = dir(&r, Path::new("/up/sub"), Links::InRoot).unwrap();
        assert_eq!(real(&fd), t.path().join("etc/sub"));
        let fd = dir(&r, Path::new("/../../a/../b"), Links::InRoot).unwrap();
        assert_eq!(real(&fd), t.path().join("b"));
    }

    #[test]
    fn loops_and_wrong_kinds_are_errors() {
        let t = tempfile::tempdir().unwrap();
        let r = root(&t);
        symlink("a", t.path().join("b")).unwrap();
        symlink("b", t.path().join("a")).unwrap();
        let e = dir(&r, Path::new("/a"), Links::InRoot).unwrap_err();
        assert!(e.to_string().contains("too many levels"), "{e}");
        std::fs::write(t.path().join("f"), "").unwrap();
        assert!(dir(&r, Path::new("/f"), Links::InRoot).is_err());
        assert!(dir(&r, Path::new("/f/sub"), Links::InRoot).is_err());
        std::fs::create_dir(t.path().join("d")).unwrap();
        assert!(file(&r, Path::new("/d"), Links::InRoot).is_err());
    }

    #[test]
    fn small_reads_refuse_fifos_dirs_and_big_files() {
        let t = tempfile::tempdir().unwrap();
        let r = root(&t);
        std::fs::create_dir(t.path().join("etc")).unwrap();
        assert!(read_small(&r, Path::new("/etc/passwd"), 10)
            .unwrap()
            .is_empty());
        nix::unistd::mkfifo(
            &t.path().join("etc/passwd"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        let e = read_small(&r, Path::new("/etc/passwd"), 10).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");
        std::fs::write(t.path().join("etc/group"), "0123456789A").unwrap();
        let e = read_small(&r, Path::new("/etc/group"), 10).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        assert_eq!(
            read_small(&r, Path::new("/etc/group"), 11).unwrap(),
            b"0123456789A"
        );
        let e = read_small(&r, Path::new("/etc"), 10).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        symlink("/etc/group", t.path().join("etc/link")).unwrap();
        assert_eq!(
            read_small(&r, Path::new("/etc/link"), 11).unwrap(),
            b"0123456789A"
        );
    }
}
