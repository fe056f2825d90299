//! Issue 9, item 2, through the CLI: the store `berth` makes is private to root, and an
//! older world-readable store is closed again by the next command. Needs root (to check
//! as `nobody`); fails without it.
mod image_common;

use image_common::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn nobody_reaches(p: &Path) -> bool {
    Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "--",
        ])
        .args(["stat", "--"])
        .arg(p)
        .output()
        .expect("setpriv (util-linux)")
        .status
        .success()
}

#[test]
fn the_store_is_closed_to_other_users_and_an_old_one_is_closed_again() {
    assert!(
        rustix::process::geteuid().is_root(),
        "this test needs root (it checks the store as another user)"
    );
    let t = tempfile::tempdir().unwrap();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = t.path().join("var/lib/berth");
    let rootfs = t.path().join("rootfs.tar");
    fs::write(
        &rootfs,
        layer_tar(&[Node::Dir("bin"), Node::Exec("bin/tool", b"#!/bin/sh\n")]),
    )
    .unwrap();
    ok(&berth(
        &root,
        &["import", rootfs.to_str().unwrap(), "tool:1"],
    ));
    let layers: Vec<_> = fs::read_dir(root.join("layers/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let tool = layers[0].join("bin/tool");
    assert!(tool.is_file());
    assert!(
        nobody_reaches(t.path()),
        "control: setpriv works and the parent is open"
    );
    assert_eq!(fs::metadata(&root).unwrap().mode() & 0o777, 0o700);
    assert!(!nobody_reaches(&tool));
    // An older berth's store: 0755 everywhere.
    for d in [&root, &root.join("layers"), &root.join("layers/sha256")] {
        fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(nobody_reaches(&tool), "control: the old store is open");
    ok(&berth(&root, &["images", "-q"]));
    assert_eq!(fs::metadata(&root).unwrap().mode() & 0o777, 0o700);
    assert!(!nobody_reaches(&tool));
    assert_eq!(
        fs::metadata(root.join("layers/sha256")).unwrap().mode() & 0o777,
        0o700
    );
}
