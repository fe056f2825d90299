//! Shared helpers for the container tests (root, real kernel): a busybox image built
//! offline from the host's /bin/busybox, an engine with its own temp store root, and a
//! cleanup that kills what a test left running and checks no cgroup is left behind.
#![allow(dead_code)]
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n";
pub const GROUP: &str = "root:x:0:\nwheel:x:10:alice\nnogroup:x:65534:\nalice:x:1000:\n";

/// A busybox rootfs: /bin/busybox plus one symlink per applet, /etc/passwd and group.
pub fn make_rootfs(dir: &Path) {
    for d in [
        "bin",
        "proc",
        "sys",
        "dev",
        "tmp",
        "etc",
        "root",
        "home/alice",
    ] {
        fs::create_dir_all(dir.join(d)).unwrap();
    }
    fs::copy("/bin/busybox", dir.join("bin/busybox")).unwrap();
    let list = Command::new("/bin/busybox")
        .arg("--list")
        .output()
        .expect("busybox-static is installed");
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" {
            let _ = symlink("busybox", dir.join("bin").join(applet));
        }
    }
    fs::write(dir.join("etc/passwd"), PASSWD).unwrap();
    fs::write(dir.join("etc/group"), GROUP).unwrap();
    let _ = fs::set_permissions(
        dir.join("tmp"),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    );
}

pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(fs::File::create(out).unwrap());
    b.follow_symlinks(false);
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

/// The busybox tar, built once into cargo's per-target test scratch dir (not /tmp, so
/// nothing accumulates); concurrent test binaries race harmlessly via rename.
pub fn busybox_tar() -> &'static Path {
    static TAR: OnceLock<PathBuf> = OnceLock::new();
    TAR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        // Bump the version when make_rootfs changes.
        let tar = dir.join("berth-busybox-v1.tar");
        if tar.exists() {
            return tar;
        }
        let work = tempfile::Builder::new()
            .prefix("busybox-")
            .tempdir_in(&dir)
            .unwrap();
        make_rootfs(&work.path().join("rootfs"));
        let tmp = work.path().join("busybox.tar");
        tar_dir(&work.path().join("rootfs"), &tmp);
        fs::rename(&tmp, &tar).unwrap();
        tar
    })
}

/// An engine with its own store root holding the `busybox` image.
pub struct Engine {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl Engine {
    pub fn new() -> Engine {
        assert!(
            nix::unistd::geteuid().is_root(),
            "the container tests need root"
        );
        let dir = tempfile::Builder::new()
            .prefix("berth-test-")
            .tempdir()
            .unwrap();
        let root = dir.path().join("root");
        let e = Engine { dir, root };
        let o = e.berth(&["import", busybox_tar().to_str().unwrap(), "busybox"]);
        assert!(
            o.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        e
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_berth"));
        c.arg("--root").arg(&self.root).args(args);
        c
    }

    /// Runs berth to completion with stdin from /dev/null.
    pub fn berth(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    /// Runs berth, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.berth(args);
        assert!(
            o.status.success(),
            "berth {args:?} failed ({:?}): {}\nstdout: {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr),
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Runs `berth run -d ARGS…`, asserts success, returns the new container's id.
    #[track_caller]
    pub fn run_detached(&self, args: &[&str]) -> String {
        let mut all = vec!["run", "-d"];
        all.extend_from_slice(args);
        self.ok(&all).trim().to_string()
    }

    /// Containers that exist; `.removing-*` directories are ones an --rm shim is
    /// still deleting after reporting the exit.
    pub fn container_ids(&self) -> Vec<String> {
        self.container_dirs()
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .collect()
    }

    fn container_dirs(&self) -> Vec<String> {
        match fs::read_dir(self.root.join("containers")) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    pub fn state(&self, id: &str) -> serde_json::Value {
        serde_json::from_slice(
            &fs::read(self.root.join("containers").join(id).join("state.json")).unwrap(),
        )
        .unwrap()
    }

    pub fn inspect(&self, name: &str, format: &str) -> String {
        self.ok(&["inspect", "-f", format, name]).trim().to_string()
    }
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that berth's stderr contains `needle`; the failure message is the stderr.
#[track_caller]
pub fn assert_stderr_contains(o: &Output, needle: &str) {
    assert!(stderr(o).contains(needle), "{}", stderr(o));
}

/// cgroup directories a container would have on this host.
pub fn cgroup_dirs(id: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir("/sys/fs/cgroup") {
        for e in rd.flatten() {
            out.push(e.path().join("berth").join(id));
        }
    }
    out.push(PathBuf::from("/sys/fs/cgroup/berth").join(id));
    out
}

impl Drop for Engine {
    fn drop(&mut self) {
        for id in self.container_ids() {
            // Kill our own leftovers by PID (via the engine), never by name.
            let _ = self.berth(&["rm", "-f", &id]);
        }
        // The shims of --rm containers finish their deletion on their own.
        while self
            .container_dirs()
            .iter()
            .any(|n| n.starts_with(".removing-"))
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let leftovers = self.container_dirs();
        if !std::thread::panicking() {
            assert!(
                leftovers.is_empty(),
                "containers left behind: {leftovers:?}"
            );
        }
        let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        if !std::thread::panicking() {
            let root = self.root.to_string_lossy().into_owned();
            assert!(!mountinfo.contains(&root), "host mounts left under {root}");
        }
    }
}

/// Asserts no cgroup of `id` is left anywhere in the host's hierarchy.
pub fn assert_no_cgroup(id: &str) {
    for d in cgroup_dirs(id) {
        if d.exists() {
            let procs = fs::read_to_string(d.join("cgroup.procs")).unwrap_or_default();
            let who: Vec<String> = procs
                .lines()
                .map(|p| {
                    let cmd = fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default();
                    let stat = fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
                    format!(
                        "{p}: {} [{}]",
                        String::from_utf8_lossy(&cmd).replace('\0', " "),
                        stat.split(' ').nth(2).unwrap_or("?")
                    )
                })
                .collect();
            panic!("cgroup left behind: {} holding {who:?}", d.display());
        }
    }
}

/// Host mount points (from our own mountinfo) at or below `dir`.
pub fn host_mounts_under(dir: &Path) -> Vec<String> {
    let d = dir.to_string_lossy().into_owned();
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(4)
                .is_some_and(|m| m.starts_with(&d))
        })
        .map(str::to_string)
        .collect()
}
