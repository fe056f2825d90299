//! The shim: one small supervisor per container (like conmon). It creates the cgroup,
//! starts the init, holds its pipes or pty, writes the json-file log, forwards the
//! attached caller's stdin and terminal size, and records the exit (137 + OOMKilled when
//! the OOM killer struck). It runs in its own session, so a `-d` container outlives the
//! `berth` that started it; it reports to that caller over a status pipe:
//! `started PID`, then `exited CODE` (or `error CODE MESSAGE` if the start failed).
use crate::error::{Context, EngineError, Result};
use crate::lock::FileLock;
use crate::logfile;
use crate::record::{self, ContainerDir, State, Status, CGROUP_PARENT, CGROUP_ROOT};
use crate::spec::{self, resources};
use crate::tty::copy_winsize;
use berth_cgroups::{Cgroup, Layout};
use berth_runtime::{Launch, Stdio};
use nix::sys::wait::{waitpid, WaitStatus};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// How the shim was started (its command line, see [`spawn`]).
#[derive(Debug, Clone, Default)]
pub struct ShimOptions {
    pub id: String,
    /// Forward our stdin (the caller's) to the container.
    pub attach_stdin: bool,
    /// Copy the container's output to our stdout/stderr (the caller's) as well as the log.
    pub attach_output: bool,
    pub status_fd: Option<RawFd>,
    /// Readable when the caller's terminal was resized (our stdin is that terminal).
    pub winch_fd: Option<RawFd>,
    /// The caller's terminal size, (rows, cols), for a -t container's pty.
    pub console: Option<(u16, u16)>,
    /// The container's lock, shared with the verb that started us: held until we report
    /// the start, so a verb whose caller dies mid-start leaves the container locked
    /// until it is whole (see crate::lock).
    pub lock_fd: Option<RawFd>,
}

struct Reporter(Option<File>);

impl Reporter {
    fn send(&mut self, line: &str) {
        if let Some(f) = &mut self.0 {
            // The caller may be gone (detached); that is not the container's problem.
            if f.write_all(format!("{line}\n").as_bytes()).is_err() {
                self.0 = None;
            }
        }
    }
}

