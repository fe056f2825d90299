//! start, stop, kill, rm, wait: refresh the state, check it, act.
use super::run::{spawn_shim, wait_started};
use super::{engine, fail, find, Outcome};
use crate::container::options;
use crate::container::record::{self, ContainerDir, Status};
use crate::GlobalOpts;
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use std::time::{Duration, Instant};

pub(super) fn start_one(global: &GlobalOpts, key: &str) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        println!("{key}");
        return Ok(0);
    }
    let (_child, mut status) =
        spawn_shim(global, &rec.id, false, false, None, None).map_err(engine)?;
    wait_started(&mut status)?;
    println!("{key}");
    Ok(0)
}

/// Polls the state until the container is not running; false on timeout.
pub(super) fn wait_exit(cd: &ContainerDir, timeout: Option<Duration>) -> bool {
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

pub(super) fn stop_one(global: &GlobalOpts, key: &str, secs: u64) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        // No (or an unknown) stop signal in the image: SIGTERM.
        let sig = options::parse_signal(&rec.stop_signal).unwrap_or(Signal::SIGTERM);
        let _ = signal_pid(st.pid, sig);
        if !wait_exit(&cd, Some(Duration::from_secs(secs))) {
            let _ = signal_pid(st.pid, Signal::SIGKILL);
            wait_exit(&cd, None);
        }
    }
    println!("{key}");
    Ok(0)
}

pub(super) fn kill_one(global: &GlobalOpts, key: &str, sig: Signal) -> Outcome {
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

pub(super) fn rm_one(global: &GlobalOpts, key: &str, force: bool) -> Outcome {
    let (cd, rec) = find(global, key)?;
    let st = cd.state().map_err(engine)?;
    if st.status == Status::Running {
        if !force {
            return fail(1, format!("cannot remove container \"/{}\": container is running: stop the container before removing or force remove", rec.name));
        }
        let _ = signal_pid(st.pid, Signal::SIGKILL);
        wait_exit(&cd, None);
    }
    // An --rm container's shim may have removed it meanwhile; remove allows for that.
    record::remove(&cd, &rec.id).map_err(engine)?;
    println!("{key}");
    Ok(0)
}

pub(super) fn wait_one(global: &GlobalOpts, key: &str) -> Outcome {
    let (cd, _) = find(global, key)?;
    wait_exit(&cd, None);
    let st = cd.state().map_err(engine)?;
    println!("{}", st.exit_code);
    Ok(0)
}
