//! The order of the filesystem setup, checked with the recording Syscall (no root).
use berth_runtime::recording::Recorder;
use berth_runtime::{setup_rootfs, GeneratedFile, Rootfs};
use oci_spec::runtime::Spec;
use std::path::PathBuf;

fn spec(readonly_root: bool) -> Spec {
    serde_json::from_value(serde_json::json!({
        "ociVersion": "1.0.2",
        "root": {"path": "rootfs", "readonly": readonly_root},
        "process": {"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]},
            {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]},
            {"destination": "/etc/resolv.conf", "type": "bind", "source": "/srv/resolv", "options": ["rbind"]}
        ],
        "linux": {
            "maskedPaths": ["/proc/kcore", "/sys/firmware"],
            "readonlyPaths": ["/proc/sys"]
        }
    }))
    .unwrap()
}

fn generated() -> Vec<GeneratedFile> {
    ["/etc/hosts", "/etc/resolv.conf"]
        .iter()
        .map(|p| GeneratedFile {
            path: p.into(),
            content: b"x\n".to_vec(),
        })
        .collect()
}

fn rootfs() -> Rootfs {
    Rootfs {
        lower: vec![PathBuf::from("/l/1"), PathBuf::from("/l/2")],
        upper: "/c/upper".into(),
        work: "/c/work".into(),
        target: "/c/rootfs".into(),
        volatile: false,
    }
}

#[test]
fn host_sources_are_opened_before_pivot_and_masks_come_last() {
    let mut rec = Recorder::default();
    setup_rootfs(&mut rec, &spec(false), &rootfs(), &generated()).unwrap();
    let pos = |p: &str| {
        rec.position(p)
            .unwrap_or_else(|| panic!("no call {p:?} in {:#?}", rec.calls))
    };
    assert_eq!(
        pos("make_private"),
        0,
        "propagation must be cut before any mount"
    );
    assert!(pos("overlay 2 layers -> /c/rootfs") < pos("pivot_root /c/rootfs"));
    assert!(pos("open_bind /srv/data recursive=true") < pos("pivot_root"));
    assert!(pos("pivot_root") < pos("mount proc /proc"));
    assert!(pos("mount tmpfs /dev") < pos("mount devpts /dev/pts"));
    assert!(pos("mount sysfs /sys") < pos("cgroupfs /sys/fs/cgroup"));
    // The cgroup namespace (entered once the engine has moved us) must exist before
    // cgroupfs is mounted, or the mount would show the host's hierarchy.
    assert!(pos("enter_cgroup") < pos("cgroupfs /sys/fs/cgroup"));
    assert!(pos("mount tmpfs /dev") < pos("mknod /dev/null 1:3 666"));
    assert!(pos("bind #") > pos("pivot_root"));
    assert!(
        rec.calls
            .iter()
            .any(|c| c == "bind #3 /data dir=true ro=true"),
        "{:#?}",
        rec.calls
    );
    assert!(rec.calls.iter().any(
        |c| c.starts_with("mount devpts /dev/pts [newinstance,ptmxmode=0666,mode=0620,gid=5]")
    ));
    assert!(rec.calls.iter().any(|c| c == "mount sysfs /sys [] ro=true"));
    // Masks and read-only paths come after every mount that could cover them.
    let last_mount = rec
        .calls
        .iter()
        .rposition(|c| c.starts_with("mount ") || c.starts_with("bind "))
        .unwrap();
    assert!(pos("mask /proc/kcore") > last_mount);
    // Generated files come after the spec's mounts (a bind at /etc stays below them) and
    // in /dev, so after it; one the spec mounts itself (a user's -v x:/etc/resolv.conf)
    // is left to the spec.
    assert!(pos("generated /etc/hosts (2 bytes)") > pos("bind #3 /data"));
    assert!(pos("generated /etc/hosts") > pos("mknod /dev/null"));
    assert!(
        rec.position("generated /etc/resolv.conf").is_none(),
        "{:#?}",
        rec.calls
    );
    assert!(pos("mask /proc/kcore") > pos("generated /etc/hosts"));
    assert!(pos("readonly /proc/sys") > pos("mask /sys/firmware"));
    assert!(rec.position("root_readonly").is_none());
}

#[test]
fn readonly_root_is_the_very_last_step() {
    let mut rec = Recorder::default();
    setup_rootfs(&mut rec, &spec(true), &rootfs(), &generated()).unwrap();
    assert_eq!(rec.calls.last().unwrap(), "root_readonly");
}
