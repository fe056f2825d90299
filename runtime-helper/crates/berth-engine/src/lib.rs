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
mod sys;
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

    /// The container's log from this moment: what it has written so far, and (with
    /// [`ContainerLogs::write`]'s `follow`) what it writes next.
    pub fn logs(&self, key: &str) -> Result<ContainerLogs> {
        let (dir, record) = self.find(key)?;
        let reader = logfile::LogReader::open(&dir.log_path())?;
        Ok(ContainerLogs {
            record,
            dir,
            reader,
        })
    }
}

/// A container's log opened at one moment (see [`Engine::logs`]), for `logs` in the CLI
/// and the API alike.
pub struct ContainerLogs {
    /// The container (its `tty` decides how the API frames the output).
    pub record: Record,
    dir: ContainerDir,
    reader: logfile::LogReader,
}

impl ContainerLogs {
    /// Passes on the last `tail` entries (all if None), then, with `follow`, what the
    /// container writes until it is no longer running. Following is woken by inotify
    /// on the container's directory (the shim's log writes and state changes), with a
    /// slow tick for what makes no file event (a shim that died). Ends early when `out`
    /// returns false (the reader went away).
    pub fn write(
        mut self,
        tail: Option<usize>,
        follow: bool,
        out: &mut dyn FnMut(logfile::Entry) -> bool,
    ) -> Result<()> {
        // Whether the reader still takes entries.
        let open = std::cell::Cell::new(true);
        let mut pass = |e| {
            if open.get() && !out(e) {
                open.set(false);
            }
        };
        self.reader.history(tail, &mut pass)?;
        if !follow {
            return Ok(());
        }
        let watch = watch::DirWatch::new(&self.dir.dir)?;
        loop {
            // The state before the log, so nothing written just before the exit is missed.
            let running = matches!(self.dir.observe(), Ok(st) if st.status == Status::Running);
            let mut any = false;
            self.reader.follow(&mut |e| {
                any = true;
                pass(e)
            })?;
            if !open.get() || (!running && !any) {
                return Ok(());
            }
            if !any {
                watch.wait();
            }
        }
    }
}
