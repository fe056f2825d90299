//! What runs in the container's first process (and in exec'd processes) between fork
//! and execve: stdio or pty, working directory, user, seccomp, capabilities, exec.
use crate::defaults::{DEFAULT_PATH, USER_ANNOTATION};
use crate::security::{
    apply_rlimits, become_user, cap_sets, cloexec_from_3, seccomp_program, set_no_new_privs,
};
use crate::{fdpass, rooted, seccomp, user, Result, RuntimeError};
use oci_spec::runtime::Spec;
use std::convert::Infallible;
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The process to become, once the container's filesystem is in place.
pub(crate) struct ProcessPlan {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: String,
    /// Socket to send the pty master over; Some means "allocate a pty".
    pub pty: Option<OwnedFd>,
    /// The pty's size (rows, columns) from the start, so the first `stty size` is right.
    pub console_size: Option<(u16, u16)>,
}

/// `process.consoleSize` of the spec as (rows, columns).
pub(crate) fn console_size(spec: &Spec) -> Option<(u16, u16)> {
    let b = spec.process().as_ref()?.console_size()?;
    Some((
        u16::try_from(b.height()).ok()?,
        u16::try_from(b.width()).ok()?,
    ))
}

impl ProcessPlan {
    /// The init's process. Its pty, if any, is set up before (it is also the console),
    /// so the plan has none.
    pub fn from_spec(spec: &Spec) -> Result<ProcessPlan> {
        let p = spec
            .process()
            .as_ref()
            .ok_or_else(|| RuntimeError::InvalidSpec("no process".into()))?;
        let user = spec
            .annotations()
            .as_ref()
            .and_then(|a| a.get(USER_ANNOTATION).cloned())
            .unwrap_or_else(|| format!("{}:{}", p.user().uid(), p.user().gid()));
        Ok(ProcessPlan {
            args: p.args().clone().unwrap_or_default(),
            env: p.env().clone().unwrap_or_default(),
            cwd: p.cwd().to_string_lossy().into_owned(),
            user,
            pty: None,
            console_size: None,
        })
    }
}

pub(crate) fn dup_onto(fd: &impl AsRawFd, target: i32) -> Result<()> {
    // SAFETY: dup2 on fds we own; the target is one of 0..=2.
    if unsafe { libc::dup2(fd.as_raw_fd(), target) } < 0 {
        return Err(RuntimeError::sys(
            "dup2",
            "stdio",
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// Allocates a pty in the container's own devpts, sized before anything runs on it,
/// hands the master to the engine and makes the slave the controlling terminal and stdio.
/// Both ends are opened without a path the container controls: the master through a walk
/// that takes no symlink (an exec'd process runs where the container could have made
/// /dev/ptmx a link to one of our fds), the slave with TIOCGPTPEER.
pub(crate) fn setup_pty(sock: &OwnedFd, size: Option<(u16, u16)>) -> Result<String> {
    let ptmx = Path::new("/dev/pts/ptmx");
    let root = rooted::open_root()?;
    let walk = |flags| {
        rooted::walk(
            &root,
            ptmx,
            rooted::Links::Refuse,
            rooted::Create::Nothing,
            flags,
        )?
        .ok_or_else(|| RuntimeError::sys("open", ptmx, std::io::ErrorKind::NotFound))
    };
    let probe = walk(rustix::fs::OFlags::PATH)?;
    #[allow(clippy::unnecessary_cast)]
    let devpts = libc::DEVPTS_SUPER_MAGIC as i64;
    if rooted::fs_magic(&probe) != Some(devpts) {
        return Err(RuntimeError::UnsafePath {
            path: ptmx.into(),
            reason: "not on the container's devpts".into(),
        });
    }
    drop(probe);
    let master = walk(rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY)?;
    drop(root);
    let ioctl_err = |op: &'static str| RuntimeError::sys(op, ptmx, std::io::Error::last_os_error());
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads an int; TIOCGPTN writes an unsigned int; both on our master.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) } < 0 {
        return Err(ioctl_err("unlockpt"));
    }
    let mut n: libc::c_uint = 0;
    // SAFETY: as above.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTN, &mut n) } < 0 {
        return Err(ioctl_err("ptsname"));
    }
    let name = format!("/dev/pts/{n}");
    // SAFETY: TIOCGPTPEER opens the master's peer and returns a new fd (or -1).
    let slave = unsafe {
        libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCGPTPEER,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if slave < 0 {
        return Err(ioctl_err("open pty peer"));
    }
    if let Some((rows, cols)) = size {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ with a valid winsize on the pty master we just opened.
        if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) } < 0 {
            return Err(RuntimeError::sys(
                "TIOCSWINSZ",
                &name,
                std::io::Error::last_os_error(),
            ));
        }
    }
    fdpass::send_fd(sock, master.as_raw_fd())?;
    drop(master);
    // SAFETY: TIOCSCTTY on a pty slave; we are a session leader without a terminal.
    if unsafe { libc::ioctl(slave, libc::TIOCSCTTY, 0) } < 0 {
        return Err(RuntimeError::sys(
            "TIOCSCTTY",
            &name,
            std::io::Error::last_os_error(),
        ));
    }
    for t in 0..3 {
        // SAFETY: dup2 onto stdio.
        unsafe { libc::dup2(slave, t) };
    }
    // SAFETY: `slave` is ours and now duplicated onto 0..=2.
    unsafe { libc::close(slave) };
    Ok(name)
}

