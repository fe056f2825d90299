//! exec: a new process in a running container, its stdio copied by this process.
use super::run::{forward_signals, proxy_signal_set};
use super::ExecArgs;
use super::{engine, Exit, Outcome};
use crate::tty;
use berth_engine::shim::pipe;
use berth_engine::{options, sealed, Engine, ExecOptions};
use berth_runtime::Stdio as RtStdio;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

pub(super) fn exec(eng: &Engine, a: ExecArgs) -> Outcome {
    // The exec'd process is forked from us inside the container: run from a read-only
    // clone so the container can never write to the host binary (CVE-2019-5736).
    sealed::ensure_protected().map_err(engine)?;
    let key = &a.container_and_cmd[0];
    let env = options::parse_env(&a.env, |k| std::env::var(k).ok())
        .map_err(|e| Exit(125, e.to_string()))?;
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
    let opts = ExecOptions {
        args: a.container_and_cmd[1..].to_vec(),
        env,
        working_dir: a.workdir.clone(),
        user: a.user.clone(),
        tty: a.tty,
        console: if a.tty { tty::winsize(0) } else { None },
    };
    let spawned = match eng.exec(key, opts, stdio) {
        Ok(s) => s,
        // docker exits 1 when the container is missing or not running, 125/126/127
        // when the process cannot be made.
        Err(e) => {
            let code = match e.kind() {
                berth_engine::ErrorKind::NotFound | berth_engine::ErrorKind::Conflict => 1,
                _ => e.exit_code(),
            };
            return Err(Exit(code, e.to_string()));
        }
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
    Ok(berth_engine::shim::exit_code(status))
}

fn forward_exec_signals(pid: i32, pty: Option<OwnedFd>) {
    let set = proxy_signal_set();
    if set.thread_block().is_err() {
        return;
    }
    forward_signals(set, pid, move || {
        if let Some(m) = &pty {
            tty::copy_winsize(0, m);
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
