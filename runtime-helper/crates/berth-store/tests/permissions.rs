//! The store is private to its owner (issue 9, item 2): layer directories hold setuid-root
//! binaries and device nodes, and no other local user may reach them. Runs as root (CI
//! does) and checks reachability as `nobody` with setpriv; without root it fails.
use berth_store::Store;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn need_root() {
    assert!(
        rustix::process::geteuid().is_root(),
        "the store permission tests need root (to check them as another user)"
    );
}

/// A rootfs with a setuid-root shell script.
fn suid_rootfs() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut d = tar::Header::new_ustar();
    d.set_entry_type(tar::EntryType::Directory);
    d.set_size(0);
    d.set_mode(0o755);
    d.set_cksum();
    b.append_data(&mut d, "bin", &[][..]).unwrap();
    let data = b"#!/bin/sh\nid\n";
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o4755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_cksum();
    b.append_data(&mut h, "bin/suid", &data[..]).unwrap();
    b.into_inner().unwrap()
}

/// A temp dir that `nobody` can traverse (tempfile makes them 0700), with `s/berth` as
/// the store root: its parent `s` does not exist yet.
fn world_traversable_tmp() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = t.path().join("s/berth");
    (t, root)
}

/// Runs `sh -c SCRIPT` as uid/gid 65534 with no supplementary groups.
fn as_nobody(script: &str, args: &[&Path]) -> std::process::Output {
    Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "--",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .args(args)
        .output()
        .expect("setpriv (util-linux)")
}

/// Whether `nobody` can stat `p`.
fn nobody_reaches(p: &Path) -> bool {
    as_nobody("stat -- \"$1\" >/dev/null 2>&1", &[p])
        .status
        .success()
}

/// What `find ROOT` lists as `nobody`: just ROOT itself when the store is closed.
fn nobody_finds(root: &Path) -> Vec<String> {
    let o = as_nobody("find \"$1\" 2>/dev/null; true", &[root]);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn every_dir(root: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        if fs::symlink_metadata(&p).unwrap().is_dir() {
            out.push(p.clone());
            every_dir(&p, out);
        }
    }
}

fn layer_file(store: &Store, image: &str, rel: &str) -> PathBuf {
    store.resolve_image(image).unwrap().layer_dirs[0].join(rel)
}

use berth_store::STORE_DIRS;

#[test]
fn a_new_store_is_private_to_its_owner() {
    need_root();
    let (t, root) = world_traversable_tmp();
    let store = Store::open(&root).unwrap();
    store.import_rootfs(&suid_rootfs()[..], "suid:1").unwrap();
    let suid = layer_file(&store, "suid:1", "bin/suid");
    assert_eq!(fs::metadata(&suid).unwrap().mode() & 0o7777, 0o4755);
    // Control: nobody does reach a path beside the store, so a refusal below is the
    // store's modes at work, not a broken setpriv.
    fs::write(t.path().join("control"), b"x").unwrap();
    assert!(nobody_reaches(&t.path().join("control")));
    assert!(
        nobody_reaches(root.parent().unwrap()),
        "the root's parent is outside the store"
    );
    assert_eq!(fs::metadata(&root).unwrap().mode() & 0o7777, 0o700);
    for d in STORE_DIRS {
        let m = fs::symlink_metadata(root.join(d)).unwrap().mode() & 0o7777;
        assert_eq!(m, 0o700, "{d} is {m:o}");
    }
    for f in ["images.json", "store.lock", "images.lock"] {
        let m = fs::metadata(root.join(f)).unwrap().mode() & 0o777;
        assert_eq!(m & 0o077, 0, "{f} is {m:o}");
    }
    for e in fs::read_dir(root.join("blobs/sha256")).unwrap() {
        let m = e.unwrap().metadata().unwrap().mode() & 0o777;
        assert_eq!(m, 0o600, "blob is {m:o}");
    }
    assert!(!nobody_reaches(&suid), "nobody reaches {}", suid.display());
    assert_eq!(nobody_finds(&root), vec![root.display().to_string()]);
}

#[test]
fn an_old_world_readable_store_is_tightened_on_open() {
    need_root();
    let (_t, root) = world_traversable_tmp();
    let store = Store::open(&root).unwrap();
    store.import_rootfs(&suid_rootfs()[..], "suid:1").unwrap();
    let suid = layer_file(&store, "suid:1", "bin/suid");
    // What older versions left: 0755 all the way down (and a 0755 container dir).
    let mut dirs = vec![root.clone()];
    every_dir(&root, &mut dirs);
    fs::create_dir_all(root.join("containers/abc")).unwrap();
    for d in dirs
        .iter()
        .chain([&root.join("containers"), &root.join("containers/abc")])
    {
        fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(nobody_reaches(&suid), "control: the old store is open");
    drop(store);
    let store = Store::open(&root).unwrap();
    assert_eq!(fs::metadata(&root).unwrap().mode() & 0o7777, 0o700);
    for d in STORE_DIRS {
        assert_eq!(
            fs::symlink_metadata(root.join(d)).unwrap().mode() & 0o7777,
            0o700,
            "{d}"
        );
    }
    assert!(!nobody_reaches(&suid));
    assert!(!nobody_reaches(&root.join("containers/abc")));
    assert_eq!(nobody_finds(&root), vec![root.display().to_string()]);
    // The layer's own tree keeps the image's modes: the image's `/bin` stays 0755.
    assert_eq!(
        fs::metadata(suid.parent().unwrap()).unwrap().mode() & 0o7777,
        0o755
    );
    // The image still resolves.
    store.resolve_image("suid:1").unwrap();
}

#[test]
fn a_group_traversable_root_is_kept_but_nothing_wider() {
    need_root();
    let (_t, root) = world_traversable_tmp();
    Store::open(&root).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o710)).unwrap();
    Store::open(&root).unwrap();
    assert_eq!(fs::metadata(&root).unwrap().mode() & 0o7777, 0o710);
    for wide in [0o711, 0o750, 0o701, 0o777, 0o1777] {
        fs::set_permissions(&root, fs::Permissions::from_mode(wide)).unwrap();
        Store::open(&root).unwrap();
        assert_eq!(
            fs::metadata(&root).unwrap().mode() & 0o7777,
            0o700,
            "{wide:o}"
        );
    }
}

#[test]
fn a_root_owned_by_someone_else_or_not_a_directory_is_refused() {
    need_root();
    let (t, root) = world_traversable_tmp();
    fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::chown(&root, Some(65534), Some(65534)).unwrap();
    let e = Store::open(&root).err().expect("refused").to_string();
    assert!(e.contains("owned by uid 65534"), "{e}");
    assert!(!root.join("blobs").exists(), "nothing made in it");
    let file = t.path().join("file");
    fs::write(&file, b"").unwrap();
    let e = Store::open(&file).err().expect("refused").to_string();
    assert!(e.contains("not a directory"), "{e}");
    // A store directory replaced by a symlink is refused, not followed.
    let (_t2, root2) = world_traversable_tmp();
    Store::open(&root2).unwrap();
    fs::remove_dir(root2.join("l")).unwrap();
    std::os::unix::fs::symlink(t.path(), root2.join("l")).unwrap();
    let e = Store::open(&root2).err().expect("refused").to_string();
    assert!(e.contains("symlink"), "{e}");
}
