//! Re-exec from a sealed memfd copy of ourselves (the CVE-2019-5736 fix runc uses): a
//! process that enters a container runs from an anonymous, write-sealed file, so a
//! container that opens /proc/<pid>/exe can never reach the host's berth binary.
use anyhow::{Context, Result};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

const MEMFD_NAME: &str = "berth-sealed";

pub fn is_sealed() -> bool {
    std::fs::read_link("/proc/self/exe")
        .map(|p| {
            p.as_os_str()
                .as_bytes()
                .starts_with(format!("/memfd:{MEMFD_NAME}").as_bytes())
        })
        .unwrap_or(false)
}

/// A sealed (no write, grow, shrink, reseal) memfd holding a copy of our binary.
pub fn sealed_copy() -> Result<OwnedFd> {
    let name = CString::new(MEMFD_NAME).expect("no NUL");
    // SAFETY: memfd_create with a valid name; the fd is checked and owned below.
    let raw =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if raw < 0 {
        return Err(std::io::Error::last_os_error()).context("memfd_create");
    }
    // SAFETY: fresh fd we own.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    let mut src = std::fs::File::open("/proc/self/exe").context("opening /proc/self/exe")?;
    let mut dst = std::fs::File::from(fd.try_clone()?);
    std::io::copy(&mut src, &mut dst).context("copying the berth binary into a memfd")?;
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    // SAFETY: fcntl on an fd we own.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
        return Err(std::io::Error::last_os_error()).context("sealing the memfd");
    }
    // Callers place other fds at 3 and 4 before exec'ing /proc/self/fd/N: keep N clear.
    // SAFETY: F_DUPFD_CLOEXEC on an fd we own; the result is checked and owned.
    let high = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
    if high < 0 {
        return Err(std::io::Error::last_os_error()).context("dup of the memfd");
    }
    // SAFETY: fresh fd we own.
    Ok(unsafe { OwnedFd::from_raw_fd(high) })
}

/// Replaces this process with the sealed copy, same arguments and environment.
pub fn ensure_sealed() -> Result<()> {
    if is_sealed() {
        return Ok(());
    }
    let fd = sealed_copy()?;
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
    Err(err).context("re-executing from the sealed memfd")
}
