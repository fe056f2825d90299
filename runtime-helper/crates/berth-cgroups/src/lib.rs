//! cgroup v1, v2 and hybrid hierarchies: detection, limits, stats, OOM; the cgroupfs root is a parameter.
//!
//! Invariants: this crate knows nothing about containers; it only creates, limits, joins,
//! inspects and removes one cgroup (`rel`, e.g. `berth/<id>`) across whatever hierarchies
//! are mounted under the root it is given, so the same code runs on v1, pure v2 and
//! hybrid hosts, and against a fake tree in a temp dir.
mod devices_bpf;
mod error;
mod layout;
mod resources;

pub use error::{CgroupError, ErrorKind, Result};
pub use layout::{Layout, Mode};
pub use resources::{DeviceRule, Resources, DEFAULT_CPU_PERIOD};

use std::fs;
use std::io::ErrorKind as IoKind;
use std::path::{Path, PathBuf};

/// v1 controllers a container joins. cpuset is left out on purpose: a new v1 cpuset
/// cgroup starts with empty cpus/mems and would need them copied from the parent.
/// freezer is left out until pause exists: every hierarchy joined costs a cgroup
/// migration (an RCU grace period) on each start.
pub const V1_CONTROLLERS: &[&str] = &["memory", "cpu", "cpuacct", "pids", "devices"];
/// v2 controllers we enable for children when the kernel offers them.
pub const V2_CONTROLLERS: &[&str] = &["memory", "cpu", "pids"];

/// One cgroup, present in every mounted hierarchy at the same relative path.
#[derive(Debug, Clone)]
pub struct Cgroup {
    layout: Layout,
    rel: PathBuf,
}

impl Cgroup {
    /// Names an existing (or not yet created) cgroup without touching the filesystem.
    pub fn open(layout: Layout, rel: impl Into<PathBuf>) -> Cgroup {
        Cgroup {
            layout,
            rel: rel.into(),
        }
    }

    /// Creates the cgroup in each hierarchy and applies `res`. On failure nothing is left.
    pub fn create(layout: Layout, rel: impl Into<PathBuf>, res: &Resources) -> Result<Cgroup> {
        let cg = Cgroup::open(layout, rel);
        cg.make(res)?;
        Ok(cg)
    }

    /// Creates this (opened) cgroup in each hierarchy and applies `res`. On failure
    /// nothing is left.
    pub fn make(&self, res: &Resources) -> Result<()> {
        let made = self.mkdirs().and_then(|()| self.apply(res));
        if made.is_err() {
            let _ = self.destroy();
        }
        made
    }

    pub fn rel(&self) -> &Path {
        &self.rel
    }