pub fn main(root: &Path, args: ShimOptions) -> i32 {
    for sig in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM, libc::SIGQUIT] {
        // SAFETY: ignoring signals; the container's init resets its own dispositions.
        unsafe { libc::signal(sig, libc::SIG_IGN) };
    }
    // SAFETY: the fd was handed to us by the caller for our exclusive use.
    let mut rep = Reporter(args.status_fd.map(|fd| unsafe { File::from_raw_fd(fd) }));
    // SAFETY: as above; closing it (after the start is reported) is its only use.
    let start_lock = args.lock_fd.map(|fd| unsafe { OwnedFd::from_raw_fd(fd) });
    if let Some(l) = &start_lock {
        // Ours alone: the container's init must not carry it past its exec.
        let _ = nix::fcntl::fcntl(
            l.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    let cd = ContainerDir::new(root, &args.id);
    // Held until we exit: while it is held the container has a shim (see crate::lock).
    // The verb that started us holds the container's lock until we report "started".
    let alive = match FileLock::exclusive(&cd.shim_lock_path()) {
        Ok(l) => l,
        Err(e) => {
            rep.send(&format!(
                "error 125 locking {}: {e}",
                cd.shim_lock_path().display()
            ));
            return 125;
        }
    };
    // What an earlier run noted (its exit) is not this run's.
    let _ = alive.set_note("");
    match run(&cd, &args, &mut rep, start_lock, &alive) {
        Ok(()) => 0,
        Err(e) => {
            let msg = format!("{e:#}").replace('\n', " ");
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(cd.shim_log_path())
            {
                let _ = writeln!(f, "{} {msg}", record::now_rfc3339());
            }
            rep.send(&format!("error 125 {msg}"));
            125
        }
    }
}

fn run(
    cd: &ContainerDir,
    args: &ShimOptions,
    rep: &mut Reporter,
    start_lock: Option<OwnedFd>,
    alive: &FileLock,
) -> Result<()> {
    let rec = cd.record()?;
    let spec = spec::for_container(&rec, args.console)?;
    let generated = spec::generated_files(&rec);
    let rootfs = cd.rootfs(&rec);
    let layout = Layout::detect(Path::new(CGROUP_ROOT))?;
    // Created by spawn, while the init starts.
    let cg = Cgroup::open(layout.clone(), Path::new(CGROUP_PARENT).join(&rec.id));
    let limits = resources(&rec);
    let mut log = logfile::Writer::new(&cd.log_path(), rec.log);

    let mut container_in: Option<OwnedFd> = None;
    let mut outputs: Vec<(OwnedFd, usize)> = Vec::new();
    let stdio = if rec.tty {
        Stdio::Pty
    } else {
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        let stdin = if args.attach_stdin && rec.open_stdin {
            let (in_r, in_w) = pipe()?;
            container_in = Some(in_w);
            Some(in_r)
        } else {
            None
        };
        outputs.push((out_r, 0));
        outputs.push((err_r, 1));
        Stdio::Pipes {
            stdin,
            stdout: out_w,
            stderr: err_w,
        }
    };
    let launch = Launch {
        spec: &spec,
        rootfs: &rootfs,
        cgroup: Some(&cg),
        create_cgroup: Some(&limits),
        generated: &generated,
        cgroup_layout: Some(layout),
        stdio,
    };
    let spawned = match berth_runtime::spawn(launch) {
        Ok(s) => s,
        Err(e) => {
            let code = e.exit_code();
            let _ = cg.destroy();
            let st = State {
                status: Status::Exited,
                exit_code: code,
                error: e.to_string(),
                finished_at: record::now_rfc3339(),
                ..cd.saved_state().unwrap_or_default()
            };
            cd.save_state(&st)?;
            if rec.auto_remove {
                // The cgroup is gone already: detach, not remove, which would destroy it again.
                if let Ok(trash) = crate::lifecycle::detach(cd) {
                    let _ = crate::lifecycle::remove_all(&trash.dir);
                }
            }
            rep.send(&format!(
                "error {code} {}",
                e.to_string().replace('\n', " ")
            ));
            return Ok(());
        }
    };
    let pid = spawned.pid;
    // Holding the container's mount namespace moves its teardown (unmounting every
    // mount, overlay included, and the RCU grace period that takes) out of the init's
    // exit, which the caller waits for, to our drop of it after the exit is reported.
    // None if the command was gone already.
    let mount_ns = File::open(format!("/proc/{}/ns/mnt", pid.as_raw())).ok();
    if let Some(m) = spawned.pty_master {
        if args.attach_stdin {
            copy_winsize(0, &m);
            container_in = Some(m.try_clone()?);
        }
        outputs.push((m, 0));
    }
    let started = State {
        status: Status::Running,
        pid: pid.as_raw(),
        shim_pid: std::process::id() as i32,
        started_at: record::now_rfc3339(),
        ..Default::default()
    };
    cd.save_state(&started)?;
    rep.send(&format!("started {}", pid.as_raw()));
    drop(start_lock);

    let status = pump(pid, outputs, container_in, args, &mut log)?;
    let _ = log.flush();
    let code = exit_code(status);
    // For `wait`ers of an --rm container, which is gone by the time they look.
    let _ = alive.set_note(&format!("exited {code}\n"));
    if rec.auto_remove {
        // Invisible first, then the caller learns the exit: nothing is left that a user
        // can see, and the cgroup (empty: the pid namespace died with its init) and the
        // files go after. No exited state: the directory is on its way out.
        let trash = crate::lifecycle::detach(cd)?;
        rep.send(&format!("exited {code}"));
        drop(mount_ns);
        let _ = cg.destroy();
        crate::lifecycle::remove_all(&trash.dir)
            .with_context(|| format!("removing {}", trash.dir.display()))?;
        return Ok(());
    }
    let oom = cg.oom_kill_count().unwrap_or(0) > 0;
    let _ = cg.remove_empty();
    let st = State {
        status: Status::Exited,
        exit_code: code,
        oom_killed: oom,
        pid: 0,
        finished_at: record::now_rfc3339(),
        ..started
    };
    cd.save_state(&st)?;
    rep.send(&format!("exited {code}"));
    drop(mount_ns);
    Ok(())
}

/// A close-on-exec pipe (read end, write end).
pub fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")
}

/// A process's exit as a shell reports it: its code, or 128 + the signal that killed it.
pub fn exit_code(status: WaitStatus) -> i32 {
    match status {
        WaitStatus::Exited(_, c) => c,
        WaitStatus::Signaled(_, s, _) => 128 + s as i32,
        _ => 255,
    }
}

