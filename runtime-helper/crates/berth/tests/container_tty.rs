//! `-t -i` from a real terminal: the caller's tty goes raw, the container gets its own
//! pty with the caller's size, and a resize (SIGWINCH) reaches it.
mod common;
use common::*;
use nix::pty::{openpty, OpenptyResult, Winsize};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::process::Stdio;

/// One read from the pty, failing the test (instead of hanging it) after 30 s of silence.
fn read_some(master: &mut std::fs::File, seen: &mut String) {
    let mut fds = [nix::poll::PollFd::new(
        master.as_fd(),
        nix::poll::PollFlags::POLLIN,
    )];
    let ready = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(30_000u16)).unwrap();
    assert!(
        ready > 0,
        "no output from the container for 30 s; got {seen:?}"
    );
    let mut buf = [0u8; 4096];
    let n = master
        .read(&mut buf)
        .expect("pty closed before the expected output");
    assert!(n > 0, "pty closed; got {seen:?}");
    seen.push_str(&String::from_utf8_lossy(&buf[..n]));
}

fn read_until(master: &mut std::fs::File, needle: &str, seen: &mut String) {
    while !seen.contains(needle) {
        read_some(master, seen);
    }
}

/// Starts `berth ARGS` with a new pty of `(rows, cols)` as its stdio, as a terminal
/// would; returns the pty, the berth process and the pty's master end.
fn on_pty(
    e: &Engine,
    (rows, cols): (u16, u16),
    args: &[&str],
) -> (OpenptyResult, std::process::Child, std::fs::File) {
    let ws = Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&ws), None).unwrap();
    let slave = || Stdio::from(pty.slave.try_clone().unwrap());
    let child = e
        .cmd(args)
        .stdin(slave())
        .stdout(slave())
        .stderr(slave())
        .spawn()
        .unwrap();
    let master = std::fs::File::from(pty.master.try_clone().unwrap());
    (pty, child, master)
}

#[test]
fn tty_size_raw_mode_and_resize() {
    let e = Engine::new();
    let (pty, child, mut master) = on_pty(
        &e,
        (30, 100),
        &[
            "run",
            "--rm",
            "-t",
            "-i",
            "busybox",
            "sh",
            "-c",
            "while true; do stty size; read x || break; done; echo bye",
        ],
    );
    let mut seen = String::new();
    // The pty has the caller's size before the command starts: the very first
    // `stty size` sees it.
    read_until(&mut master, "\n", &mut seen);
    assert_eq!(seen.trim(), "30 100", "first output of the container");
    // The caller's terminal is in raw mode while the container runs.
    let t = nix::sys::termios::tcgetattr(pty.slave.as_fd()).unwrap();
    assert!(!t
        .local_flags
        .contains(nix::sys::termios::LocalFlags::ICANON));
    assert!(!t.local_flags.contains(nix::sys::termios::LocalFlags::ECHO));

    let big = Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ with a valid winsize on our pty.
    unsafe { libc::ioctl(pty.master.as_raw_fd(), libc::TIOCSWINSZ, &big) };
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGWINCH,
    )
    .unwrap();
    // The resize races with the next line of input in the shim; ask until it shows.
    while !seen.contains("40 120") {
        master.write_all(b"\n").unwrap();
        read_some(&mut master, &mut seen);
    }
    master.write_all(b"\x04").unwrap(); // ^D: EOF for `read` in the container's pty
    read_until(&mut master, "bye", &mut seen);
    let mut child = child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // Restored on exit.
    let t = nix::sys::termios::tcgetattr(pty.slave.as_fd()).unwrap();
    assert!(t
        .local_flags
        .contains(nix::sys::termios::LocalFlags::ICANON));
}

#[test]
fn tty_without_stdin_still_has_the_callers_size() {
    let e = Engine::new();
    let (_pty, mut child, mut master) = on_pty(
        &e,
        (33, 77),
        &["run", "--rm", "-t", "busybox", "stty", "size"],
    );
    let mut seen = String::new();
    read_until(&mut master, "\n", &mut seen);
    assert_eq!(seen.trim(), "33 77");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
