//! start, stop, kill, rm, wait. Each verb that changes a container takes its lock,
//! re-reads its record and state, checks its guard, acts, and saves (STYLE 5, 17).
//! Waiting is done on events: the shim's lock for "the shim is gone", a pidfd for "the
//! init is gone" (see [`crate::lock`]); no verb polls the state file.
use crate::create::Created;
use crate::error::{EngineError, Result};
use crate::lock::{self, FileLock};
use crate::options;
use crate::record::{self, ContainerDir, Record, State, Status};
use crate::shim::{self, Attach, StatusLine, StatusReader};
use crate::Engine;
use nix::sys::signal::Signal;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

/// A started container whose caller is attached: the shim's child handle and its
/// status pipe, which says `exited CODE` when the container ends.
pub struct Started {
    pub pid: i32,
    pub shim: Option<std::process::Child>,
    status: Option<StatusReader>,
}

impl Started {
    /// Blocks until the shim reports the container's exit; None if the shim died first.
    pub fn wait_exit(&mut self) -> Option<i32> {
        loop {
            match self.status.as_mut()?.read()? {
                StatusLine::Exited(code) => return Some(code),
                _ => continue,
            }
        }
    }
}

/// The init of a running container, held by a pidfd so a signal can never reach a
/// process that reused its PID.
struct Init {
    pidfd: OwnedFd,
}

impl Init {
    /// The init of `st` if it is still this container's (in its cgroup once the pidfd
    /// is held: a reused PID would be another cgroup's).
    fn open(cd: &ContainerDir, st: &State) -> Result<Option<Init>> {
        if st.pid <= 0 {
            return Ok(None);
        }
        let Ok(pidfd) = crate::sys::pidfd_open(st.pid) else {
            return Ok(None);
        };
        let ours = cd.cgroup()?.pids()?.contains(&st.pid);
        Ok(ours.then_some(Init { pidfd }))
    }

    fn signal(&self, sig: Signal) -> Result<()> {
        // SAFETY: pidfd_send_signal on an fd we own, no siginfo.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                sig as i32,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        match r {
            0 => Ok(()),
            // Gone already: what the signal was for has happened.
            _ if nix::errno::Errno::last() == nix::errno::Errno::ESRCH => Ok(()),
            _ => Err(EngineError::system(format!(
                "sending {sig} to the container: {}",
                std::io::Error::last_os_error()
            ))),
        }
    }

    /// Waits until the init has exited; false if `timeout` passed first.
    fn wait(&self, timeout: Option<Duration>) -> bool {
        crate::sys::wait_readable(self.pidfd.as_fd(), timeout)
    }
}

/// After the init of the run started at `run` is gone: waits for its shim to record the
/// exit and end; if there was no shim (it died), records the exit itself, under the
/// container's lock.
fn settle(cd: &ContainerDir, run: &str, killed_by: Option<Signal>) -> Result<()> {
    wait_shim_gone(cd, Some(run));
    let _lock = match cd.lock() {
        Ok(l) => l,
        // Removed meanwhile (an --rm container): nothing to record.
        Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    record_dead_shim(cd, killed_by)
}

/// How long a shim may take to end once its container's init is gone (it reports the
/// exit, unmounts, and for --rm deletes the container) before it is taken for stuck,
/// e.g. writing to an attached caller that stopped reading, and killed.
const SHIM_GRACE: Duration = Duration::from_secs(10);

/// Waits until the shim of the run that started at `run` (any run if None) is gone.
/// A run started by someone else meanwhile (a new shim on the same lock) is not waited
/// for. A shim still there after `SHIM_GRACE` is killed, once its PID (from the state)
/// is checked to be this container's shim.
fn wait_shim_gone(cd: &ContainerDir, run: Option<&str>) {
    let released = lock::on_release(&cd.shim_lock_path());
    let since = std::time::Instant::now();
    while released.recv_timeout(Duration::from_millis(250)).is_err() {
        let Ok(st) = cd.saved_state() else { return };
        if run.is_some_and(|r| st.started_at != r) {
            return;
        }
        if since.elapsed() >= SHIM_GRACE {
            let cmdline =
                std::fs::read(format!("/proc/{}/cmdline", st.shim_pid)).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            if st.shim_pid > 0
                && cmdline.contains(shim::SHIM_COMMAND)
                && cmdline.split('\0').any(|a| a == cd.id)
            {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(st.shim_pid),
                    Signal::SIGKILL,
                );
            }
            let _ = released.recv_timeout(SHIM_GRACE);
            return;
        }
    }
}

