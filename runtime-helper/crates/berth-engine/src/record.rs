//! Container records on disk: what was asked for (typed), the state the shim writes, and
//! where a container's files are. Reading never writes: a dead shim is noticed by
//! [`ContainerDir::observe`] and recorded only by a verb that holds the container's lock.
//!
//! `<root>/containers/<id>/`: `container.json` ([`Record`], written once), `state.json`
//! ([`State`], written by the shim, and by verbs that find the shim gone), `lock` and
//! `shim.lock` (see [`crate::lock`]), `<id>-json.log[.N]`, `upper/` and `work/`.
//! Dot-names in `containers/` are never containers: `.new-<id>` is being created,
//! `.removing-<id>` is being removed; both are swept once nobody holds their locks.
use crate::error::{Context, EngineError, Result};
use crate::lock;
use crate::options::{Bind, Capabilities, NetworkMode, Security};
use berth_cgroups::{Cgroup, Layout};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const CGROUP_PARENT: &str = "berth";
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// Docker's json-file log options (`--log-opt max-size=…,max-file=…`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogConfig {
    /// Bytes before the log is rotated; 0: never.
    pub max_size: u64,
    /// How many files are kept, the live one included (>= 1).
    pub max_file: u32,
}

impl Default for LogConfig {
    /// Docker's `local` driver's defaults: 20 MB, 5 files. (Docker's json-file keeps
    /// everything by default, which is how a chatty container fills a disk.)
    fn default() -> LogConfig {
        LogConfig {
            max_size: 20 * 1000 * 1000,
            max_file: 5,
        }
    }
}

/// What the container was created with. Written once, complete, at creation.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Record {
    pub id: String,
    pub name: String,
    pub created: String,
    /// The image as the user named it, and its ID.
    pub image: String,
    pub image_id: String,
    /// The full command: entrypoint + cmd.
    pub path: String,
    pub args: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    /// Absolute.
    pub working_dir: String,
    pub user: String,
    pub hostname: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub auto_remove: bool,
    #[serde(deserialize_with = "binds_typed_or_legacy")]
    pub binds: Vec<Bind>,
    pub network: NetworkMode,
    pub read_only: bool,
    #[serde(default)]
    pub capabilities: Capabilities,
    #[serde(default)]
    pub security: Security,
    pub memory: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub stop_signal: String,
    #[serde(default)]
    pub log: LogConfig,
    /// The image's labels with the container's over them.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// The overlay's read-only layers, bottom first: the image's, then the init layer.
    pub layers: Vec<PathBuf>,
    /// What records written before the typed fields kept as the CLI's strings; read
    /// once (see [`Record::upgrade`]), never written.
    #[serde(default, skip_serializing)]
    pub(crate) cap_add: Vec<String>,
    #[serde(default, skip_serializing)]
    pub(crate) cap_drop: Vec<String>,
    #[serde(default, skip_serializing)]
    pub(crate) security_opt: Vec<String>,
}

impl Record {
    /// A record of an older berth: its string options become the typed ones.
    fn upgrade(mut self) -> Record {
        if !self.cap_add.is_empty() || !self.cap_drop.is_empty() {
            if let Ok(c) = Capabilities::parse(&self.cap_add, &self.cap_drop) {
                self.capabilities = c;
            }
        }
        if !self.security_opt.is_empty() {
            if let Ok(s) = Security::parse(&self.security_opt) {
                self.security = s;
            }
        }
        self
    }
}

/// Binds as this version writes them, or as `-v` strings (older records).
fn binds_typed_or_legacy<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<Bind>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Typed(Bind),
        Legacy(String),
    }
    Vec::<Either>::deserialize(d)?
        .into_iter()
        .map(|b| match b {
            Either::Typed(b) => Ok(b),
            Either::Legacy(s) => {
                let mut parts = s.splitn(3, ':');
                let source = parts.next().unwrap_or_default().to_string();
                let destination = parts.next().unwrap_or_default().to_string();
                let readonly = parts.next() == Some("ro");
                Ok(Bind {
                    source,
                    destination,
                    readonly,
                })
            }
        })
        .collect()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Created,
    Running,
    Exited,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Exited => "exited",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    pub pid: i32,
    pub shim_pid: i32,
    pub exit_code: i32,
    pub oom_killed: bool,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
}

/// What the error of a container whose shim died says.
pub const SHIM_DIED: &str = "the container's shim died";

/// One container's directory.
#[derive(Debug, Clone)]
pub struct ContainerDir {
    pub dir: PathBuf,
    pub id: String,
}

