//! Container subcommands: run, ps, logs, exec, start, stop, kill, rm, inspect, wait.
//! Each verb: look the container up, check its state, act, report. Exit codes follow
//! docker: 125 engine error, 126 cannot exec, 127 not found, otherwise the container's.
use crate::container::options::{self, Bind};
use crate::container::record::{self, ContainerDir, Record, State, Status};
use crate::container::{logfile, spec};
use crate::{sealed, shim, tty, GlobalOpts};
use anyhow::{anyhow, bail, Context, Result};
use berth_runtime::{ExecRequest, Stdio as RtStdio};
use nix::sys::signal::{SigSet, Signal};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

#[derive(clap::Subcommand)]
pub enum ContainerCommand {
    /// Create and start a container from an image.
    Run(Box<RunArgs>),
    /// List containers.
    Ps {
        /// Show all containers (default shows just running).
        #[arg(short, long)]
        all: bool,
        /// Only display container IDs.
        #[arg(short, long)]
        quiet: bool,
        #[arg(long)]
        no_trunc: bool,
    },
    /// Fetch the logs of a container.
    Logs {
        #[arg(short, long)]
        follow: bool,
        #[arg(short = 't', long)]
        timestamps: bool,
        /// Number of lines to show from the end ("all" for everything).
        #[arg(short = 'n', long, default_value = "all")]
        tail: String,
        container: String,
    },
    /// Run a command in a running container.
    Exec(ExecArgs),
    /// Start stopped containers.
    Start {
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Stop running containers (the stop signal, then SIGKILL after the timeout).
    Stop {
        /// Seconds to wait before killing.
        #[arg(
            short = 't',
            long = "time",
            visible_alias = "timeout",
            default_value_t = 10
        )]
        time: u64,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Send a signal to running containers.
    Kill {
        #[arg(short, long, default_value = "KILL")]
        signal: String,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Remove containers.
    Rm {
        /// Kill a running container first.
        #[arg(short, long)]
        force: bool,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Low-level information on containers, as JSON.
    Inspect {
        /// Go-template-like field selection, e.g. '{{.State.ExitCode}}'.
        #[arg(short, long)]
        format: Option<String>,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Block until containers stop, then print their exit codes.
    Wait {
        #[arg(required = true)]
        containers: Vec<String>,
    },
    #[command(name = "__shim", hide = true)]
    Shim(shim::ShimArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Run in the background and print the container ID.
    #[arg(short, long)]
    detach: bool,
    /// Remove the container when it exits.
    #[arg(long)]
    rm: bool,
    /// Keep STDIN open.
    #[arg(short, long)]
    interactive: bool,
    /// Allocate a pseudo-TTY.
    #[arg(short, long)]
    tty: bool,
    #[arg(long)]
    name: Option<String>,
    /// Set environment variables (K=V, or K to pass the caller's value).
    #[arg(short, long = "env")]
    env: Vec<String>,
    #[arg(short, long = "workdir")]
    workdir: Option<String>,
    /// USER[:GROUP], by name or number.
    #[arg(short, long)]
    user: Option<String>,
    /// Bind mount SRC:DST[:ro].
    #[arg(short, long = "volume")]
    volume: Vec<String>,
    #[arg(long)]
    hostname: Option<String>,
    /// Memory limit (e.g. 64m).
    #[arg(short, long)]
    memory: Option<String>,
    /// Number of CPUs (e.g. 0.5).
    #[arg(long)]
    cpus: Option<String>,
    #[arg(long)]
    pids_limit: Option<i64>,
    /// none or host.
    #[arg(long, default_value = "none")]
    network: String,
    /// Mount the container's root filesystem read-only.
    #[arg(long)]
    read_only: bool,
    #[arg(long)]
    cap_add: Vec<String>,
    #[arg(long)]
    cap_drop: Vec<String>,
    /// no-new-privileges, seccomp=unconfined.
    #[arg(long)]
    security_opt: Vec<String>,
    #[arg(long)]
    entrypoint: Option<String>,
    /// IMAGE [COMMAND [ARG...]]
    #[arg(required = true, trailing_var_arg = true, value_name = "IMAGE [CMD]")]
    image_and_cmd: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    #[arg(short, long)]
    interactive: bool,
    #[arg(short, long)]
    tty: bool,
    #[arg(short, long)]
    user: Option<String>,
    #[arg(short, long = "env")]
    env: Vec<String>,
    #[arg(short, long = "workdir")]
    workdir: Option<String>,
    /// CONTAINER COMMAND [ARG...]
    #[arg(required = true, num_args = 2.., trailing_var_arg = true, value_name = "CONTAINER CMD")]
    container_and_cmd: Vec<String>,
}

/// An error with the exit code docker would use.
struct Exit(i32, String);

fn fail<T>(code: i32, msg: impl Into<String>) -> std::result::Result<T, Exit> {
    Err(Exit(code, msg.into()))
}

fn engine(e: anyhow::Error) -> Exit {
    Exit(125, format!("{e:#}"))
}

type Outcome = std::result::Result<i32, Exit>;

/// Runs one container subcommand; returns the process exit code (docker's conventions).
pub fn run(global: &GlobalOpts, command: ContainerCommand) -> i32 {
    let r: Outcome = match command {
        ContainerCommand::Run(a) => run_cmd(global, *a),
        ContainerCommand::Ps {
            all,
            quiet,
            no_trunc,
        } => ps(global, all, quiet, no_trunc).map_err(engine),
        ContainerCommand::Logs {
            follow,
            timestamps,
            tail,
            container,
        } => logs(global, &container, follow, timestamps, &tail),
        ContainerCommand::Exec(a) => exec(global, a),
        ContainerCommand::Start { containers } => each(global, &containers, start_one),
        ContainerCommand::Stop { time, containers } => {
            each(global, &containers, |g, c| stop_one(g, c, time))
        }
        ContainerCommand::Kill { signal, containers } => match options::parse_signal(&signal) {
            Ok(sig) => each(global, &containers, |g, c| kill_one(g, c, sig)),
            Err(e) => fail(125, e.to_string()),
        },
        ContainerCommand::Rm { force, containers } => {
            each(global, &containers, |g, c| rm_one(g, c, force))
        }
        ContainerCommand::Inspect { format, containers } => {
            inspect(global, &containers, format.as_deref())
        }
        ContainerCommand::Wait { containers } => each(global, &containers, wait_one),
        ContainerCommand::Shim(a) => Ok(shim::main(&global.root, a)),
    };
    match r {
        Ok(code) => code,
        Err(Exit(code, msg)) => {
            eprintln!("berth: {}", msg.replace('\n', " "));
            code
        }
    }
}

/// Applies a verb to each named container; docker goes on after a failure and exits 1.
fn each(
    global: &GlobalOpts,
    names: &[String],
    f: impl Fn(&GlobalOpts, &str) -> Outcome,
) -> Outcome {
    let mut code = 0;
    for n in names {
        if let Err(Exit(_, msg)) = f(global, n) {
            eprintln!("berth: {}", msg.replace('\n', " "));
            code = 1;
        }
    }
    Ok(code)
}

fn find(global: &GlobalOpts, key: &str) -> std::result::Result<(ContainerDir, Record), Exit> {
    record::find(&global.root, key).map_err(|e| Exit(1, e.to_string()))
}

// ---------------------------------------------------------------- run

fn run_cmd(global: &GlobalOpts, a: RunArgs) -> Outcome {
    let (cd, rec) = create(global, &a).map_err(engine)?;
    if a.detach {
        let (mut child, mut status) =
            spawn_shim(global, &rec.id, false, false, None).map_err(|e| cleanup(&cd, &rec, e))?;
        let code = match read_status(&mut status) {
            Some(StatusLine::Started(_)) => {
                println!("{}", rec.id);
                0
            }
            Some(StatusLine::Error(code, msg)) => return fail(code, msg),
            _ => return fail(125, "the container's shim exited without starting it"),
        };
        // The shim lives on in its own session; it is reaped by init, not by us.
        drop(child.stdin.take());
        return Ok(code);
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
    )
    .map_err(|e| cleanup(&cd, &rec, e))?;
    let winch_w = winch.map(|(_, w)| w);
    let pid = match read_status(&mut status) {
        Some(StatusLine::Started(pid)) => pid,
        Some(StatusLine::Error(code, msg)) => {
            drop(raw);
            let _ = child.wait();
            return fail(code, msg);
        }
        _ => return fail(125, "the container's shim exited without starting it"),
    };
    forward_signals(proxied, pid, winch_w);
    let code = match read_status(&mut status) {
        Some(StatusLine::Exited(code)) => code,
        _ => {
            drop(raw);
            return fail(125, "lost contact with the container's shim");
        }
    };
    drop(raw);
    let _ = child.wait();
    Ok(code)
}

fn cleanup(cd: &ContainerDir, rec: &Record, e: anyhow::Error) -> Exit {
    let _ = record::remove(cd, &rec.id);
    engine(e)
}

/// Checks every option, then writes the container's directory; on any failure nothing
/// is left behind.
fn create(global: &GlobalOpts, a: &RunArgs) -> Result<(ContainerDir, Record)> {
    let image_ref = &a.image_and_cmd[0];
    let user_cmd = a.image_and_cmd[1..].to_vec();
    let memory = match &a.memory {
        Some(m) => options::check_memory(
            options::parse_memory(m)
                .map_err(|e| anyhow!("invalid argument {m:?} for \"-m, --memory\" flag: {e}"))?,
        )?,
        None => 0,
    };
    let host_cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let nano_cpus = match &a.cpus {
        Some(c) => options::parse_cpus(c, host_cpus)?,
        None => 0,
    };
    if a.network != "none" && a.network != "host" {
        bail!("network {:?} not found (supported: none, host)", a.network);
    }
    let caps = options::capabilities(&a.cap_add, &a.cap_drop)?;
    for o in &a.security_opt {
        let ok = [
            "no-new-privileges",
            "no-new-privileges:true",
            "no-new-privileges=true",
            "seccomp=unconfined",
            "seccomp:unconfined",
        ];
        if !ok.contains(&o.as_str()) {
            bail!("invalid --security-opt: {o:?}");
        }
    }
    let binds: Vec<Bind> = a
        .volume
        .iter()
        .map(|v| options::parse_bind(v))
        .collect::<Result<_>>()?;
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
    };
    let cd = ContainerDir::new(&global.root, &id);
    let made = (|| -> Result<()> {
        for d in ["upper", "work", "rootfs"] {
            std::fs::create_dir_all(cd.dir.join(d))?;
        }
        let mut all_binds = spec::etc_files(&cd.dir, &rec)?;
        all_binds.extend(binds);
        let oci = spec::build(&rec, &caps, &all_binds)?;
        let rootfs = berth_runtime::Rootfs {
            lower: image.layer_dirs.clone(),
            upper: cd.dir.join("upper"),
            work: cd.dir.join("work"),
            target: cd.dir.join("rootfs"),
        };
        record::write_json(&cd.spec_path(), &oci)?;
        record::write_json(&cd.rootfs_path(), &rootfs)?;
        cd.save_state(&State::default())?;
        // The record goes last: a directory without one is invisible to lookups.
        record::write_json(&cd.record_path(), &rec)?;
        Ok(())
    })();
    if let Err(e) = made {
        let _ = std::fs::remove_dir_all(&cd.dir);
        return Err(e);
    }
    Ok((cd, rec))
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("pipe")
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
fn spawn_shim(
    global: &GlobalOpts,
    id: &str,
    attach_stdin: bool,
    attach_output: bool,
    winch: Option<RawFd>,
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

fn proxy_signal_set() -> SigSet {
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
/// sig-proxy), and terminal resizes to the shim.
fn forward_signals(set: SigSet, pid: i32, winch: Option<OwnedFd>) {
    std::thread::spawn(move || loop {
        let Ok(sig) = set.wait() else { return };
        if sig == Signal::SIGWINCH {
            if let Some(w) = &winch {
                let _ = nix::unistd::write(w, b"w");
            }
        } else {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
        }
    });
}

// ---------------------------------------------------------------- start / stop / kill / rm / wait

fn start_one(global: &GlobalOpts, key: &str) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        println!("{key}");
        return Ok(0);
    }
    let (_child, mut status) = spawn_shim(global, &rec.id, false, false, None).map_err(engine)?;
    match read_status(&mut status) {
        Some(StatusLine::Started(_)) => {
            println!("{key}");
            Ok(0)
        }
        Some(StatusLine::Error(code, msg)) => fail(code, msg),
        _ => fail(125, "the container's shim exited without starting it"),
    }
}

/// Polls the state until the container is not running; false on timeout.
fn wait_exit(cd: &ContainerDir, timeout: Option<Duration>) -> bool {
    let start = Instant::now();
    loop {
        match cd.state() {
            Ok(st) if st.status != Status::Running => return true,
            Err(_) => return true, // removed (--rm) meanwhile
            _ => {}
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal_pid(pid: i32, sig: Signal) -> Result<()> {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).context("sending the signal")
}

fn stop_one(global: &GlobalOpts, key: &str, secs: u64) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        let sig = if rec.stop_signal.is_empty() {
            Signal::SIGTERM
        } else {
            options::parse_signal(&rec.stop_signal).unwrap_or(Signal::SIGTERM)
        };
        let _ = signal_pid(st.pid, sig);
        if !wait_exit(&cd, Some(Duration::from_secs(secs))) {
            let _ = signal_pid(st.pid, Signal::SIGKILL);
            wait_exit(&cd, None);
        }
    }
    println!("{key}");
    Ok(0)
}

fn kill_one(global: &GlobalOpts, key: &str, sig: Signal) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status != Status::Running {
        return fail(
            1,
            format!(
                "cannot kill container: {}: container {} is not running",
                key, rec.id
            ),
        );
    }
    signal_pid(st.pid, sig).map_err(engine)?;
    println!("{key}");
    Ok(0)
}

fn rm_one(global: &GlobalOpts, key: &str, force: bool) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        if !force {
            return fail(1, format!("cannot remove container \"/{}\": container is running: stop the container before removing or force remove", rec.name));
        }
        let _ = signal_pid(st.pid, Signal::SIGKILL);
        wait_exit(&cd, None);
    }
    if cd.dir.exists() {
        record::remove(&cd, &rec.id).map_err(engine)?;
    }
    println!("{key}");
    Ok(0)
}

fn wait_one(global: &GlobalOpts, key: &str) -> Outcome {
    let (cd, _) = find(global, key)?;
    wait_exit(&cd, None);
    let st = cd.state().map_err(engine)?;
    println!("{}", st.exit_code);
    Ok(0)
}

// ---------------------------------------------------------------- ps / inspect / logs

fn ago(ts: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(ts) else {
        return String::new();
    };
    let s = (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
        .num_seconds()
        .max(0);
    match s {
        0..=1 => "Less than a second".into(),
        2..=59 => format!("{s} seconds"),
        60..=119 => "About a minute".into(),
        120..=3599 => format!("{} minutes", s / 60),
        3600..=7199 => "About an hour".into(),
        7200..=172_799 => format!("{} hours", s / 3600),
        _ => format!("{} days", s / 86400),
    }
}

fn status_text(st: &State) -> String {
    match st.status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", ago(&st.started_at)),
        Status::Exited => format!("Exited ({}) {} ago", st.exit_code, ago(&st.finished_at)),
    }
}

fn ps(global: &GlobalOpts, all: bool, quiet: bool, no_trunc: bool) -> Result<i32> {
    let mut rows = Vec::new();
    for (cd, rec) in record::list(&global.root)?.into_iter().rev() {
        let st = cd.state().unwrap_or_default();
        if !all && st.status != Status::Running {
            continue;
        }
        rows.push((rec, st));
    }
    if quiet {
        for (r, _) in rows {
            println!("{}", if no_trunc { &r.id[..] } else { &r.id[..12] });
        }
        return Ok(0);
    }
    println!(
        "{:<14}{:<20}{:<24}{:<24}{:<28}{:<8}NAMES",
        "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS"
    );
    for (r, st) in rows {
        let mut command = format!("\"{}\"", r.args.join(" "));
        if !no_trunc && command.chars().count() > 22 {
            command = format!("{}…\"", command.chars().take(20).collect::<String>());
        }
        let id = if no_trunc {
            r.id.clone()
        } else {
            r.id[..12].to_string()
        };
        println!(
            "{:<14}{:<20}{:<24}{:<24}{:<28}{:<8}{}",
            id,
            r.image,
            command,
            format!("{} ago", ago(&r.created)),
            status_text(&st),
            "",
            r.name
        );
    }
    Ok(0)
}

fn inspect_json(cd: &ContainerDir, rec: &Record) -> Result<serde_json::Value> {
    let st = cd.state()?;
    Ok(serde_json::json!({
        "Id": rec.id,
        "Created": rec.created,
        "Path": rec.path,
        "Args": rec.args.get(1..).unwrap_or_default(),
        "State": {
            "Status": st.status.as_str(),
            "Running": st.status == Status::Running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": st.oom_killed,
            "Dead": false,
            "Pid": st.pid,
            "ExitCode": st.exit_code,
            "Error": st.error,
            "StartedAt": if st.started_at.is_empty() { "0001-01-01T00:00:00Z" } else { &st.started_at },
            "FinishedAt": if st.finished_at.is_empty() { "0001-01-01T00:00:00Z" } else { &st.finished_at },
        },
        "Image": rec.image_id,
        "LogPath": cd.log_path(),
        "Name": format!("/{}", rec.name),
        "Driver": "overlay2",
        "HostConfig": {
            "Binds": rec.binds,
            "NetworkMode": rec.network,
            "AutoRemove": rec.auto_remove,
            "CapAdd": rec.cap_add,
            "CapDrop": rec.cap_drop,
            "ReadonlyRootfs": rec.read_only,
            "SecurityOpt": rec.security_opt,
            "Memory": rec.memory,
            "NanoCpus": rec.nano_cpus,
            "PidsLimit": rec.pids_limit,
        },
        "Config": {
            "Hostname": rec.hostname,
            "User": rec.user,
            "Tty": rec.tty,
            "OpenStdin": rec.open_stdin,
            "Env": rec.env,
            "Cmd": rec.cmd,
            "Image": rec.image,
            "WorkingDir": rec.working_dir,
            "Entrypoint": rec.entrypoint,
            "StopSignal": rec.stop_signal,
        },
    }))
}

/// The subset of Go templates people use with inspect: `{{.A.B}}` and `{{json .A}}`.
fn render_format(fmt: &str, v: &serde_json::Value) -> String {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let expr = rest[start + 2..start + end].trim();
        let (json, path) = match expr.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, expr),
        };
        let mut cur = v;
        for part in path
            .trim_start_matches('.')
            .split('.')
            .filter(|p| !p.is_empty())
        {
            cur = cur.get(part).unwrap_or(&serde_json::Value::Null);
        }
        out.push_str(&match (json, cur) {
            (true, c) => c.to_string(),
            (false, serde_json::Value::String(s)) => s.clone(),
            (false, serde_json::Value::Null) => "<no value>".into(),
            (false, c) => c.to_string(),
        });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn inspect(global: &GlobalOpts, keys: &[String], format: Option<&str>) -> Outcome {
    let mut values = Vec::new();
    let mut code = 0;
    for k in keys {
        match record::find(&global.root, k).and_then(|(cd, rec)| inspect_json(&cd, &rec)) {
            Ok(v) => values.push(v),
            Err(e) => {
                eprintln!("berth: {e}");
                code = 1;
            }
        }
    }
    match format {
        Some(f) => values
            .iter()
            .for_each(|v| println!("{}", render_format(f, v))),
        None => println!(
            "{}",
            serde_json::to_string_pretty(&values).unwrap_or_default()
        ),
    }
    Ok(code)
}

