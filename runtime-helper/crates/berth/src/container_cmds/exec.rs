//! exec: a new process in a running container, its stdio copied by this process.
use super::run::{forward_signals, proxy_signal_set};
use super::ExecArgs;
use super::{engine, fail, find, Exit, Outcome};
use crate::container::record::Status;
use crate::container::{options, spec};
use crate::shim::pipe;
use crate::{sealed, tty, GlobalOpts};
use berth_runtime::{ExecRequest, Stdio as RtStdio};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

pub(super) fn exec(global: &GlobalOpts, a: ExecArgs) -> Outcome {
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
    let spec = spec::for_container(&rec, None).map_err(engine)?;
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
        console_size: if a.tty { tty::winsize(0) } else { None },
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
    Ok(crate::shim::exit_code(status))
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