impl ContainerDir {
    pub fn new(root: &Path, id: &str) -> ContainerDir {
        ContainerDir {
            dir: containers_dir(root).join(id),
            id: id.to_string(),
        }
    }
    /// The store root this container belongs to (its directory is
    /// `<root>/containers/<id>`).
    pub fn store_root(&self) -> PathBuf {
        self.dir
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("/"))
            .to_path_buf()
    }
    pub fn record_path(&self) -> PathBuf {
        self.dir.join("container.json")
    }
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("lock")
    }
    pub fn shim_lock_path(&self) -> PathBuf {
        self.dir.join("shim.lock")
    }
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}-json.log", self.id))
    }
    pub fn shim_log_path(&self) -> PathBuf {
        self.dir.join("shim.log")
    }
    pub fn record(&self) -> Result<Record> {
        match fs::read(self.record_path()) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(EngineError::not_found(
                format!("No such container: {}", self.id),
            )),
            r => {
                let data = r.map_err(|e| EngineError::io("reading", &self.record_path(), e))?;
                serde_json::from_slice::<Record>(&data)
                    .map(Record::upgrade)
                    .with_context(|| format!("parsing {}", self.record_path().display()))
            }
        }
    }

    /// The container's lock (see [`crate::lock`]). NotFound once the container is gone:
    /// the lock file is never made outside an existing container directory.
    pub fn lock(&self) -> Result<lock::FileLock> {
        lock::FileLock::exclusive(&self.lock_path()).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                EngineError::not_found(format!("No such container: {}", self.id))
            }
            _ => EngineError::io("locking", &self.lock_path(), e),
        })
    }

    /// The container's overlay: the record's layers under its own upper/work.
    pub fn rootfs(&self, rec: &Record) -> berth_runtime::Rootfs {
        let mut lower = rec.layers.clone();
        if lower.is_empty() {
            // Containers made before the record held its layers kept them here.
            if let Ok(old) = fs::read(self.dir.join("rootfs.json")) {
                if let Ok(r) = serde_json::from_slice::<berth_runtime::Rootfs>(&old) {
                    lower = r.lower;
                }
            }
        }
        berth_runtime::Rootfs {
            lower,
            upper: self.dir.join("upper"),
            work: self.dir.join("work"),
            // Only the container's own mount namespace ever mounts there, so one
            // directory serves every container of the store.
            target: self.store_root().join("mnt"),
            // An --rm container's writable layer goes with it (as in Podman).
            volatile: rec.auto_remove,
        }
    }

    /// The state as last written. No state file yet means created: the shim's first
    /// write then adds a file instead of replacing one, which ext4 would flush to disk
    /// on the start path.
    pub fn saved_state(&self) -> Result<State> {
        let p = self.state_path();
        let data = match fs::read(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            r => r.map_err(|e| EngineError::io("reading", &p, e))?,
        };
        serde_json::from_slice(&data).with_context(|| format!("parsing {}", p.display()))
    }

    /// The state as it is: the saved one, corrected when the shim is gone. A container
    /// whose shim died with its init still running is running (stop, kill and rm reach
    /// it through its cgroup); one whose shim and init are both gone has exited, with
    /// an unknown code (255) and time. Writes nothing.
    pub fn observe(&self) -> Result<State> {
        let st = self.saved_state()?;
        if st.status != Status::Running || self.shim_alive() {
            return Ok(st);
        }
        if self.orphan_alive(&st) {
            return Ok(State {
                error: SHIM_DIED.into(),
                ..st
            });
        }
        Ok(State {
            status: Status::Exited,
            exit_code: 255,
            error: SHIM_DIED.into(),
            pid: 0,
            finished_at: String::new(),
            ..st
        })
    }

    pub fn shim_alive(&self) -> bool {
        lock::held(&self.shim_lock_path())
    }

    /// Whether the init of a running state still runs in this container's cgroup (its
    /// PID may have been reused by then: membership of the cgroup says it is ours).
    pub fn orphan_alive(&self, st: &State) -> bool {
        st.pid > 0
            && self
                .cgroup()
                .and_then(|cg| Ok(cg.pids()?))
                .is_ok_and(|pids| pids.contains(&st.pid))
    }

    pub fn save_state(&self, st: &State) -> Result<()> {
        write_json(&self.state_path(), st)
    }

    pub fn cgroup(&self) -> Result<Cgroup> {
        let layout = Layout::detect(Path::new(CGROUP_ROOT))?;
        Ok(Cgroup::open(
            layout,
            Path::new(CGROUP_PARENT).join(&self.id),
        ))
    }
}

pub fn containers_dir(root: &Path) -> PathBuf {
    root.join("containers")
}