fn env_get<'a>(env: &'a [String], key: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find_map(|e| e.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Looks the command up in the container's PATH, as execvp would, but tells "not found"
/// (127) from "found but not executable" (126).
fn find_executable(cmd: &str, env: &[String]) -> Result<PathBuf> {
    if cmd.contains('/') {
        return Ok(PathBuf::from(cmd));
    }
    for dir in env_get(env, "PATH").unwrap_or(DEFAULT_PATH).split(':') {
        let p = Path::new(if dir.is_empty() { "." } else { dir }).join(cmd);
        if let Ok(m) = std::fs::metadata(&p) {
            if m.is_file() && m.permissions().mode() & 0o111 != 0 {
                return Ok(p);
            }
        }
    }
    Err(RuntimeError::NotFound(cmd.to_string()))
}

/// /etc/passwd or /etc/group of the container, read safely (see [`rooted::read_small`]);
/// missing is empty, as in Docker.
fn read_user_db(root: &OwnedFd, p: &str) -> Result<String> {
    let bytes = rooted::read_small(root, Path::new(p), rooted::MAX_DB_SIZE)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Everything from the pty to execve. Only returns on failure.
pub(crate) fn become_process(spec: &Spec, plan: ProcessPlan) -> Result<Infallible> {
    if let Some(sock) = &plan.pty {
        setup_pty(sock, plan.console_size)?;
    }
    drop(plan.pty);
    apply_rlimits(spec)?;
    // Our root is the container's (after pivot_root, or setns into its mount namespace
    // for exec); every path of the image is walked from it, never through /proc's magic
    // links to a file this process holds (CVE-2024-21626).
    let root = rooted::open_root()?;
    let cwd = if plan.cwd.is_empty() {
        "/"
    } else {
        plan.cwd.as_str()
    };
    // docker creates a missing working directory; links in the image are followed
    // inside the root.
    let dir = rooted::dir(&root, Path::new(cwd), rooted::Links::InRoot)?;
    rustix::process::fchdir(&dir).map_err(|e| RuntimeError::sys("chdir", cwd, e))?;
    drop(dir);
    let user = user::resolve(
        &plan.user,
        &read_user_db(&root, "/etc/passwd")?,
        &read_user_db(&root, "/etc/group")?,
    )?;
    drop(root);
    let mut env = plan.env;
    if env_get(&env, "HOME").is_none() {
        env.push(format!("HOME={}", user.home));
    }
    let cmd = plan
        .args
        .first()
        .ok_or_else(|| RuntimeError::InvalidSpec("no command specified".into()))?;
    let exe = find_executable(cmd, &env)?;
    let c = |s: &str| {
        CString::new(s).map_err(|_| RuntimeError::InvalidSpec(format!("NUL byte in {s:?}")))
    };
    let exe_c = c(&exe.to_string_lossy())?;
    let argv: Vec<CString> = plan.args.iter().map(|a| c(a)).collect::<Result<_>>()?;
    let envp: Vec<CString> = env.iter().map(|a| c(a)).collect::<Result<_>>()?;
    let caps = cap_sets(spec)?;
    let seccomp = seccomp_program(spec, &caps)?;
    if spec
        .process()
        .as_ref()
        .and_then(|p| p.no_new_privileges())
        .unwrap_or(false)
    {
        set_no_new_privs()?;
    }
    if let Some(prog) = &seccomp {
        seccomp::install(prog)?;
    }
    become_user(&user, &caps)?;
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    cloexec_from_3()?;
    let err = nix::unistd::execve(&exe_c, &argv, &envp).unwrap_err();
    Err(RuntimeError::CannotExec {
        path: cmd.clone(),
        source: err.into(),
    })
}
