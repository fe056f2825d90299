//! start, stop, kill, rm, wait: the engine's guarded verbs, reported as docker does.
use super::{engine, Outcome};
use berth_engine::{Attach, Engine};
use nix::sys::signal::Signal;
use std::time::Duration;

pub(super) fn start_one(eng: &Engine, key: &str) -> Outcome {
    eng.start(key, Attach::default()).map_err(engine)?;
    println!("{key}");
    Ok(0)
}

pub(super) fn stop_one(eng: &Engine, key: &str, secs: u64) -> Outcome {
    // A container that was not running is stopped all the same (docker prints it too).
    eng.stop(key, Duration::from_secs(secs)).map_err(engine)?;
    println!("{key}");
    Ok(0)
}

pub(super) fn kill_one(eng: &Engine, key: &str, sig: Signal) -> Outcome {
    eng.kill(key, sig).map_err(engine)?;
    println!("{key}");
    Ok(0)
}

pub(super) fn rm_one(eng: &Engine, key: &str, force: bool) -> Outcome {
    match eng.remove(key, force) {
        // docker's `rm -f` of a container that is not there is quietly done.
        Err(e) if force && e.kind() == berth_engine::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(engine(e)),
        Ok(()) => {
            println!("{key}");
            Ok(0)
        }
    }
}

pub(super) fn wait_one(eng: &Engine, key: &str) -> Outcome {
    println!("{}", eng.wait(key).map_err(engine)?);
    Ok(0)
}