    /// The cgroup's directories: v1 controllers first, then the unified one.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.v1_dirs().into_iter().map(|(_, d)| d).collect();
        if let Some(u) = self.unified_dir() {
            out.push(u);
        }
        out
    }

    /// The v1 hierarchy mounts this cgroup lives in, each once, with a controller of it.
    fn v1_mounts(&self) -> Vec<(&'static str, &PathBuf)> {
        let mut out: Vec<(&'static str, &PathBuf)> = Vec::new();
        for c in V1_CONTROLLERS {
            if let Some(mount) = self.layout.v1.get(*c) {
                // Co-mounted controllers (cpu,cpuacct) share one directory.
                if !out.iter().any(|(_, m)| *m == mount) {
                    out.push((*c, mount));
                }
            }
        }
        out
    }

    fn v1_dirs(&self) -> Vec<(&'static str, PathBuf)> {
        self.v1_mounts()
            .into_iter()
            .map(|(c, m)| (c, m.join(&self.rel)))
            .collect()
    }

    fn v1_dir(&self, controller: &str) -> Option<PathBuf> {
        self.layout.v1.get(controller).map(|m| m.join(&self.rel))
    }

    /// The cgroup2 mount, if this cgroup uses it: always on pure v2; on hybrid hosts only
    /// when it holds a controller v1 lacks. A hugetlb-only unified mount (this kind of
    /// host) would cost a cgroup migration per start and give nothing.
    fn v2_root(&self) -> Option<&PathBuf> {
        let l = &self.layout;
        let useful = l.mode() == Mode::V2
            || V2_CONTROLLERS
                .iter()
                .any(|c| l.v2_controllers.iter().any(|a| a == c) && !l.v1.contains_key(*c));
        l.unified.as_ref().filter(|_| useful)
    }

    fn unified_dir(&self) -> Option<PathBuf> {
        self.v2_root().map(|u| u.join(&self.rel))
    }

    fn mkdirs(&self) -> Result<()> {
        for (_, dir) in self.v1_dirs() {
            create_dir_all(&dir)?;
        }
        if let Some(unified) = self.v2_root() {
            // Controllers must be enabled in every ancestor's subtree_control for the
            // leaf to get its interface files (the "no internal processes" rule is
            // respected: we never put processes in the intermediate cgroups).
            let wanted: Vec<&str> = V2_CONTROLLERS
                .iter()
                .copied()
                .filter(|c| self.layout.v2_controllers.iter().any(|a| a == c))
                .collect();
            let mut cur = unified.clone();
            for comp in self.rel.components() {
                for c in &wanted {
                    write(&cur.join("cgroup.subtree_control"), &format!("+{c}"))?;
                }
                cur.push(comp);
                create_dir(&cur)?;
            }
        }
        Ok(())
    }

    /// Writes the limits; a limit the host cannot express is an error, not a silent no-op.
    pub fn apply(&self, res: &Resources) -> Result<()> {
        if let Some(u) = self.unified_dir() {
            let has = |c: &str| self.layout.v2_controllers.iter().any(|a| a == c);
            let v1_has = |c: &str| self.layout.v1.contains_key(c);
            if let Some(mem) = res.memory {
                if has("memory") {
                    write(&u.join("memory.max"), &mem.to_string())?;
                    if let Some(swap) = res.memory_swap {
                        let v = if swap < 0 {
                            "max".to_string()
                        } else {
                            (swap - mem).max(0).to_string()
                        };
                        write_if_exists(&u.join("memory.swap.max"), &v)?;
                    }
                } else if !v1_has("memory") {
                    return Err(CgroupError::Unsupported("memory"));
                }
            }
            if let Some(quota) = res.cpu_quota {
                if has("cpu") {
                    write(&u.join("cpu.max"), &format!("{quota} {}", res.cpu_period()))?;
                } else if !v1_has("cpu") {
                    return Err(CgroupError::Unsupported("cpu"));
                }
            }
            // A fake tree in a temp dir cannot hold BPF programs; only a real cgroup2 can.
            if !res.devices.is_empty() && is_cgroupfs(&u) {
                // cgroup2's device controller is this BPF program. On hybrid hosts the
                // v1 devices cgroup already enforces the same list, so a kernel
                // without cgroup BPF is only an error on pure v2.
                if let Err(e) = devices_bpf::attach(&u, &res.devices) {
                    if !v1_has("devices") {
                        return Err(e);
                    }
                }
            }
            if let Some(p) = res.pids_limit {
                if has("pids") {
                    write(&u.join("pids.max"), &pids_value(p))?;
                } else if !v1_has("pids") {
                    return Err(CgroupError::Unsupported("pids"));
                }
            }
        }
        if let Some(d) = self.v1_dir("memory") {
            if let Some(mem) = res.memory {
                write(&d.join("memory.limit_in_bytes"), &mem.to_string())?;
                if let Some(swap) = res.memory_swap {
                    write_if_exists(&d.join("memory.memsw.limit_in_bytes"), &swap.to_string())?;
                }
            }
        }
        if let Some(d) = self.v1_dir("cpu") {
            if let Some(q) = res.cpu_quota {
                write(&d.join("cpu.cfs_period_us"), &res.cpu_period().to_string())?;
                write(&d.join("cpu.cfs_quota_us"), &q.to_string())?;
            }
        }
        if let Some(d) = self.v1_dir("pids") {
            if let Some(p) = res.pids_limit {
                write(&d.join("pids.max"), &pids_value(p))?;
            }
        }
        if let Some(d) = self.v1_dir("devices") {
            if !res.devices.is_empty() {
                // Deny everything first, then open the allow list: the kernel checks
                // each write against the current state, so order matters.
                write(&d.join("devices.deny"), "a")?;
                for rule in &res.devices {
                    let file = if rule.allow {
                        "devices.allow"
                    } else {
                        "devices.deny"
                    };
                    write(&d.join(file), &rule.to_v1())?;
                }
            }
        }
        Ok(())
    }

    /// Moves `pid` (0 = the caller) into the cgroup in every hierarchy.
    pub fn add_process(&self, pid: i32) -> Result<()> {
        for dir in self.dirs() {
            write(&dir.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// Moves the calling thread, which must be its process's only thread, into the
    /// cgroup: its v1 hierarchies through [`V1Joiner::join_self`], then
    /// [`Cgroup::add_to_v2`].
    pub fn join_self(&self) -> Result<()> {
        self.v1_joiner()?.join_self()?;
        self.add_to_v2(0)
    }

    /// For a process about to leave the host's mount namespace: opens the v1 hierarchy
    /// mounts now, so that it can join this cgroup there later (the cgroup need not
    /// exist yet).
    pub fn v1_joiner(&self) -> Result<V1Joiner> {
        let mut mounts = Vec::new();
        for (_, mount) in self.v1_mounts() {
            let flags = rustix::fs::OFlags::PATH
                | rustix::fs::OFlags::DIRECTORY
                | rustix::fs::OFlags::CLOEXEC;
            let fd = rustix::fs::open(mount, flags, rustix::fs::Mode::empty())
                .map_err(|e| CgroupError::io(mount, e.into()))?;
            mounts.push(fd);
        }
        Ok(V1Joiner {
            mounts,
            rel: self.rel.clone(),
        })
    }

    /// Moves process `pid` (0: the caller) into the cgroup's cgroup2 directory, if it
    /// uses one. cgroup2 always takes the threadgroup lock (an RCU grace period), so
    /// callers do this while other work goes on.
    pub fn add_to_v2(&self, pid: i32) -> Result<()> {
        if let Some(u) = self.unified_dir() {
            write(&u.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// How many times the kernel OOM killer fired inside this cgroup.
    pub fn oom_kill_count(&self) -> Result<u64> {
        let mut total = 0;
        if let Some(d) = self.v1_dir("memory") {
            total += read_key(&d.join("memory.oom_control"), "oom_kill")?;
        } else if let Some(u) = self.unified_dir() {
            if self.layout.v2_controllers.iter().any(|c| c == "memory") {
                total += read_key(&u.join("memory.events"), "oom_kill")?;
            }
        }
        Ok(total)
    }

    /// PIDs (host view) in the cgroup, from whichever hierarchy has them all.
    pub fn pids(&self) -> Result<Vec<i32>> {
        let Some(dir) = self.dirs().into_iter().next() else {
            return Ok(Vec::new());
        };
        let text = match fs::read_to_string(dir.join("cgroup.procs")) {
            Ok(t) => t,
            Err(e) if e.kind() == IoKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CgroupError::io(dir.join("cgroup.procs"), e)),
        };
        Ok(text.lines().filter_map(|l| l.trim().parse().ok()).collect())
    }

    /// SIGKILLs every process in the cgroup (cgroup.kill on v2, one by one on v1).
    pub fn kill_all(&self) -> Result<()> {
        if let Some(u) = self.unified_dir() {
            let k = u.join("cgroup.kill");
            if k.exists() {
                write(&k, "1")?;
            }
        }
        for pid in self.pids()? {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        Ok(())
    }

    /// Kills what is left and removes the directories, leaf first. Idempotent.
    pub fn destroy(&self) -> Result<()> {
        let _ = self.kill_all();
        self.remove_empty()
    }

    /// Removes the directories of a cgroup known to be empty (its processes were the
    /// init's pid namespace, gone with the init). Idempotent.
    pub fn remove_empty(&self) -> Result<()> {
        for dir in self.dirs() {
            remove_dir_retry(&dir)?;
        }
        Ok(())
    }
}

fn pids_value(p: i64) -> String {
    if p <= 0 {
        "max".into()
    } else {
        p.to_string()
    }
}

fn create_dir(p: &Path) -> Result<()> {
    match fs::create_dir(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == IoKind::AlreadyExists => Ok(()),
        Err(e) => Err(CgroupError::io(p, e)),
    }
}

fn create_dir_all(p: &Path) -> Result<()> {
    fs::create_dir_all(p).map_err(|e| CgroupError::io(p, e))
}

fn write(p: &Path, v: &str) -> Result<()> {
    fs::write(p, v).map_err(|e| CgroupError::io(p, e))
}

fn write_if_exists(p: &Path, v: &str) -> Result<()> {
    if p.exists() {
        write(p, v)
    } else {
        Ok(())
    }
}

fn read_key(p: &Path, key: &str) -> Result<u64> {
    let text = match fs::read_to_string(p) {
        Ok(t) => t,
        Err(e) if e.kind() == IoKind::NotFound => return Ok(0),
        Err(e) => return Err(CgroupError::io(p, e)),
    };
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0))
}

fn remove_dir_retry(dir: &Path) -> Result<()> {
    // The kernel refuses rmdir while dying tasks are still being reaped; they go in ms.
    for attempt in 0..200 {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == IoKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && attempt < 199 => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            // A fake tree in a temp dir has regular files inside: remove them too.
            Err(e) if e.raw_os_error() == Some(libc::ENOTEMPTY) && !is_cgroupfs(dir) => {
                return fs::remove_dir_all(dir).map_err(|e| CgroupError::io(dir, e));
            }
            Err(e) => return Err(CgroupError::io(dir, e)),
        }
    }
    Ok(())
}

fn is_cgroupfs(dir: &Path) -> bool {
    let Ok(st) = statfs_type(dir) else {
        return false;
    };
    st == CGROUP_SUPER_MAGIC || st == CGROUP2_SUPER_MAGIC
}

const CGROUP_SUPER_MAGIC: i64 = 0x27e0eb;
const CGROUP2_SUPER_MAGIC: i64 = 0x63677270;

fn statfs_type(dir: &Path) -> std::io::Result<i64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid C string and `st` a properly sized out-parameter.
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st.f_type)
}

/// The v1 hierarchies of a cgroup, opened ahead (see [`Cgroup::v1_joiner`]).
pub struct V1Joiner {
    mounts: Vec<std::os::fd::OwnedFd>,
    rel: PathBuf,
}

impl V1Joiner {
    /// Moves the calling thread, which must be its process's only thread, into the
    /// cgroup's v1 hierarchies, through the mounts opened ahead. Writing "0" to `tasks`
    /// is the one move the kernel makes without its global threadgroup lock, whose write
    /// side waits for an RCU grace period (~10 ms here): naming any other task, even a
    /// single-threaded child, takes it.
    pub fn join_self(&self) -> Result<()> {
        let tasks = self.rel.join("tasks");
        let rel = tasks.strip_prefix("/").unwrap_or(&tasks);
        for m in &self.mounts {
            let flags = rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC;
            let f = rustix::fs::openat(m, rel, flags, rustix::fs::Mode::empty())
                .map_err(|e| CgroupError::io(&tasks, e.into()))?;
            rustix::io::write(&f, b"0").map_err(|e| CgroupError::io(&tasks, e.into()))?;
        }
        Ok(())
    }
}