/// A running state with no shim behind it is saved as exited (code 128+N if we know
/// the signal that ended it, else 255). Call with the container's lock held.
fn record_dead_shim(cd: &ContainerDir, killed_by: Option<Signal>) -> Result<()> {
    if !cd.dir.exists() {
        return Ok(());
    }
    let saved = cd.saved_state()?;
    let now = cd.observe()?;
    if saved.status == Status::Running && now.status == Status::Exited {
        let cg = cd.cgroup().ok();
        let oom = cg
            .as_ref()
            .and_then(|c| c.oom_kill_count().ok())
            .unwrap_or(0)
            > 0;
        if let Some(cg) = &cg {
            let _ = cg.destroy();
        }
        cd.save_state(&State {
            exit_code: killed_by.map_or(255, |s| 128 + s as i32),
            oom_killed: oom,
            finished_at: record::now_rfc3339(),
            ..now
        })?;
    }
    Ok(())
}

impl Engine {
    /// Starts a stopped container; a running one is left as it is (docker's start).
    /// Returns once its shim reports the init started (or the start failed).
    pub fn start(&self, key: &str, attach: Attach) -> Result<Started> {
        let (cd, _) = self.find(key)?;
        let lock = cd.lock()?;
        let rec = cd.record()?;
        self.start_locked(&cd, &rec, lock, attach)
    }

    /// Starts a container just created (run = create + start, under one lock).
    pub fn start_created(&self, c: Created, attach: Attach) -> Result<Started> {
        let Created { dir, record, lock } = c;
        match self.start_locked(&dir, &record, lock, attach) {
            Ok(s) => Ok(s),
            Err(e) => {
                // `run` made it for this start alone: an --rm container goes with a
                // failed start (its shim removes it when the start fails in there).
                if record.auto_remove {
                    let _ = self.remove(&record.id, true);
                }
                Err(e)
            }
        }
    }

    fn start_locked(
        &self,
        cd: &ContainerDir,
        rec: &Record,
        lock: FileLock,
        attach: Attach,
    ) -> Result<Started> {
        let st = cd.observe()?;
        if st.status == Status::Running {
            return Ok(Started {
                pid: st.pid,
                shim: None,
                status: None,
            });
        }
        // The last shim may still be winding down (reporting, unmounting): a second
        // one must not mount the same upper directory before it is gone.
        wait_shim_gone(cd, None);
        record_dead_shim(cd, None)?;
        if cd.shim_lock_path().exists() {
            // Started before: whatever its last shim left (an init it never reported
            // because it died first, a cgroup) goes before a new init may start.
            cd.cgroup()?.destroy()?;
        }
        let (child, mut status) = shim::spawn(&self.root, &rec.id, &attach, Some(&lock))?;
        let started = match status.read() {
            Some(StatusLine::Started(pid)) => pid,
            Some(StatusLine::Error(code, msg)) => {
                let kind = match code {
                    127 => crate::ErrorKind::CommandNotFound,
                    126 => crate::ErrorKind::CommandNotExecutable,
                    _ => crate::ErrorKind::System,
                };
                return Err(EngineError::new(kind, msg));
            }
            _ => {
                // The shim died before it said anything: nothing of this start may
                // stay running.
                let _ = cd.cgroup().map(|cg| cg.destroy());
                lock::wait_released(&cd.shim_lock_path(), None);
                record_dead_shim(cd, None)?;
                return Err(EngineError::system(
                    "the container's shim exited without starting it",
                ));
            }
        };
        drop(lock);
        Ok(Started {
            pid: started,
            shim: Some(child),
            status: Some(status),
        })
    }

