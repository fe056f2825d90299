//! `run`: parse the flags into the engine's options, create and start the container
//! (one lock held from one to the other), then attach the caller until it exits.
use super::RunArgs;
use super::{engine, fail, Outcome};
use crate::tty;
use berth_engine::options::{self, Capabilities, NetworkMode, Security};
use berth_engine::{Attach, CreateOptions, Engine, EngineError};
use nix::sys::signal::{SigSet, Signal};
use std::os::fd::AsRawFd;

/// The CLI's spellings, checked and typed.
fn create_options(a: &RunArgs) -> Result<CreateOptions, EngineError> {
    let memory = match &a.memory {
        Some(m) => options::parse_memory(m).map_err(|e| {
            EngineError::invalid(format!(
                "invalid argument {m:?} for \"-m, --memory\" flag: {e}"
            ))
        })?,
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
    let binds = a
        .volume
        .iter()
        .map(|v| options::parse_bind(v))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CreateOptions {
        image: a.image_and_cmd[0].clone(),
        name: a.name.clone(),
        cmd: a.image_and_cmd[1..].to_vec(),
        entrypoint: a.entrypoint.as_ref().map(|e| match e.as_str() {
            "" => Vec::new(),
            e => vec![e.to_string()],
        }),
        env: options::parse_env(&a.env, |k| std::env::var(k).ok())?,
        working_dir: a.workdir.clone(),
        user: a.user.clone(),
        hostname: a.hostname.clone(),
        tty: a.tty,
        open_stdin: a.interactive,
        auto_remove: a.rm,
        binds,
        network: NetworkMode::parse(&a.network)?,
        read_only: a.read_only,
        capabilities: Capabilities::parse(&a.cap_add, &a.cap_drop)?,
        security: Security::parse(&a.security_opt)?,
        memory,
        nano_cpus,
        pids_limit: a.pids_limit.unwrap_or(0),
        log: options::parse_log_opts(&a.log_opt)?,
        labels: a
            .label
            .iter()
            .map(|l| match l.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (l.clone(), String::new()),
            })
            .collect(),
    })
}

pub(super) fn run_cmd(eng: &Engine, a: RunArgs) -> Outcome {
    let created = eng
        .create(create_options(&a).map_err(engine)?)
        .map_err(engine)?;
    let id = created.record.id.clone();
    // A -t container's pty gets the caller's size before its command starts.
    let console = if a.tty { tty::winsize(0) } else { None };
    if a.detach {
        // The shim lives on in its own session; it is reaped by init, not by us.
        let attach = Attach {
            console,
            ..Attach::default()
        };
        eng.start_created(created, attach).map_err(engine)?;
        println!("{id}");
        return Ok(0);
    }
    // Blocked before the shim starts, so a signal that arrives before we know the
    // container's PID waits for the forwarder instead of killing us.
    let proxied = proxy_signal_set();
    let _ = proxied.thread_block();
    let raw = (a.tty && a.interactive && tty::is_tty(0)).then(tty::RawMode::enter);
    let (winch_r, winch_w) = if a.tty && tty::is_tty(0) {
        let (r, w) = berth_engine::shim::pipe().map_err(engine)?;
        (Some(r), Some(w))
    } else {
        (None, None)
    };
    let attach = Attach {
        stdin: a.interactive,
        output: true,
        winch: winch_r.as_ref().map(|r| r.as_raw_fd()),
        console,
    };
    let mut started = match eng.start_created(created, attach) {
        Ok(s) => s,
        Err(e) => {
            drop(raw);
            return Err(engine(e));
        }
    };
    // The shim has its own copy now.
    drop(winch_r);
    // Resizes go to the shim, which copies our terminal's size to the pty.
    forward_signals(proxied, started.pid, move || {
        if let Some(w) = &winch_w {
            let _ = nix::unistd::write(w, b"w");
        }
    });
    let code = started.wait_exit();
    drop(raw);
    // Not waiting for the shim: after reporting the exit it only deletes an --rm
    // container's (already invisible) directory; init reaps it once we are gone.
    drop(started.shim.take());
    match code {
        Some(code) => Ok(code),
        None => fail(125, "lost contact with the container's shim"),
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
