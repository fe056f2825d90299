//! `run`: check the options, write the container record, start the shim, attach.
use super::RunArgs;
use super::{engine, fail, Exit, Outcome};
use crate::container::record::{self, ContainerDir, Record};
use crate::container::{init_layer, options};
use crate::shim::pipe;
use crate::{sealed, tty, GlobalOpts};
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::{SigSet, Signal};
use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;

pub(super) fn run_cmd(global: &GlobalOpts, a: RunArgs) -> Outcome {
    let (cd, rec) = create(global, &a).map_err(engine)?;
    // A -t container's pty gets the caller's size before its command starts.
    let console = if a.tty { tty::winsize(0) } else { None };
    if a.detach {
        // The shim lives on in its own session; it is reaped by init, not by us.
        let (_child, mut status) = spawn_shim(global, &rec.id, false, false, None, console)
            .map_err(|e| cleanup(&cd, &rec, e))?;
        wait_started(&mut status)?;
        println!("{}", rec.id);
        return Ok(0);
    }
    let attach_stdin = a.interactive;
    // Blocked before the shim starts, so a signal that arrives before we know the
    // container's PID waits for the forwarder instead of killing us.
    let proxied = proxy_signal_set();
    let _ = proxied.thread_block();
    let raw = (a.tty && a.interactive && tty::is_tty(0)).then(tty::RawMode::enter);
    let winch = if a.tty && tty::is_tty(0) {
        Some(pipe().map_err(engine)?)
    } else {
        None
    };
    let (mut child, mut status) = spawn_shim(
        global,
        &rec.id,
        attach_stdin,
        true,
        winch.as_ref().map(|(r, _)| r.as_raw_fd()),
        console,
    )
    .map_err(|e| cleanup(&cd, &rec, e))?;
    let winch_w = winch.map(|(_, w)| w);
    let pid = match wait_started(&mut status) {
        Ok(pid) => pid,
        Err(e) => {
            drop(raw);
            let _ = child.wait();
            return Err(e);
        }
    };
    // Resizes go to the shim, which copies our terminal's size to the pty.
    forward_signals(proxied, pid, move || {
        if let Some(w) = &winch_w {
            let _ = nix::unistd::write(w, b"w");
        }
    });
    let code = match read_status(&mut status) {
        Some(StatusLine::Exited(code)) => code,
        _ => {
            drop(raw);
            return fail(125, "lost contact with the container's shim");
        }
    };
    drop(raw);
    // Not waiting for the shim: after reporting the exit it only deletes an --rm
    // container's (already invisible) directory; init reaps it once we are gone.
    drop(child);
    Ok(code)
}

fn cleanup(cd: &ContainerDir, rec: &Record, e: anyhow::Error) -> Exit {
    let _ = record::remove(cd, &rec.id);
    engine(e)
}