    /// The init of a running container and the start time of its run, checked under
    /// the lock; None if not running.
    #[allow(clippy::type_complexity)]
    fn running_init(&self, key: &str) -> Result<Option<(ContainerDir, Record, Init, String)>> {
        let (cd, _) = self.find(key)?;
        let _lock = cd.lock()?;
        let rec = cd.record()?;
        let st = cd.observe()?;
        if st.status != Status::Running {
            return Ok(None);
        }
        Ok(Init::open(&cd, &st)?.map(|init| (cd, rec, init, st.started_at)))
    }

    /// The stop signal, then SIGKILL to the whole container after `timeout`. False if it
    /// was not running (nothing to do: docker's stop still succeeds, its API says 304).
    pub fn stop(&self, key: &str, timeout: Duration) -> Result<bool> {
        let Some((cd, rec, init, run)) = self.running_init(key)? else {
            return Ok(false);
        };
        // No (or an unknown) stop signal in the image: SIGTERM.
        let sig = options::parse_signal(&rec.stop_signal).unwrap_or(Signal::SIGTERM);
        init.signal(sig)?;
        let mut last = sig;
        if !init.wait(Some(timeout)) {
            last = Signal::SIGKILL;
            kill_everything(&cd, &init)?;
            init.wait(None);
        }
        settle(&cd, &run, Some(last))?;
        Ok(true)
    }

    /// Sends `sig` to the container's init.
    pub fn kill(&self, key: &str, sig: Signal) -> Result<()> {
        let Some((_, _, init, _)) = self.running_init(key)? else {
            let (_, rec) = self.find(key)?;
            return Err(EngineError::conflict(format!(
                "cannot kill container: {key}: container {} is not running",
                rec.id
            )));
        };
        init.signal(sig)
    }

    /// Removes a container; a running one only with `force` (killed first).
    pub fn remove(&self, key: &str, force: bool) -> Result<()> {
        let (cd, _) = self.find(key)?;
        let lock = cd.lock()?;
        let rec = cd.record()?;
        let st = cd.observe()?;
        if st.status == Status::Running {
            if !force {
                return Err(EngineError::conflict(format!(
                    "cannot remove container \"/{}\": container is running: stop the container before removing or force remove",
                    rec.name
                )));
            }
            match Init::open(&cd, &st)? {
                Some(init) => {
                    kill_everything(&cd, &init)?;
                    init.wait(None);
                }
                None => cd.cgroup()?.kill_all()?,
            }
        }
        // The shim records the exit (and removes an --rm container itself).
        wait_shim_gone(&cd, None);
        if !cd.dir.exists() {
            // An --rm container its shim removed: its cgroup too, should the shim's
            // removal of it have failed (dying tasks still held it).
            if let Ok(cg) = cd.cgroup() {
                let _ = cg.destroy();
            }
            return Ok(());
        }
        remove_dir(&cd)?;
        drop(lock);
        Ok(())
    }

    /// Blocks until the container is not running; its exit code.
    pub fn wait(&self, key: &str) -> Result<i32> {
        let (cd, _) = self.find(key)?;
        wait_not_running(&cd)
    }

    /// Blocks until `condition` holds (the Engine API's wait conditions); the exit code
    /// of the run that ended.
    pub fn wait_for(&self, key: &str, condition: WaitCondition) -> Result<i32> {
        let (cd, _) = self.find(key)?;
        match condition {
            WaitCondition::NotRunning => wait_not_running(&cd),
            WaitCondition::NextExit => {
                // A run that starts after this call: its start time differs from the
                // one seen now (so a run that starts and ends between two looks counts).
                let before = cd.observe()?;
                if before.status != Status::Running {
                    watch_dir_until(&cd.dir, || {
                        !cd.dir.exists()
                            || cd.observe().is_ok_and(|st| {
                                st.status == Status::Running || st.started_at != before.started_at
                            })
                    })?;
                }
                wait_not_running(&cd)
            }
            WaitCondition::Removed => {
                let code = wait_not_running(&cd)?;
                watch_dir_until(&cd.dir, || !cd.dir.exists())?;
                Ok(code)
            }
        }
    }
}

