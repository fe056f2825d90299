//! exec: another process in a running container. The engine checks and prepares; the
//! runtime forks it into the container; the caller owns its stdio and waits for it.
use crate::error::{EngineError, Result};
use crate::options;
use crate::record::Status;
use crate::{spec, Engine};
use berth_runtime::{ExecRequest, Spawned, Stdio};

#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub args: Vec<String>,
    /// `K=V`, over the container's.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub tty: bool,
    /// The pty's size when `tty`.
    pub console: Option<(u16, u16)>,
}

impl Engine {
    /// Starts the process under the container's lock (so a racing `rm` either finds it
    /// in the container's cgroup and kills it, or finds no container to exec in). The
    /// caller is this process's parent and must be single-threaded (a fork).
    pub fn exec(&self, key: &str, o: ExecOptions, stdio: Stdio) -> Result<Spawned> {
        if o.args.is_empty() {
            return Err(EngineError::invalid("no command specified"));
        }
        if let Some(w) = &o.working_dir {
            options::check_workdir(w)?;
        }
        if let Some(u) = &o.user {
            options::check_user(u)?;
        }
        let (cd, _) = self.find(key)?;
        let _lock = cd.lock()?;
        let rec = cd.record()?;
        let st = cd.observe()?;
        if st.status != Status::Running {
            return Err(EngineError::conflict(format!(
                "container {} is not running",
                rec.id
            )));
        }
        let spec = spec::for_container(&rec, None)?;
        let mut env = rec.env.clone();
        if o.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
            env.push("TERM=xterm".into());
        }
        let env = options::merge_env(&env, &o.env);
        let cgroup = cd.cgroup()?;
        let req = ExecRequest {
            init_pid: st.pid,
            spec: &spec,
            args: o.args,
            env,
            cwd: o.working_dir.unwrap_or_else(|| rec.working_dir.clone()),
            user: o.user.unwrap_or_else(|| rec.user.clone()),
            tty: o.tty,
            console_size: if o.tty { o.console } else { None },
            stdio,
            cgroup: Some(&cgroup),
        };
        Ok(berth_runtime::exec_in(req)?)
    }
}
