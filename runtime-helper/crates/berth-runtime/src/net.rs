//! Brings the loopback interface up in a fresh network namespace (ioctl, no `ip`).
use crate::{Result, RuntimeError};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub(crate) fn loopback_up() -> Result<()> {
    // SAFETY: plain socket(2); the result is checked and owned below.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(RuntimeError::sys(
            "socket",
            "lo",
            std::io::Error::last_os_error(),
        ));
    }
    // SAFETY: `raw` is a fresh fd we own.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // SAFETY: ifreq is plain old data; all-zero is valid.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in b"lo".iter().enumerate() {
        ifr.ifr_name[i] = *b as libc::c_char;
    }
    // SAFETY: `ifr` is a valid ifreq for SIOCGIFFLAGS/SIOCSIFFLAGS.
    unsafe {
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut ifr) < 0 {
            return Err(RuntimeError::sys(
                "SIOCGIFFLAGS",
                "lo",
                std::io::Error::last_os_error(),
            ));
        }
        ifr.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        if libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &ifr) < 0 {
            return Err(RuntimeError::sys(
                "SIOCSIFFLAGS",
                "lo",
                std::io::Error::last_os_error(),
            ));
        }
    }
    Ok(())
}