/// Checks every option, then writes the container's directory; on any failure nothing
/// is left behind.
pub(super) fn create(global: &GlobalOpts, a: &RunArgs) -> Result<(ContainerDir, Record)> {
    let image_ref = &a.image_and_cmd[0];
    let user_cmd = a.image_and_cmd[1..].to_vec();
    let memory = match &a.memory {
        Some(m) => options::check_memory(
            options::parse_memory(m)
                .map_err(|e| anyhow!("invalid argument {m:?} for \"-m, --memory\" flag: {e}"))?,
        )?,
        None => 0,
    };
    let nano_cpus = match &a.cpus {
        Some(c) => {
            // Only here: std reads the affinity mask and cgroup quota files for this.
            let host_cpus = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            options::parse_cpus(c, host_cpus)?
        }
        None => 0,
    };
    if a.network != "none" && a.network != "host" {
        bail!("network {:?} not found (supported: none, host)", a.network);
    }
    // Checked now; the shim builds the runtime spec from the record.
    options::capabilities(&a.cap_add, &a.cap_drop)?;
    for o in &a.security_opt {
        let o = o.as_str();
        if !options::NO_NEW_PRIVILEGES.contains(&o) && !options::SECCOMP_UNCONFINED.contains(&o) {
            bail!("invalid --security-opt: {o:?}");
        }
    }
    for v in &a.volume {
        options::parse_bind(v)?;
    }
    let env_opts = options::parse_env(&a.env, |k| std::env::var(k).ok())?;
    if let Some(n) = &a.name {
        let valid = !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !valid {
            bail!("invalid container name {n:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }

    let store = berth_store::Store::open(&global.root)
        .with_context(|| format!("opening store {}", global.root.display()))?;
    let image = store.resolve_image(image_ref).map_err(|e| match e.kind() {
        berth_store::ErrorKind::NotFound => anyhow!("Unable to find image {image_ref:?} locally"),
        _ => anyhow!(e),
    })?;
    let cfg = image.config.config().clone().unwrap_or_default();
    let entrypoint = match &a.entrypoint {
        Some(e) if e.is_empty() => Vec::new(),
        Some(e) => vec![e.clone()],
        None => cfg.entrypoint().clone().unwrap_or_default(),
    };
    let cmd = if !user_cmd.is_empty() || a.entrypoint.is_some() {
        user_cmd
    } else {
        cfg.cmd().clone().unwrap_or_default()
    };
    let full: Vec<String> = entrypoint.iter().chain(&cmd).cloned().collect();
    if full.is_empty() {
        bail!("no command specified");
    }

    let _lock = record::create_lock(&global.root)?;
    let existing = record::list(&global.root)?;
    let name = match &a.name {
        Some(n) => {
            if let Some((_, r)) = existing.iter().find(|(_, r)| &r.name == n) {
                bail!(
                    "Conflict. The container name \"/{n}\" is already in use by container \"{}\"",
                    r.id
                );
            }
            n.clone()
        }
        None => loop {
            let n = record::random_name();
            if !existing.iter().any(|(_, r)| r.name == n) {
                break n;
            }
        },
    };
    let id = record::new_id();
    let hostname = a.hostname.clone().unwrap_or_else(|| id[..12].to_string());
    let mut env = vec![
        format!("PATH={}", berth_runtime::defaults::DEFAULT_PATH),
        format!("HOSTNAME={hostname}"),
    ];
    if a.tty {
        env.push("TERM=xterm".into());
    }
    let env = options::merge_env(
        &options::merge_env(&env, &cfg.env().clone().unwrap_or_default()),
        &env_opts,
    );
    let rec = Record {
        id: id.clone(),
        name,
        created: record::now_rfc3339(),
        image: image_ref.clone(),
        image_id: image.id.clone(),
        path: full[0].clone(),
        args: full.clone(),
        entrypoint,
        cmd,
        env,
        working_dir: a
            .workdir
            .clone()
            .or_else(|| cfg.working_dir().clone())
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/".into()),
        user: a
            .user
            .clone()
            .or_else(|| cfg.user().clone())
            .unwrap_or_default(),
        hostname,
        tty: a.tty,
        open_stdin: a.interactive,
        auto_remove: a.rm,
        binds: a.volume.clone(),
        network: a.network.clone(),
        read_only: a.read_only,
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        security_opt: a.security_opt.clone(),
        memory,
        nano_cpus,
        pids_limit: a.pids_limit.unwrap_or(0),
        stop_signal: cfg.stop_signal().clone().unwrap_or_default(),
        layers: image
            .layer_dirs
            .iter()
            .cloned()
            .chain([init_layer::ensure(&global.root)?])
            .collect(),
    };
    let cd = ContainerDir::new(&global.root, &id);
    let made = (|| -> Result<()> {
        // Keeps the image's layers (our overlay's lowerdirs) from `rmi -f` and GC until
        // the container is removed.
        store.lease(&record::image_lease_holder(&id), &image)?;
        for d in ["upper", "work"] {
            std::fs::create_dir_all(cd.dir.join(d))?;
        }
        std::fs::create_dir_all(cd.rootfs(&rec)?.target)?;
        // The record goes last: a directory without one is invisible to lookups.
        record::write_json(&cd.record_path(), &rec)?;
        Ok(())
    })();
    if let Err(e) = made {
        let _ = std::fs::remove_dir_all(&cd.dir);
        let _ = store.release(&record::image_lease_holder(&id));
        return Err(e);
    }
    Ok((cd, rec))
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

/// Starts the shim from a read-only clone of this binary, in its own session.
pub(super) fn spawn_shim(
    global: &GlobalOpts,
    id: &str,
    attach_stdin: bool,
    attach_output: bool,
    winch: Option<RawFd>,
    console: Option<(u16, u16)>,
) -> Result<(std::process::Child, BufReader<std::fs::File>)> {
    let exe = sealed::readonly_self()?;
    let (status_r, status_w) = pipe()?;
    let mut cmd = std::process::Command::new(format!("/proc/self/fd/{}", exe.as_raw_fd()));
    cmd.arg0("berth")
        .arg("--root")
        .arg(&global.root)
        .arg("__shim")
        .arg(id)
        .args(["--status-fd", "3"]);
    if attach_stdin {
        cmd.arg("--attach-stdin");
    } else {
        cmd.stdin(std::process::Stdio::null());
    }
    if attach_output {
        cmd.arg("--attach-output");
    } else {
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    if winch.is_some() {
        cmd.args(["--winch-fd", "4"]);
    }
    if let Some((rows, cols)) = console {
        cmd.arg(format!("--console={rows}x{cols}"));
    }
    let sw = status_w.as_raw_fd();
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
            Ok(())
        });
    }
    let child = cmd.spawn().context("starting the shim")?;
    drop(status_w);
    Ok((child, BufReader::new(std::fs::File::from(status_r))))
}

enum StatusLine {
    Started(i32),
    Exited(i32),
    Error(i32, String),
}

fn read_status(r: &mut BufReader<std::fs::File>) -> Option<StatusLine> {
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
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

/// The container's PID once its shim reports it started, or the shim's error.
pub(super) fn wait_started(
    status: &mut BufReader<std::fs::File>,
) -> std::result::Result<i32, Exit> {
    match read_status(status) {
        Some(StatusLine::Started(pid)) => Ok(pid),
        Some(StatusLine::Error(code, msg)) => fail(code, msg),
        _ => fail(125, "the container's shim exited without starting it"),
    }
}

pub(super) fn proxy_signal_set() -> SigSet {
    let mut set = SigSet::empty();
    for s in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGWINCH,
    ] {
        set.add(s);
    }
    set
}

/// Proxies the caller's signals (blocked in `set`) to the container's process (docker's
/// sig-proxy); a terminal resize calls `on_winch` instead.
pub(super) fn forward_signals(set: SigSet, pid: i32, on_winch: impl Fn() + Send + 'static) {
    std::thread::spawn(move || loop {
        let Ok(sig) = set.wait() else { return };
        if sig == Signal::SIGWINCH {
            on_winch();
        } else {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
        }
    });
}
