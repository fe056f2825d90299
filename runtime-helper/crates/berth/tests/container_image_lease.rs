//! A container keeps its image's layers (its overlay's lowerdirs): `rmi -f` and
//! `image prune` while it exists leave it working; once it is removed, prune frees them.
mod common;
use common::*;
use std::fs;

fn count(e: &Engine, dir: &str) -> usize {
    fs::read_dir(e.root.join(dir)).map_or(0, |d| d.count())
}

#[test]
fn a_container_keeps_its_image_until_removed() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    let o = e.berth(&["rmi", "busybox"]);
    assert_ne!(code(&o), 0, "rmi of an image in use must refuse without -f");
    e.ok(&["rmi", "-f", "busybox"]);
    e.ok(&["image", "prune"]);
    assert_eq!(
        count(&e, "layers/sha256"),
        1,
        "the container's layer was pruned"
    );

    // The running container still reads its image, and a restart mounts it again.
    assert!(e
        .ok(&["exec", &id, "cat", "/etc/passwd"])
        .contains("root:x:0:0"));
    e.ok(&["kill", &id]);
    e.ok(&["wait", &id]);
    e.ok(&["start", &id]);
    assert!(e.ok(&["exec", &id, "ls", "/bin/sh"]).contains("/bin/sh"));

    e.ok(&["rm", "-f", &id]);
    assert_eq!(count(&e, "leases"), 0, "rm left the container's lease");
    e.ok(&["image", "prune"]);
    assert_eq!(
        count(&e, "layers/sha256"),
        0,
        "prune kept a layer nobody uses"
    );
}

#[test]
fn run_rm_releases_the_lease() {
    let e = Engine::new();
    e.ok(&["run", "--rm", "busybox", "true"]);
    // The shim of an --rm container finishes the removal just after reporting the exit.
    for _ in 0..100 {
        if count(&e, "leases") == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the --rm container's lease is still there");
}
