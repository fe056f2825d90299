//! `import_rootfs` and image naming on a real temp-dir store.
use berth_store::{ErrorKind, Store};
use std::fs;
use std::path::Path;

fn rootfs_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o755);
        h.set_mtime(1_600_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A tar whose single entry is named `name` verbatim (the `tar` crate refuses `..`).
fn raw_tar(name: &str) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_size(1);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.push(b'x');
    out.resize(1024, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Every file under `root`, for comparing store states.
fn snapshot(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn import_then_resolve() {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    let id = store
        .import_rootfs(
            &rootfs_tar(&[
                ("bin/sh", b"#!"),
                ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ])[..],
            "busy:1",
        )
        .unwrap();
    for name in [
        "busy:1",
        "docker.io/library/busy:1",
        id.as_str(),
        &id[7..19],
    ] {
        let img = store.resolve_image(name).unwrap();
        assert_eq!(img.id, id, "{name}");
        assert_eq!(img.layer_dirs.len(), 1);
        assert_eq!(fs::read(img.layer_dirs[0].join("bin/sh")).unwrap(), b"#!");
        assert_eq!(img.config.rootfs().diff_ids().len(), 1);
        assert!(img.layer_dirs[0].starts_with(t.path().join("layers/sha256")));
    }
    assert_eq!(
        store.resolve_image("busy:2").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // The config digest is the image ID, and the layer blob is kept by its digest.
    let img = store.resolve_image("busy:1").unwrap();
    assert_eq!(berth_store::sha256(&store.read_blob(&id).unwrap()), id);
    assert!(store.has_blob(&img.manifest.layers[0].digest));
    // The same tar again: same layer (diffID), same blob, one layer dir.
    store
        .import_rootfs(
            &rootfs_tar(&[
                ("bin/sh", b"#!"),
                ("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ])[..],
            "busy:2",
        )
        .unwrap();
    assert_eq!(
        fs::read_dir(t.path().join("layers/sha256"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(fs::read_dir(t.path().join("tmp")).unwrap().count(), 0);
}

#[test]
fn hostile_or_broken_imports_leave_the_store_unchanged() {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    store
        .import_rootfs(&rootfs_tar(&[("a", b"1")])[..], "ok")
        .unwrap();
    let before = snapshot(t.path());
    let before_records = fs::read(t.path().join("images.json")).unwrap();
    for (tar, name) in [
        (raw_tar("../evil"), "x"),
        (raw_tar("/etc/evil"), "x"),
        (raw_tar("a/../../evil"), "x"),
        (
            b"not a tar at all, just text that is long enough".repeat(20),
            "x",
        ),
        (rootfs_tar(&[("a", b"1")]), "Bad Name"),
    ] {
        let err = store.import_rootfs(&tar[..], name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(snapshot(t.path()), before, "store changed after: {err}");
        assert_eq!(
            fs::read(t.path().join("images.json")).unwrap(),
            before_records
        );
    }
    assert!(!t.path().parent().unwrap().join("evil").exists());
    let err = store
        .import_rootfs(&raw_tar("../evil")[..], "x")
        .unwrap_err();
    assert!(err.to_string().contains("../evil"), "{err}");
}

#[test]
fn tag_rmi_and_gc() {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    let a = store
        .import_rootfs(&rootfs_tar(&[("a", b"1")])[..], "a")
        .unwrap();
    let b = store
        .import_rootfs(&rootfs_tar(&[("b", b"2")])[..], "b")
        .unwrap();
    store.tag("a", "a2:x").unwrap();
    assert_eq!(store.resolve_image("a2:x").unwrap().id, a);
    // Two names: removing by ID needs force; by name just untags.
    assert_eq!(
        store.remove_image(&a, false).unwrap_err().kind(),
        ErrorKind::Conflict
    );
    let r = store.remove_image("a2:x", false).unwrap();
    assert_eq!(r.untagged, vec!["docker.io/library/a2:x".to_string()]);
    assert!(r.deleted.is_none());
    let blobs_before = fs::read_dir(t.path().join("blobs/sha256")).unwrap().count();
    let r = store.remove_image("a", false).unwrap();
    assert_eq!(r.deleted.as_deref(), Some(a.as_str()));
    assert_eq!(
        store.resolve_image(&a).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // a's manifest, config and layer blob went; b is intact.
    assert_eq!(
        fs::read_dir(t.path().join("blobs/sha256")).unwrap().count(),
        blobs_before - 3
    );
    assert_eq!(
        fs::read_dir(t.path().join("layers/sha256"))
            .unwrap()
            .count(),
        1
    );
    assert_eq!(store.resolve_image("b").unwrap().id, b);
}

#[test]
fn open_sweeps_leftovers_of_a_crash() {
    let t = tempfile::tempdir().unwrap();
    Store::open(t.path()).unwrap();
    fs::create_dir_all(t.path().join("tmp/layer-1/usr")).unwrap();
    fs::write(t.path().join("tmp/blob-1"), b"half").unwrap();
    Store::open(t.path()).unwrap();
    assert_eq!(fs::read_dir(t.path().join("tmp")).unwrap().count(), 0);
}

#[test]
fn leased_images_survive_rmi_and_gc_until_released() {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    let id = store
        .import_rootfs(&rootfs_tar(&[("a", b"1")])[..], "used")
        .unwrap();
    let img = store.resolve_image("used").unwrap();
    let dir = img.layer_dirs[0].clone();
    store.lease("ctr-1", &img).unwrap();
    // Leasing again replaces the holder's lease.
    store.lease("ctr-1", &img).unwrap();
    // The lease is a link to the manifest (nothing written that a crash could lose).
    let ino =
        |p: std::path::PathBuf| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
    assert_eq!(
        ino(t.path().join("leases/ctr-1")),
        ino(store.blob_path(&img.manifest_digest).unwrap())
    );
    assert!(store.lease("../x", &img).is_err());
    let err = store.remove_image("used", false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("ctr-1"), "{err}");
    // Forced: the name and record go, the content stays for the holder.
    store.remove_image("used", true).unwrap();
    assert!(store.resolve_image(&id).is_err());
    // A lease on what was resolved before the record went is refused, not written.
    let err = store.lease("ctr-2", &img).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(dir.join("a").exists());
    assert!(store.has_blob(&id));
    // A lease written by an older berth (JSON, not a link) still holds.
    fs::write(
        t.path().join("leases/old"),
        format!(
            r#"{{"holder":"old","image":"{id}","manifest":"{}"}}"#,
            img.manifest_digest
        ),
    )
    .unwrap();
    store.release("ctr-1").unwrap();
    store.gc().unwrap();
    assert!(dir.join("a").exists());
    store.release("old").unwrap();
    store.gc().unwrap();
    assert!(!dir.exists());
    assert!(!store.has_blob(&id));
}

#[test]
fn opening_the_store_never_sweeps_a_records_update_in_flight() {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    store
        .import_rootfs(&rootfs_tar(&[("a", b"1")])[..], "base")
        .unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        // Another process's open (its tmp/ sweep) while this one retags, over and over.
        s.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                Store::open(t.path()).unwrap();
            }
        });
        for i in 0..300 {
            let r = store.tag("base", &format!("n{}", i % 3));
            if r.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            r.unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

/// An endless input (`import -` from a pipe that never ends) stops before the disk
/// fills: the blob being written watches the free space too, not only the unpack.
#[test]
fn an_endless_import_stops_before_the_disk_fills() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("store");
    let store = Store::open(&root).unwrap();
    let before = snapshot(&root);
    let st = rustix::fs::statvfs(&root).unwrap();
    let available = st.f_bavail * st.f_frsize;
    // 4 MiB of headroom above the reserve; the input would be endless.
    let store = store.with_min_free(available - (4 << 20));
    let endless = std::io::repeat(0u8);
    let err = store.import_rootfs(endless, "endless:latest").unwrap_err();
    assert!(err.to_string().to_lowercase().contains("free"), "{err}");
    assert_eq!(snapshot(&root), before, "nothing left of the failed import");
}