/// What [`Engine::wait_for`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitCondition {
    /// Until it is not running (at once for a created or exited container).
    #[default]
    NotRunning,
    /// Until the end of its next run (or of the current one).
    NextExit,
    /// Until it is removed.
    Removed,
}

impl WaitCondition {
    pub fn parse(s: &str) -> Result<WaitCondition> {
        match s {
            "" | "not-running" => Ok(WaitCondition::NotRunning),
            "next-exit" => Ok(WaitCondition::NextExit),
            "removed" => Ok(WaitCondition::Removed),
            _ => Err(EngineError::invalid(format!(
                "invalid wait condition {s:?} (not-running, next-exit or removed)"
            ))),
        }
    }
}

fn wait_not_running(cd: &ContainerDir) -> Result<i32> {
    loop {
        let note = lock::wait_released_note(&cd.shim_lock_path());
        if !cd.dir.exists() {
            // Removed (--rm) meanwhile: its shim noted the exit in its lock file.
            let code = note.as_deref().and_then(|n| {
                n.trim()
                    .strip_prefix("exited ")
                    .and_then(|c| c.parse().ok())
            });
            return Ok(code.unwrap_or(0));
        }
        let st = cd.observe()?;
        if st.status != Status::Running {
            return Ok(st.exit_code);
        }
        if !cd.shim_alive() {
            // Its shim died and the init runs on: wait for the init itself.
            if let Some(init) = Init::open(cd, &st)? {
                init.wait(None);
            }
            settle(cd, &st.started_at, None)?;
        }
    }
}

/// Blocks until `done()`, checked again on every change in the container's directory
/// (the shim's state writes, its removal), with a slow tick for what makes no event.
fn watch_dir_until(dir: &std::path::Path, done: impl Fn() -> bool) -> Result<()> {
    crate::watch::DirWatch::new(dir)?.until(done);
    Ok(())
}

/// SIGKILL to every process of the container (its cgroup) and to its init.
fn kill_everything(cd: &ContainerDir, init: &Init) -> Result<()> {
    let _ = cd.cgroup().map(|cg| cg.kill_all());
    init.signal(Signal::SIGKILL)
}

/// Makes a container invisible at once (one rename to `.removing-<id>`), drops its
/// image lease, and returns the directory left to delete. A crash after the rename
/// leaves a `.removing-*` directory that the sweep removes.
pub(crate) fn detach(cd: &ContainerDir) -> Result<ContainerDir> {
    let root = &cd.store_root();
    let trash = ContainerDir {
        dir: record::containers_dir(root).join(format!(".removing-{}", cd.id)),
        id: cd.id.clone(),
    };
    std::fs::rename(&cd.dir, &trash.dir).map_err(|e| EngineError::io("removing", &cd.dir, e))?;
    let _ = berth_store::Store::at(root).release(&record::image_lease_holder(&cd.id));
    Ok(trash)
}

/// Removes a stopped container: invisible first, then its cgroup and files.
pub(crate) fn remove_dir(cd: &ContainerDir) -> Result<()> {
    let trash = detach(cd)?;
    if let Ok(cg) = cd.cgroup() {
        let _ = cg.destroy();
    }
    remove_all(&trash.dir).map_err(|e| EngineError::io("removing", &trash.dir, e))
}

/// remove_dir_all that tolerates someone else (the sweep, an --rm shim) deleting the
/// same tree at the same time: done when the tree is gone, whoever removed it.
pub(crate) fn remove_all(path: &std::path::Path) -> std::io::Result<()> {
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(path) {
            Ok(()) => return Ok(()),
            Err(_) if !path.exists() => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && tries < 10 => tries += 1,
            Err(e) => return Err(e),
        }
    }
}