/// Write to a temp file in the same directory, rename: readers see old or new. No fsync:
/// these records describe processes, which a crash ends anyway, and an fsync per state
/// change would dominate the cost of a short container.
pub fn write_json<T: Serialize>(p: &Path, v: &T) -> Result<()> {
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(|e| EngineError::io("writing", &tmp, e))?;
    f.write_all(&serde_json::to_vec_pretty(v)?)
        .map_err(|e| EngineError::io("writing", &tmp, e))?;
    fs::rename(&tmp, p).map_err(|e| EngineError::io("renaming", p, e))?;
    Ok(())
}

/// Every container, in creation order.
pub fn list(root: &Path) -> Result<Vec<(ContainerDir, Record)>> {
    let dir = containers_dir(root);
    let mut out = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(EngineError::io("reading", &dir, e)),
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let cd = ContainerDir::new(root, &name);
        // Removed since the directory was read.
        if let Ok(r) = cd.record() {
            out.push((cd, r));
        }
    }
    out.sort_by(|a, b| a.1.created.cmp(&b.1.created));
    Ok(out)
}

/// Finds a container by full ID, unique ID prefix or name (docker's rules).
pub fn find(root: &Path, key: &str) -> Result<(ContainerDir, Record)> {
    let all = list(root)?;
    let key = key.strip_prefix('/').unwrap_or(key);
    if let Some(hit) = all.iter().find(|(_, r)| r.id == key || r.name == key) {
        return Ok(hit.clone());
    }
    let hits: Vec<_> = all
        .iter()
        .filter(|(_, r)| !key.is_empty() && r.id.starts_with(key))
        .collect();
    match hits.len() {
        0 => Err(EngineError::not_found(format!("No such container: {key}"))),
        1 => Ok(hits[0].clone()),
        _ => Err(EngineError::invalid(format!(
            "multiple containers match {key:?}: use more of the ID"
        ))),
    }
}

pub fn new_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const ADJECTIVES: &[&str] = &[
    "brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry",
    "nifty", "proud", "quiet", "sharp", "tender", "vivid", "wise", "zen",
];
const NAMES: &[&str] = &[
    "curie", "darwin", "euler", "fermi", "gauss", "hopper", "kepler", "lovelace", "newton",
    "noether", "pascal", "ritchie", "shannon", "turing", "volta", "wing",
];

pub fn random_name() -> String {
    use rand::seq::SliceRandom;
    let mut r = rand::thread_rng();
    format!(
        "{}_{}",
        ADJECTIVES.choose(&mut r).unwrap_or(&"calm"),
        NAMES.choose(&mut r).unwrap_or(&"turing")
    )
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The store lease that keeps a container's image alive for as long as the container
/// exists (taken at creation, dropped when the container is removed).
pub fn image_lease_holder(id: &str) -> String {
    format!("container-{id}")
}

/// The container ID of a lease holder made by [`image_lease_holder`].
pub fn lease_holder_id(holder: &str) -> Option<&str> {
    holder.strip_prefix("container-")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the previous berth wrote it (binds and options as CLI strings).
    #[test]
    fn records_of_the_previous_version_are_read() {
        let old = r#"{"id":"abc","name":"n","created":"2026-12-01T00:00:00Z","image":"busybox",
            "image_id":"sha256:1","path":"sh","args":["sh"],"entrypoint":[],"cmd":["sh"],
            "env":[],"working_dir":"/","user":"","hostname":"abc","tty":false,
            "open_stdin":false,"auto_remove":false,"binds":["/tmp:/data:ro"],
            "network":"host","read_only":false,"cap_add":["net_admin"],"cap_drop":["ALL"],
            "security_opt":["no-new-privileges"],"memory":0,"nano_cpus":0,"pids_limit":0,
            "stop_signal":"","layers":["/x"]}"#;
        let t = tempfile::tempdir().unwrap();
        let cd = ContainerDir::new(t.path(), "abc");
        fs::create_dir_all(&cd.dir).unwrap();
        fs::write(cd.record_path(), old).unwrap();
        let r = cd.record().unwrap();
        assert_eq!(
            r.binds,
            vec![Bind {
                source: "/tmp".into(),
                destination: "/data".into(),
                readonly: true
            }]
        );
        assert_eq!(r.network, NetworkMode::Host);
        assert_eq!(r.capabilities.add, vec!["CAP_NET_ADMIN"]);
        assert_eq!(r.capabilities.drop, vec!["ALL"]);
        assert!(r.security.no_new_privileges);
        assert_eq!(r.log, LogConfig::default());
        // Written back in the typed form only.
        let again = serde_json::to_string(&r).unwrap();
        assert!(
            !again.contains("cap_add") && again.contains("capabilities"),
            "{again}"
        );
    }
}