enum Source {
    Output(usize),
    Stdin,
    Winch,
    Exit,
}

/// Moves bytes until the init has exited and every output is drained.
fn pump(
    pid: nix::unistd::Pid,
    mut outputs: Vec<(OwnedFd, usize)>,
    mut container_in: Option<OwnedFd>,
    args: &ShimOptions,
    log: &mut logfile::Writer,
) -> Result<WaitStatus> {
    let pidfd = crate::sys::pidfd_open(pid.as_raw()).context("pidfd_open")?;
    let mut forward_out = args.attach_output;
    let mut stdin_open = args.attach_stdin && container_in.is_some();
    let mut winch = args.winch_fd;
    let mut exit: Option<WaitStatus> = None;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut pfds: Vec<libc::pollfd> = Vec::new();
        let mut kinds: Vec<Source> = Vec::new();
        for (fd, stream) in &outputs {
            pfds.push(libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
            kinds.push(Source::Output(*stream));
        }
        if stdin_open {
            pfds.push(libc::pollfd {
                fd: 0,
                events: libc::POLLIN,
                revents: 0,
            });
            kinds.push(Source::Stdin);
        }
        if let Some(w) = winch {
            pfds.push(libc::pollfd {
                fd: w,
                events: libc::POLLIN,
                revents: 0,
            });
            kinds.push(Source::Winch);
        }
        if exit.is_none() {
            pfds.push(libc::pollfd {
                fd: pidfd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
            kinds.push(Source::Exit);
        }
        if exit.is_some() && outputs.is_empty() {
            break;
        }
        // Once the init is gone the pid namespace is torn down and the outputs hit EOF
        // promptly; the timeout only guards against a writer we do not know about.
        let timeout = if exit.is_some() { 2000 } else { -1 };
        // SAFETY: `pfds` is a valid array of pollfd for the duration of the call.
        let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e).context("poll");
        }
        if n == 0 {
            break;
        }
        let mut closed_outputs = Vec::new();
        for (p, kind) in pfds.iter().zip(kinds) {
            if p.revents == 0 {
                continue;
            }
            match kind {
                Source::Output(stream) => {
                    let r = nix::unistd::read(p.fd, &mut buf);
                    match r {
                        Ok(0) | Err(_) => closed_outputs.push(p.fd),
                        Ok(n) => {
                            log.write(stream, &buf[..n])?;
                            if forward_out && !write_all_fd(1 + stream as RawFd, &buf[..n]) {
                                forward_out = false;
                            }
                        }
                    }
                }
                Source::Stdin => match nix::unistd::read(0, &mut buf) {
                    Ok(0) | Err(_) => {
                        stdin_open = false;
                        // EOF on a pipe is EOF for the container; for a pty this only
                        // drops our duplicate of the master.
                        container_in = None;
                    }
                    Ok(n) => {
                        if let Some(c) = &container_in {
                            if nix::unistd::write(c, &buf[..n]).is_err() {
                                stdin_open = false;
                            }
                        }
                    }
                },
                Source::Winch => {
                    let mut b = [0u8; 64];
                    match nix::unistd::read(p.fd, &mut b) {
                        Ok(0) | Err(_) => winch = None,
                        Ok(_) => {
                            if let Some(c) = &container_in {
                                copy_winsize(0, c);
                            }
                        }
                    }
                }
                Source::Exit => {
                    exit = Some(waitpid(pid, None).context("waitpid")?);
                    container_in = None;
                    stdin_open = false;
                }
            }
        }
        outputs.retain(|(fd, _)| !closed_outputs.contains(&fd.as_raw_fd()));
    }
    match exit {
        Some(s) => Ok(s),
        None => Ok(waitpid(pid, None).context("waitpid")?),
    }
}

fn write_all_fd(fd: RawFd, mut data: &[u8]) -> bool {
    // SAFETY: fds 1 and 2 stay open for the life of the shim.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return false,
        }
    }
    true
}

/// How the caller of `start` takes part in the container's I/O.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attach {
    /// The caller's stdin goes to the container (run -i).
    pub stdin: bool,
    /// The container's output comes to the caller's stdout/stderr as well as the log.
    pub output: bool,
    /// An fd (in the caller) that becomes readable when its terminal is resized.
    pub winch: Option<RawFd>,
    /// The caller's terminal size, for a -t container's pty.
    pub console: Option<(u16, u16)>,
}

