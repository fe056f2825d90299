//! Berth's containers: the one home of the container domain, called by the `berth` CLI
//! and (next) by the daemon behind the Engine API.
//!
//! Invariants:
//! - Every verb that changes a container takes the container's lock, re-reads its
//!   record and state, checks its guard, acts and saves ([`lifecycle`]). Reading a
//!   container ([`Engine::list`], [`Engine::find`], [`record::ContainerDir::observe`])
//!   never writes.
//! - A container appears whole or not at all ([`create`]); whatever a crash leaves
//!   half-made or half-removed is swept when the engine is next opened ([`sweep`]).
//! - A container's shim holds `shim.lock` for its whole life: the engine knows a dead
//!   shim without trusting PIDs, and reaches an orphaned init through its cgroup.
//! - Errors carry a kind ([`ErrorKind`]): one map to exit codes, one to HTTP statuses.
//! - Records hold typed config ([`record::Record`]), never the CLI's strings.
//! - No environment is read here; the fronts read theirs and pass values in.
pub mod create;
pub mod error;
pub mod exec;
pub mod init_layer;
pub mod inspect;
pub mod lifecycle;
pub mod lock;
pub mod logfile;
pub mod options;
pub mod record;
pub mod sealed;
pub mod shim;
pub mod spec;
pub mod sweep;
pub mod tty;
mod watch;

pub use create::{CreateOptions, Created};
pub use error::{EngineError, ErrorKind, Result};
pub use exec::ExecOptions;
pub use lifecycle::{Started, WaitCondition};
pub use record::{ContainerDir, LogConfig, Record, State, Status};
pub use shim::Attach;

use std::path::{Path, PathBuf};

/// The engine over one store root.
pub struct Engine {
    root: PathBuf,
}

impl Engine {
    /// The engine at `root`, after sweeping what crashed verbs left there.
    pub fn open(root: &Path) -> Engine {
        sweep::sweep(root);
        Engine {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Finds a container by full ID, unique ID prefix or name (docker's rules).
    pub fn find(&self, key: &str) -> Result<(ContainerDir, Record)> {
        record::find(&self.root, key)
    }

    /// Every container with its state as it is, newest first (as `ps` lists them).
    pub fn list(&self) -> Result<Vec<(ContainerDir, Record, State)>> {
        Ok(record::list(&self.root)?
            .into_iter()
            .rev()
            .map(|(cd, rec)| {
                let st = cd.observe().unwrap_or_default();
                (cd, rec, st)
            })
            .collect())
    }

    pub fn inspect(&self, key: &str) -> Result<inspect::ContainerInspect> {
        let (cd, rec) = self.find(key)?;
        let st = cd.observe()?;
        Ok(inspect::inspect(&cd, &rec, &st))
    }

    /// A reader of the container's log at this moment, and its directory (to follow
    /// it with [`Engine::follow_logs`]).
    pub fn logs(&self, key: &str) -> Result<(ContainerDir, logfile::LogReader)> {
        let (cd, _) = self.find(key)?;
        let reader = logfile::LogReader::open(&cd.log_path())?;
        Ok((cd, reader))
    }

    /// Passes on what the container writes to its log until it is no longer running
    /// (`logs -f`). Woken by inotify on the container's directory (the shim's log writes
    /// and state changes), with a slow tick for what makes no file event (a shim that
    /// died). Ends early when `out` returns false (the reader went away).
    pub fn follow_logs(
        &self,
        cd: &ContainerDir,
        reader: &mut logfile::LogReader,
        out: &mut dyn FnMut(logfile::Entry) -> bool,
    ) -> Result<()> {
        let watch = watch::DirWatch::new(&cd.dir)?;
        let mut open = true;
        loop {
            // The state before the log, so nothing written just before the exit is missed.
            let running = matches!(cd.observe(), Ok(st) if st.status == Status::Running);
            let mut any = false;
            reader.follow(&mut |e| {
                any = true;
                if open && !out(e) {
                    open = false;
                }
            })?;
            if !open || (!running && !any) {
                return Ok(());
            }
            if !any {
                watch.wait();
            }
        }
    }
}
