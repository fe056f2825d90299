//! cgroup logic against fake cgroupfs trees (v1, v2, hybrid) and the real hierarchy.
use berth_cgroups::{Cgroup, DeviceRule, Layout, Mode, Resources};
use std::fs;
use std::path::Path;

fn touch(p: &Path, content: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn fake_v2(root: &Path) {
    touch(
        &root.join("cgroup.controllers"),
        "cpuset cpu io memory hugetlb pids\n",
    );
    touch(&root.join("cgroup.procs"), "");
    touch(&root.join("cgroup.subtree_control"), "");
}

fn fake_v1(root: &Path) {
    for c in [
        "memory",
        "cpu,cpuacct",
        "pids",
        "devices",
        "freezer",
        "systemd",
    ] {
        touch(&root.join(c).join("cgroup.procs"), "");
    }
}

fn limits() -> Resources {
    Resources {
        memory: Some(64 << 20),
        memory_swap: Some(128 << 20),
        cpu_quota: Some(50_000),
        cpu_period: None,
        pids_limit: Some(20),
        devices: vec![
            DeviceRule {
                allow: true,
                kind: 'c',
                major: Some(1),
                minor: Some(3),
                access: "rwm".into(),
            },
            DeviceRule {
                allow: true,
                kind: 'c',
                major: Some(136),
                minor: None,
                access: "rwm".into(),
            },
        ],
    }
}

fn read(p: impl AsRef<Path>) -> String {
    fs::read_to_string(p).unwrap()
}

#[test]
fn detects_pure_v2_and_writes_v2_files() {
    let t = tempfile::tempdir().unwrap();
    fake_v2(t.path());
    let layout = Layout::detect(t.path()).unwrap();
    assert_eq!(layout.mode(), Mode::V2);
    assert!(layout.v2_controllers.contains(&"memory".to_string()));
    let cg = Cgroup::create(layout, "berth/abc", &limits()).unwrap();
    let leaf = t.path().join("berth/abc");
    assert_eq!(read(leaf.join("memory.max")), (64u64 << 20).to_string());
    assert_eq!(read(leaf.join("cpu.max")), "50000 100000");
    assert_eq!(read(leaf.join("pids.max")), "20");
    // Each ancestor enables the controllers for its children (last write wins in a fake file).
    assert_eq!(read(t.path().join("cgroup.subtree_control")), "+pids");
    assert_eq!(read(t.path().join("berth/cgroup.subtree_control")), "+pids");
    // OOM counter comes from memory.events.
    touch(
        &leaf.join("memory.events"),
        "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
    );
    assert_eq!(cg.oom_kill_count().unwrap(), 1);
    cg.destroy().unwrap();
    assert!(!leaf.exists());
}

#[test]
fn v2_without_memory_controller_is_an_error_not_a_silent_skip() {
    let t = tempfile::tempdir().unwrap();
    fake_v2(t.path());
    fs::write(t.path().join("cgroup.controllers"), "cpu pids\n").unwrap();
    let layout = Layout::detect(t.path()).unwrap();
    let err = Cgroup::create(layout, "berth/x", &limits()).unwrap_err();
    assert!(err.to_string().contains("memory"), "{err}");
    assert!(
        !t.path().join("berth/x").exists(),
        "half-created cgroup left behind"
    );
}

#[test]
fn detects_v1_with_comounted_controllers() {
    let t = tempfile::tempdir().unwrap();
    fake_v1(t.path());
    let layout = Layout::detect(t.path()).unwrap();
    assert_eq!(layout.mode(), Mode::V1);
    assert_eq!(layout.v1["cpuacct"], t.path().join("cpu,cpuacct"));
    assert!(!layout.v1.contains_key("systemd"));
    let cg = Cgroup::create(layout, "berth/v1", &limits()).unwrap();
    let m = t.path().join("memory/berth/v1");
    assert_eq!(
        read(m.join("memory.limit_in_bytes")),
        (64u64 << 20).to_string()
    );
    let c = t.path().join("cpu,cpuacct/berth/v1");
    assert_eq!(read(c.join("cpu.cfs_quota_us")), "50000");
    assert_eq!(read(c.join("cpu.cfs_period_us")), "100000");
    assert_eq!(read(t.path().join("pids/berth/v1/pids.max")), "20");
    // The last allow rule is what a plain file keeps; deny-all was written first.
    assert_eq!(read(t.path().join("devices/berth/v1/devices.deny")), "a");
    assert_eq!(
        read(t.path().join("devices/berth/v1/devices.allow")),
        "c 136:* rwm"
    );
    // cpu and cpuacct share one directory: it is listed once.
    assert_eq!(cg.dirs().len(), 4);
    touch(
        &m.join("memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
    );
    assert_eq!(cg.oom_kill_count().unwrap(), 2);
    cg.destroy().unwrap();
    assert!(!m.exists() && !c.exists());
}

#[test]
fn detects_hybrid() {
    let t = tempfile::tempdir().unwrap();
    fake_v1(t.path());
    fake_v2(&t.path().join("unified"));
    fs::write(t.path().join("unified/cgroup.controllers"), "hugetlb\n").unwrap();
    let layout = Layout::detect(t.path()).unwrap();
    assert_eq!(layout.mode(), Mode::Hybrid);
    let cg = Cgroup::create(layout, "berth/h", &limits()).unwrap();
    // Limits land in v1; a unified mount with no controller v1 lacks is not used.
    assert!(t.path().join("memory/berth/h").is_dir());
    assert!(!t.path().join("unified/berth/h").exists());
    assert!(cg
        .dirs()
        .iter()
        .all(|d| !d.starts_with(t.path().join("unified"))));
    assert_eq!(read(t.path().join("pids/berth/h/pids.max")), "20");
    cg.destroy().unwrap();
}

#[test]
fn empty_root_is_not_mounted() {
    let t = tempfile::tempdir().unwrap();
    let err = Layout::detect(t.path()).unwrap_err();
    assert_eq!(err.kind(), berth_cgroups::ErrorKind::NotFound);
}

/// The real hierarchy of this host (hybrid here, v2 elsewhere): a process joins, the pid
/// limit is enforced by the kernel, kill_all and destroy leave nothing behind.
#[test]
fn real_hierarchy_join_limit_kill_destroy() {
    if !nix_is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let layout = Layout::detect(Path::new("/sys/fs/cgroup")).unwrap();
    let rel = format!("berth-test/cg-{}", std::process::id());
    let res = Resources {
        pids_limit: Some(1),
        memory: Some(32 << 20),
        ..Default::default()
    };
    let cg = Cgroup::create(layout, &rel, &res).unwrap();
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", "read x; /bin/true && echo forked"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    cg.add_process(child.id() as i32).unwrap();
    assert_eq!(cg.pids().unwrap(), vec![child.id() as i32]);
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    // pids.max=1: the shell is the only task allowed, so its fork fails.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("forked"));
    cg.destroy().unwrap();
    for d in cg.dirs() {
        assert!(!d.exists(), "{} left behind", d.display());
    }
    for d in Layout::detect(Path::new("/sys/fs/cgroup"))
        .unwrap()
        .v1
        .values()
    {
        let _ = fs::remove_dir(d.join("berth-test"));
    }
    let _ = fs::remove_dir("/sys/fs/cgroup/unified/berth-test");
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The v2 code path on the real kernel: this host's cgroup2 mount (hugetlb only here)
/// seen as if it were a pure v2 host. Limits it cannot express are refused; a process
/// joins, and cgroup.kill ends it.
#[test]
fn real_cgroup2_mount_as_a_v2_host() {
    let unified = Path::new("/sys/fs/cgroup/unified");
    let root = if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        Path::new("/sys/fs/cgroup")
    } else if unified.join("cgroup.controllers").exists() {
        unified
    } else {
        eprintln!("skipped: no cgroup2 mount");
        return;
    };
    if !nix_is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let layout = Layout::detect(root).unwrap();
    assert_eq!(layout.mode(), Mode::V2);
    let rel = format!("berth-test/v2-{}", std::process::id());
    if !layout.v2_controllers.iter().any(|c| c == "pids") {
        let err = Cgroup::create(
            layout.clone(),
            &rel,
            &Resources {
                pids_limit: Some(5),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(err.kind(), berth_cgroups::ErrorKind::Unsupported);
        assert!(!root.join(&rel).exists(), "half-created cgroup left behind");
    }
    let cg = Cgroup::create(layout, &rel, &Resources::default()).unwrap();
    let mut child = std::process::Command::new("/bin/sleep")
        .arg("300")
        .spawn()
        .unwrap();
    // As spawn moves a container's init on a v2 host.
    cg.add_to_v2(child.id() as i32).unwrap();
    assert_eq!(cg.pids().unwrap(), vec![child.id() as i32]);
    cg.kill_all().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(libc::SIGKILL)
    );
    cg.destroy().unwrap();
    assert!(!root.join(&rel).exists());
    let _ = fs::remove_dir(root.join("berth-test"));
}

/// The v2 device program on the real kernel: /dev/null allowed, /dev/zero refused.
#[test]
fn real_cgroup2_device_program() {
    let root = if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        Path::new("/sys/fs/cgroup")
    } else {
        Path::new("/sys/fs/cgroup/unified")
    };
    if !root.join("cgroup.controllers").exists() || !nix_is_root() {
        eprintln!("skipped: needs root and a cgroup2 mount");
        return;
    }
    let layout = Layout::detect(root).unwrap();
    let rel = format!("berth-test/dev-{}", std::process::id());
    let res = Resources {
        devices: vec![DeviceRule {
            allow: true,
            kind: 'c',
            major: Some(1),
            minor: Some(3),
            access: "rwm".into(),
        }],
        ..Default::default()
    };
    let cg = Cgroup::create(layout, &rel, &res).unwrap();
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", "read x; : > /dev/null && echo null-ok; head -c1 /dev/zero > /dev/null && echo zero-ok; true"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    cg.add_process(child.id() as i32).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("null-ok"),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("zero-ok"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Operation not permitted"));
    cg.destroy().unwrap();
    let _ = fs::remove_dir(root.join("berth-test"));
}

/// A hybrid host whose cgroup2 mount holds a controller v1 lacks uses both.
#[test]
fn hybrid_with_memory_only_in_cgroup2() {
    let t = tempfile::tempdir().unwrap();
    for c in ["pids", "devices"] {
        touch(&t.path().join(c).join("cgroup.procs"), "");
    }
    fake_v2(&t.path().join("unified"));
    fs::write(
        t.path().join("unified/cgroup.controllers"),
        "cpu memory pids\n",
    )
    .unwrap();
    let layout = Layout::detect(t.path()).unwrap();
    assert_eq!(layout.mode(), Mode::Hybrid);
    let cg = Cgroup::create(layout, "berth/m", &limits()).unwrap();
    assert_eq!(
        read(t.path().join("unified/berth/m/memory.max")),
        (64u64 << 20).to_string()
    );
    assert_eq!(
        read(t.path().join("unified/berth/m/cpu.max")),
        "50000 100000"
    );
    assert_eq!(read(t.path().join("pids/berth/m/pids.max")), "20");
    cg.destroy().unwrap();
}
