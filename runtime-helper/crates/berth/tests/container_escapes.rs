//! A hostile image: symlinks planted where the engine mounts (/proc, /dev, /sys, masked
//! paths) must not move a mount onto the host, and the host binary stays out of reach.
mod common;
use common::*;
use std::os::unix::fs::symlink;

/// Symlinked /proc, /dev and /sys are refused (as runc refuses them for /proc and /sys):
/// the engine's own mount points take no symlink, so a mount can neither land on the
/// host nor somewhere a lookup in the container would not see it (issue 9: a /dev
/// redirected that way let the masks be bound from a host sysctl). More cases, and links
/// that are followed inside the root (`-v` targets, /etc/hosts, workdir, /etc/passwd),
/// are in container_adversarial.rs.
#[test]
fn planted_symlinks_do_not_redirect_mounts_to_the_host() {
    let e = Engine::new();
    let bait = e.dir.path().join("bait");
    for d in ["proc", "dev", "sys", "etc"] {
        std::fs::create_dir_all(bait.join(d)).unwrap();
    }
    for d in ["proc", "dev", "sys"] {
        let rootfs = e.dir.path().join(format!("evil-{d}"));
        make_rootfs(&rootfs);
        std::fs::remove_dir(rootfs.join(d)).unwrap();
        // An absolute link to a host path: followed on the host it would land on `bait`.
        symlink(bait.join(d), rootfs.join(d)).unwrap();
        // The same path exists inside the image: followed inside the root, the mount
        // would have somewhere to go. It is refused all the same.
        std::fs::create_dir_all(rootfs.join(bait.strip_prefix("/").unwrap()).join(d)).unwrap();
        let tar = e.dir.path().join(format!("evil-{d}.tar"));
        tar_dir(&rootfs, &tar);
        let image = format!("evil-{d}");
        e.ok(&["import", tar.to_str().unwrap(), &image]);
        let o = e.berth(&["run", "--rm", &image, "cat", "/proc/self/mountinfo"]);
        assert_eq!(code(&o), 125, "{}", stdout(&o));
        assert_stderr_contains(
            &o,
            &format!("refusing /{d}: /{d} is a symlink in the image"),
        );
    }
    // /etc/passwd through a /proc magic link: refused, not read from wherever it leads.
    let rootfs = e.dir.path().join("evil-passwd");
    make_rootfs(&rootfs);
    std::fs::remove_file(rootfs.join("etc/passwd")).unwrap();
    symlink("/proc/self/root/etc/passwd", rootfs.join("etc/passwd")).unwrap();
    let tar = e.dir.path().join("evil-passwd.tar");
    tar_dir(&rootfs, &tar);
    e.ok(&["import", tar.to_str().unwrap(), "evil-passwd"]);
    let o = e.berth(&["run", "--rm", "evil-passwd", "true"]);
    assert_eq!(code(&o), 125, "{}", stdout(&o));
    assert_stderr_contains(
        &o,
        "refusing /etc/passwd: a symlink in the image leads it onto /proc",
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
