//! The CVE-2019-5736 fix: a process that enters a container (the shim and its init,
//! `exec`) runs from a read-only clone of our binary, so a container that gets hold of
//! /proc/<pid>/exe (e.g. through a `#!/proc/self/exe` entrypoint) can never open the
//! host's berth for writing: the kernel answers EROFS. This is runc's cloned-binary
//! defence with a detached read-only bind mount (open_tree + mount_setattr) instead of
//! a memfd copy, which would cost a copy of the whole binary on every start.
use crate::error::{Context, Result};
use rustix::mount::{open_tree, MountAttrFlags, OpenTreeFlags};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// Whether this process already runs from a read-only mount.
pub fn is_protected() -> bool {
    rustix::fs::statvfs("/proc/self/exe")
        .map(|s| s.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
        .unwrap_or(false)
}

/// An fd (numbered 10 or above, close-on-exec) for our binary on a private read-only
/// mount; exec it through `/proc/self/fd/N`.
pub fn readonly_self() -> Result<OwnedFd> {
    let tree = open_tree(
        rustix::fs::CWD,
        "/proc/self/exe",
        OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
    )
    .context("cloning the berth binary's mount")?;
    berth_runtime::mount_setattr(
        &tree,
        MountAttrFlags::MOUNT_ATTR_RDONLY
            | MountAttrFlags::MOUNT_ATTR_NOSUID
            | MountAttrFlags::MOUNT_ATTR_NODEV,
        false,
    )
    .context("making the berth binary's clone read-only")?;
    // Callers place other fds at 3 and 4 before exec'ing /proc/self/fd/N: keep N clear.
    // SAFETY: F_DUPFD_CLOEXEC on an fd we own; the result is checked and owned.
    let high = unsafe { libc::fcntl(tree.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if high < 0 {
        return Err(std::io::Error::last_os_error()).context("dup of the binary's fd");
    }
    // SAFETY: fresh fd we own.
    Ok(unsafe { OwnedFd::from_raw_fd(high) })
}

/// Re-executes this process from the read-only clone (same arguments and environment)
/// unless it already runs from one.
pub fn ensure_protected() -> Result<()> {
    if is_protected() {
        return Ok(());
    }
    let fd = readonly_self()?;
    let args: Vec<CString> = std::env::args_os()
        .map(|a| CString::new(a.as_bytes()).expect("argv has no NUL"))
        .collect();
    let env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut b = k.as_bytes().to_vec();
            b.push(b'=');
            b.extend_from_slice(v.as_bytes());
            CString::new(b).expect("env has no NUL")
        })
        .collect();
    let err = nix::unistd::fexecve(fd.as_raw_fd(), &args, &env).unwrap_err();
    Err(err).context("re-executing from the read-only clone")
}