/// The shim's reports: `started PID`, then `exited CODE`, or `error CODE MESSAGE`.
pub struct StatusReader(std::io::BufReader<File>);

pub enum StatusLine {
    Started(i32),
    Exited(i32),
    Error(i32, String),
}

impl StatusReader {
    /// The next report; None when the shim closed the pipe without one (it died).
    pub fn read(&mut self) -> Option<StatusLine> {
        use std::io::BufRead;
        let mut line = String::new();
        loop {
            line.clear();
            if self.0.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let l = line.trim_end();
            let (word, rest) = l.split_once(' ').unwrap_or((l, ""));
            match word {
                "started" => return Some(StatusLine::Started(rest.parse().ok()?)),
                "exited" => return Some(StatusLine::Exited(rest.parse().ok()?)),
                "error" => {
                    let (code, msg) = rest.split_once(' ').unwrap_or((rest, ""));
                    return Some(StatusLine::Error(
                        code.parse().unwrap_or(125),
                        msg.to_string(),
                    ));
                }
                _ => continue,
            }
        }
    }
}

/// Makes `fd` the child's fd `target`, without CLOEXEC (dup2 onto itself keeps the flag).
fn place_fd(fd: RawFd, target: RawFd) -> std::io::Result<()> {
    // SAFETY: called between fork and exec on fds we own.
    unsafe {
        if fd == target {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                return Err(std::io::Error::last_os_error());
            }
        } else if libc::dup2(fd, target) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The shim's command line: `berth --root ROOT __shim ID --status-fd 3 [...]`. The
/// `berth` binary recognises it before parsing anything else (see its main.rs), so this
/// and that parser must agree.
pub fn shim_args(root: &Path, id: &str, attach: &Attach, locked: bool) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = vec![
        "--root".into(),
        root.into(),
        SHIM_COMMAND.into(),
        id.into(),
        "--status-fd".into(),
        "3".into(),
    ];
    if attach.stdin {
        a.push("--attach-stdin".into());
    }
    if attach.output {
        a.push("--attach-output".into());
    }
    if attach.winch.is_some() {
        a.extend(["--winch-fd".into(), "4".into()]);
    }
    if let Some((rows, cols)) = attach.console {
        a.push(format!("--console={rows}x{cols}").into());
    }
    if locked {
        a.extend(["--lock-fd".into(), "5".into()]);
    }
    a
}

/// The hidden subcommand that runs a shim.
pub const SHIM_COMMAND: &str = "__shim";

/// Starts a shim for container `id` from a read-only clone of this binary (which must be
/// `berth`), in its own session, so it outlives its caller.
pub fn spawn(
    root: &Path,
    id: &str,
    attach: &Attach,
    lock: Option<&FileLock>,
) -> Result<(std::process::Child, StatusReader)> {
    use std::os::unix::process::CommandExt;
    let exe = crate::sealed::readonly_self()?;
    let (status_r, status_w) = pipe()?;
    let mut cmd = std::process::Command::new(format!("/proc/self/fd/{}", exe.as_raw_fd()));
    cmd.arg0("berth")
        .args(shim_args(root, id, attach, lock.is_some()));
    if !attach.stdin {
        cmd.stdin(std::process::Stdio::null());
    }
    if !attach.output {
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    let sw = status_w.as_raw_fd();
    let winch = attach.winch;
    let lock_fd = lock.map(|l| l.as_raw_fd());
    // SAFETY: only async-signal-safe calls (setsid, dup2, fcntl) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            nix::unistd::setsid().map_err(std::io::Error::from)?;
            // The caller may have blocked the signals it proxies; the shim must not.
            let empty: libc::sigset_t = std::mem::zeroed();
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            place_fd(sw, 3)?;
            if let Some(w) = winch {
                place_fd(w, 4)?;
            }
            if let Some(l) = lock_fd {
                place_fd(l, 5)?;
            }
            Ok(())
        });
    }
    let child = cmd
        .spawn()
        .map_err(|e| EngineError::system(format!("starting the shim: {e}")))?;
    drop(status_w);
    Ok((
        child,
        StatusReader(std::io::BufReader::new(File::from(status_r))),
    ))
}
