//! Container records: creation, lookup by ID, ID prefix or name, state, removal.
use anyhow::{anyhow, bail, Context, Result};
use berth_cgroups::{Cgroup, Layout};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

pub const CGROUP_PARENT: &str = "berth";
pub const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// What `berth run`/`create` asked for. Written once at creation.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Record {
    pub id: String,
    pub name: String,
    pub created: String,
    pub image: String,
    pub image_id: String,
    /// The full command: entrypoint + cmd.
    pub path: String,
    pub args: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    pub hostname: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub auto_remove: bool,
    pub binds: Vec<String>,
    pub network: String,
    pub read_only: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub security_opt: Vec<String>,
    pub memory: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub stop_signal: String,
    /// The overlay's read-only layers, bottom first: the image's, then the init layer.
    #[serde(default)]
    pub layers: Vec<PathBuf>,
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

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
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

/// One container's directory.
#[derive(Debug, Clone)]
pub struct ContainerDir {
    pub dir: PathBuf,
}

impl ContainerDir {
    pub fn new(root: &Path, id: &str) -> ContainerDir {
        ContainerDir {
            dir: containers_dir(root).join(id),
        }
    }
    pub fn record_path(&self) -> PathBuf {
        self.dir.join("container.json")
    }
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }
    pub fn log_path(&self) -> PathBuf {
        let id = self.dir.file_name().unwrap_or_default().to_string_lossy();
        self.dir.join(format!("{id}-json.log"))
    }
    pub fn shim_log_path(&self) -> PathBuf {
        self.dir.join("shim.log")
    }
    pub fn record(&self) -> Result<Record> {
        read_json(&self.record_path())
    }
    /// The container's overlay: the record's layers under its own upper/work.
    pub fn rootfs(&self, rec: &Record) -> Result<berth_runtime::Rootfs> {
        let mut lower = rec.layers.clone();
        if lower.is_empty() {
            // Containers made before the record held its layers kept them here.
            let old: berth_runtime::Rootfs = read_json(&self.dir.join("rootfs.json"))?;
            lower = old.lower;
        }
        Ok(berth_runtime::Rootfs {
            lower,
            upper: self.dir.join("upper"),
            work: self.dir.join("work"),
            // Only the container's own mount namespace ever mounts there, so one
            // directory serves every container of the store.
            target: mount_point(self),
            // An --rm container's writable layer goes with it (as in Podman).
            volatile: rec.auto_remove,
        })
    }
    /// The state as last written, with "running" corrected if its shim is gone. No state
    /// file yet means created: the shim's first write then adds a file instead of
    /// replacing one, which ext4 would flush to disk on the start path.
    pub fn state(&self) -> Result<State> {
        let p = self.state_path();
        let data = match fs::read(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            r => r.with_context(|| format!("reading {}", p.display()))?,
        };
        let mut st: State =
            serde_json::from_slice(&data).with_context(|| format!("parsing {}", p.display()))?;
        if st.status == Status::Running && !alive(st.shim_pid) {
            st.status = Status::Exited;
            st.exit_code = 255;
            st.error = "the container's shim died".into();
            st.pid = 0;
            self.save_state(&st)?;
        }
        Ok(st)
    }
    pub fn save_state(&self, st: &State) -> Result<()> {
        write_json(&self.state_path(), st)
    }
    pub fn cgroup(&self, id: &str) -> Result<Cgroup> {
        let layout = Layout::detect(Path::new(CGROUP_ROOT))?;
        Ok(Cgroup::open(layout, Path::new(CGROUP_PARENT).join(id)))
    }
}

pub fn alive(pid: i32) -> bool {
    // kill(pid, 0) on a zombie still succeeds; a reaped pid gives ESRCH.
    pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

/// Where a container's overlay is mounted: `<root>/mnt`, made by `run` (see
/// [`ContainerDir::rootfs`]).
fn mount_point(cd: &ContainerDir) -> PathBuf {
    // cd.dir is <root>/containers/<id>.
    cd.dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("/"))
        .join("mnt")
}

pub fn containers_dir(root: &Path) -> PathBuf {
    root.join("containers")
}

pub fn read_json<T: serde::de::DeserializeOwned>(p: &Path) -> Result<T> {
    let data = fs::read(p).with_context(|| format!("reading {}", p.display()))?;
    serde_json::from_slice(&data).with_context(|| format!("parsing {}", p.display()))
}

/// Write to a temp file in the same directory, rename: readers see old or new. No fsync:
/// these records describe processes, which a crash ends anyway, and an fsync per state
/// change would dominate the cost of a short container.
pub fn write_json<T: Serialize>(p: &Path, v: &T) -> Result<()> {
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    let mut f = fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(&serde_json::to_vec_pretty(v)?)?;
    fs::rename(&tmp, p).with_context(|| format!("renaming {}", p.display()))?;
    Ok(())
}

/// Every container, in creation order.
pub fn list(root: &Path) -> Result<Vec<(ContainerDir, Record)>> {
    let dir = containers_dir(root);
    let mut out = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).context(format!("reading {}", dir.display())),
    };
    for e in entries.flatten() {
        // Dot-names are containers being deleted (see `detach`).
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let cd = ContainerDir { dir: e.path() };
        // A directory without a record is one being created or removed right now.
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
        0 => bail!("No such container: {key}"),
        1 => Ok(hits[0].clone()),
        _ => Err(anyhow!(
            "multiple containers match {key:?}: use more of the ID"
        )),
    }
}

/// Serialises name allocation between concurrent `berth run`s.
pub struct CreateLock(#[allow(dead_code)] fs::File);

pub fn create_lock(root: &Path) -> Result<CreateLock> {
    let dir = containers_dir(root);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let f = fs::File::create(root.join("containers.lock"))?;
    // SAFETY: flock on an fd we own.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error()).context("locking containers");
    }
    Ok(CreateLock(f))
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
/// exists (taken by `run`, dropped when the container is removed).
pub fn image_lease_holder(id: &str) -> String {
    format!("container-{id}")
}

/// Drops the container's image lease; the image's content is then freed by the next GC.
fn release_image(cd: &ContainerDir, id: &str) {
    // cd.dir is <store root>/containers/<id>.
    if let Some(root) = cd.dir.parent().and_then(Path::parent) {
        let _ = berth_store::Store::at(root).release(&image_lease_holder(id));
    }
}

/// Makes a container invisible at once (one rename) and returns the directory left to
/// delete, so `run --rm` can report the exit before the slow part of the removal. For
/// the shim, which has already destroyed the container's cgroup.
pub fn detach(cd: &ContainerDir, id: &str) -> Result<ContainerDir> {
    release_image(cd, id);
    let parent = cd.dir.parent().unwrap_or(Path::new("/"));
    let trash = parent.join(format!(".removing-{id}"));
    fs::rename(&cd.dir, &trash).with_context(|| format!("removing {}", cd.dir.display()))?;
    Ok(ContainerDir { dir: trash })
}

/// Removes a container's directory and anything of it the kernel still holds.
pub fn remove(cd: &ContainerDir, id: &str) -> Result<()> {
    if let Ok(cg) = cd.cgroup(id) {
        let _ = cg.destroy();
    }
    release_image(cd, id);
    // The shim of an --rm container may be removing the same directory right now.
    match fs::remove_dir_all(&cd.dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", cd.dir.display()))
        }
        _ => Ok(()),
    }
}
