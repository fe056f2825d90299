//! Terminal sizes, for the shim (a -t container's pty) and the fronts.
use std::os::fd::AsRawFd;

/// The size (rows, columns) of the terminal on `fd`, if it is one.
pub fn winsize(fd: i32) -> Option<(u16, u16)> {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills it.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0).then_some((ws.ws_row, ws.ws_col))
    }
}

/// Copies the window size of `from` (a terminal) to `to` (a pty master).
pub fn copy_winsize(from: i32, to: &impl AsRawFd) {
    // SAFETY: winsize is plain data; both ioctls take a pointer to it.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(from, libc::TIOCGWINSZ, &mut ws) == 0 {
            libc::ioctl(to.as_raw_fd(), libc::TIOCSWINSZ, &ws);
        }
    }
}
