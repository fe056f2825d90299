//! A hostile image: symlinks planted where the engine mounts (/proc, /dev, /sys, masked
//! paths) must not move a mount onto the host, and the host binary stays out of reach.
mod common;
use common::*;
use std::os::unix::fs::symlink;

fn host_mounts_under(dir: &std::path::Path) -> Vec<String> {
    let d = dir.to_string_lossy().into_owned();
    std::fs::read_to_string("/proc/self/mountinfo")
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

#[test]
fn planted_symlinks_do_not_redirect_mounts_to_the_host() {
    let e = Engine::new();
    let bait = e.dir.path().join("bait");
    for d in ["proc", "dev", "sys", "etc"] {
        std::fs::create_dir_all(bait.join(d)).unwrap();
    }
    let rootfs = e.dir.path().join("evil");
    make_rootfs(&rootfs);
    for d in ["proc", "dev", "sys"] {
        std::fs::remove_dir(rootfs.join(d)).unwrap();
        // Absolute links to host paths: followed on the host they would land on `bait`.
        symlink(bait.join(d), rootfs.join(d)).unwrap();
        // The same path exists inside the image, so resolved in the container's root
        // the mount has somewhere to go and the container can run.
        std::fs::create_dir_all(rootfs.join(bait.strip_prefix("/").unwrap()).join(d)).unwrap();
    }
    std::fs::remove_file(rootfs.join("etc/passwd")).unwrap();
    symlink("/proc/self/root/etc/passwd", rootfs.join("etc/passwd")).unwrap();
    let tar = e.dir.path().join("evil.tar");
    tar_dir(&rootfs, &tar);
    e.ok(&["import", tar.to_str().unwrap(), "evil"]);

    let o = e.berth(&["run", "--rm", "evil", "cat", "/proc/self/mountinfo"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // proc and the /dev tmpfs were mounted at the link targets inside the container's
    // root (so /proc works through the link), not on the host's bait directories.
    let mounted = |d: &str, fstype: &str| {
        let want = bait.join(d).to_string_lossy().into_owned();
        stdout(&o).lines().any(|l| {
            l.split_whitespace().nth(4) == Some(want.as_str())
                && l.contains(&format!(" - {fstype} "))
        })
    };
    assert!(
        mounted("proc", "proc") && mounted("dev", "tmpfs") && mounted("sys", "sysfs"),
        "{}",
        stdout(&o)
    );
    assert!(
        host_mounts_under(e.dir.path()).is_empty(),
        "{:?}",
        host_mounts_under(e.dir.path())
    );
    for d in ["proc", "dev", "sys", "etc"] {
        let n = std::fs::read_dir(bait.join(d)).unwrap().count();
        assert_eq!(
            n, 0,
            "something was created through the planted link in bait/{d}"
        );
    }
    assert!(e.container_ids().is_empty());
}

#[test]
fn container_cannot_write_the_engine_binary() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    let before = std::fs::read(env!("CARGO_BIN_EXE_berth")).unwrap();
    // An exec'd process is a child of a sealed copy; from inside, every process's exe
    // that is not a container binary must refuse writes.
    let o = e.berth(&[
        "exec", &id, "sh", "-c",
        "for p in /proc/[0-9]*; do echo x 2>/dev/null >> $p/exe && echo WROTE $p; done; ls -l /proc/*/exe 2>/dev/null | grep -c memfd",
    ]);
    assert!(!stdout(&o).contains("WROTE"), "{}", stdout(&o));
    assert_eq!(std::fs::read(env!("CARGO_BIN_EXE_berth")).unwrap(), before);
    e.ok(&["rm", "-f", &id]);
}