fn print_entry(e: &logfile::Entry, timestamps: bool) {
    let text = if timestamps {
        format!("{} {}", e.time, e.log)
    } else {
        e.log.clone()
    };
    if e.stream == "stderr" {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

fn logs(global: &GlobalOpts, key: &str, follow: bool, timestamps: bool, tail: &str) -> Outcome {
    let (cd, _) = find(global, key)?;
    let path = cd.log_path();
    let (entries, mut offset) = logfile::read_from(&path, 0).map_err(engine)?;
    let skip = match tail {
        "all" | "-1" => 0,
        n => {
            let n: usize = n
                .parse()
                .map_err(|_| Exit(125, format!("invalid --tail value {n:?}")))?;
            entries.len().saturating_sub(n)
        }
    };
    entries[skip..]
        .iter()
        .for_each(|e| print_entry(e, timestamps));
    if !follow {
        return Ok(0);
    }
    loop {
        // Read the state before the log, so nothing written just before exit is missed.
        let running = matches!(cd.state(), Ok(st) if st.status == Status::Running);
        let (more, next) = logfile::read_from(&path, offset).map_err(engine)?;
        more.iter().for_each(|e| print_entry(e, timestamps));
        offset = next;
        if !running && more.is_empty() {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------- exec

fn exec(global: &GlobalOpts, a: ExecArgs) -> Outcome {
    // The exec'd process is forked from us inside the container: run from a read-only
    // clone so the container can never write to the host binary (CVE-2019-5736).
    sealed::ensure_protected().map_err(engine)?;
    let key = &a.container_and_cmd[0];
    let args = a.container_and_cmd[1..].to_vec();
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status != Status::Running {
        return fail(1, format!("container {} is not running", rec.id));
    }
    let spec = cd.spec().map_err(engine)?;
    let env_opts = options::parse_env(&a.env, |k| std::env::var(k).ok())
        .map_err(|e| Exit(125, e.to_string()))?;
    let mut env = rec.env.clone();
    if a.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        env.push("TERM=xterm".into());
    }
    let env = options::merge_env(&env, &env_opts);
    let cgroup = cd.cgroup(&rec.id).map_err(engine)?;
    let mut pipes = None;
    let stdio = if a.tty {
        RtStdio::Pty
    } else {
        let (out_r, out_w) = pipe().map_err(engine)?;
        let (err_r, err_w) = pipe().map_err(engine)?;
        let (in_r, in_w) = if a.interactive {
            let (r, w) = pipe().map_err(engine)?;
            (Some(r), Some(w))
        } else {
            (None, None)
        };
        pipes = Some((in_w, out_r, err_r));
        RtStdio::Pipes {
            stdin: in_r,
            stdout: out_w,
            stderr: err_w,
        }
    };
    let req = ExecRequest {
        init_pid: st.pid,
        spec: &spec,
        args,
        env,
        cwd: a.workdir.clone().unwrap_or_else(|| rec.working_dir.clone()),
        user: a.user.clone().unwrap_or_else(|| rec.user.clone()),
        tty: a.tty,
        stdio,
        cgroup: Some(&cgroup),
    };
    let spawned = match berth_runtime::exec_in(req) {
        Ok(s) => s,
        Err(e) => return fail(e.exit_code(), e.to_string()),
    };
    let pid = spawned.pid;
    let mut threads = Vec::new();
    let mut _raw = None;
    if let Some(master) = spawned.pty_master {
        if a.interactive && tty::is_tty(0) {
            _raw = Some(tty::RawMode::enter());
            tty::copy_winsize(0, &master);
        }
        let winch_target = master.try_clone().map_err(|e| engine(e.into()))?;
        forward_exec_signals(pid.as_raw(), Some(winch_target));
        if a.interactive {
            let w = master.try_clone().map_err(|e| engine(e.into()))?;
            std::thread::spawn(move || copy(std::io::stdin(), std::fs::File::from(w)));
        }
        threads.push(std::thread::spawn(move || {
            copy(std::fs::File::from(master), std::io::stdout())
        }));
    } else if let Some((in_w, out_r, err_r)) = pipes {
        forward_exec_signals(pid.as_raw(), None);
        if let Some(w) = in_w {
            std::thread::spawn(move || copy(std::io::stdin(), std::fs::File::from(w)));
        }
        threads.push(std::thread::spawn(move || {
            copy(std::fs::File::from(out_r), std::io::stdout())
        }));
        threads.push(std::thread::spawn(move || {
            copy(std::fs::File::from(err_r), std::io::stderr())
        }));
    }
    let status = nix::sys::wait::waitpid(pid, None).map_err(|e| engine(e.into()))?;
    for t in threads {
        let _ = t.join();
    }
    drop(_raw);
    Ok(match status {
        nix::sys::wait::WaitStatus::Exited(_, c) => c,
        nix::sys::wait::WaitStatus::Signaled(_, s, _) => 128 + s as i32,
        _ => 255,
    })
}

fn forward_exec_signals(pid: i32, pty: Option<OwnedFd>) {
    let set = proxy_signal_set();
    if set.thread_block().is_err() {
        return;
    }
    std::thread::spawn(move || loop {
        let Ok(sig) = set.wait() else { return };
        if sig == Signal::SIGWINCH {
            if let Some(m) = &pty {
                tty::copy_winsize(0, m);
            }
        } else {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
        }
    });
}

/// Copies until EOF or an error (EIO on a pty master once the process is gone).
fn copy(mut from: impl Read, mut to: impl Write) {
    let mut buf = [0u8; 32 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() || to.flush().is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::render_format;

    #[test]
    fn format_paths_and_json() {
        let v = serde_json::json!({"State": {"ExitCode": 137, "OOMKilled": true, "Status": "exited"}, "Config": {"Env": ["A=1"]}});
        assert_eq!(
            render_format("{{.State.ExitCode}} {{.State.OOMKilled}}", &v),
            "137 true"
        );
        assert_eq!(render_format("{{ .State.Status }}", &v), "exited");
        assert_eq!(render_format("{{json .Config.Env}}", &v), "[\"A=1\"]");
        assert_eq!(render_format("{{.Nope}}", &v), "<no value>");
    }
}
