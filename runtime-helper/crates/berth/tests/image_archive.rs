//! `save` -> skopeo inspect -> `load` round trips, and OCI layout loads (dir and tar).
mod image_common;

use berth_store::Store;
use image_common::*;
use std::fs;
use std::process::Command;

fn two_layer_store(root: &std::path::Path, t: &std::path::Path) -> String {
    let mut layout = Layout::new(&t.join("oci"));
    let m = layout.image(
        &[
            layer_tar(&[
                Node::Dir("etc"),
                Node::File("etc/a", b"a"),
                Node::File("etc/gone", b"x"),
            ]),
            layer_tar(&[
                Node::Dir("etc"),
                Node::File("etc/.wh.gone", b""),
                Node::Symlink("etc/s", "a"),
            ]),
        ],
        "amd64",
        true,
    );
    layout.tag(m, "docker.io/library/app:1");
    let out = ok(&berth(root, &["load", "-i", layout.dir.to_str().unwrap()]));
    assert!(out.contains("Loaded image: app:1"), "{out}");
    Store::open(root)
        .unwrap()
        .resolve_image("app:1")
        .unwrap()
        .id
}

/// `skopeo inspect ARGS… docker-archive:ARCHIVE`, asserting success; returns its stdout.
fn skopeo_inspect_archive(archive: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let o = Command::new("skopeo")
        .arg("inspect")
        .args(args)
        .arg(format!("docker-archive:{}", archive.display()))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

#[test]
fn save_inspect_load_round_trip_keeps_ids() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    let id = two_layer_store(&a, t.path());
    let archive = t.path().join("app.tar");
    ok(&berth(
        &a,
        &["save", "-o", archive.to_str().unwrap(), "app:1"],
    ));
    // skopeo reads it as a docker archive, with our diffIDs as its layers.
    skopeo_inspect_archive(&archive, &["--raw"]);
    let config = skopeo_inspect_archive(&archive, &["--config", "--raw"]);
    assert_eq!(sha(&config), id, "skopeo sees the same config bytes");
    let b = t.path().join("b");
    let out = ok(&berth(&b, &["load", "-i", archive.to_str().unwrap()]));
    assert!(out.contains("app:1"), "{out}");
    let sb = Store::open(&b).unwrap();
    let img = sb.resolve_image("app:1").unwrap();
    assert_eq!(img.id, id);
    let ia = Store::open(&a).unwrap().resolve_image("app:1").unwrap();
    assert_eq!(
        img.config.rootfs().diff_ids(),
        ia.config.rootfs().diff_ids()
    );
    assert_eq!(tree(&img.layer_dirs[1]), tree(&ia.layer_dirs[1]));
    assert_eq!(
        tree(&img.layer_dirs[1]),
        vec!["etc d", "etc/gone c:0", "etc/s l:a"]
    );
    // Loading again changes nothing.
    let before = tree(&b);
    ok(&berth(&b, &["load", "-i", archive.to_str().unwrap()]));
    assert_eq!(tree(&b).len(), before.len());
}

#[test]
fn oci_layout_tar_loads_and_skopeo_archives_load() {
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let m = layout.image(
        &[layer_tar(&[Node::File("hello", b"world")])],
        "amd64",
        false,
    );
    layout.tag(m, "127.0.0.1:5000/o/p:t");
    // The layout as a tar.
    let tarred = t.path().join("layout.tar");
    let mut b = tar::Builder::new(fs::File::create(&tarred).unwrap());
    b.append_dir_all(".", &layout.dir).unwrap();
    b.finish().unwrap();
    drop(b);
    let root = t.path().join("s");
    ok(&berth(&root, &["load", "-i", tarred.to_str().unwrap()]));
    let img = Store::open(&root)
        .unwrap()
        .resolve_image("127.0.0.1:5000/o/p:t")
        .unwrap();
    assert_eq!(fs::read(img.layer_dirs[0].join("hello")).unwrap(), b"world");
    // An archive written by skopeo (docker save format) loads with the same ID.
    let sk = t.path().join("skopeo.tar");
    let st = Command::new("skopeo")
        .args(["copy", "--quiet"])
        .arg(format!("oci:{}:127.0.0.1:5000/o/p:t", layout.dir.display()))
        .arg(format!("docker-archive:{}:o/p:t", sk.display()))
        .status()
        .unwrap();
    assert!(st.success());
    let root2 = t.path().join("s2");
    ok(&berth(&root2, &["load", "-i", sk.to_str().unwrap()]));
    assert_eq!(
        Store::open(&root2)
            .unwrap()
            .resolve_image("o/p:t")
            .unwrap()
            .id,
        img.id
    );
}

#[test]
fn broken_archives_are_refused_and_change_nothing() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("s");
    two_layer_store(&root, t.path());
    let before = tree(&root);
    let good = t.path().join("good.tar");
    ok(&berth(
        &root,
        &["save", "-o", good.to_str().unwrap(), "app:1"],
    ));
    let data = fs::read(&good).unwrap();
    // Truncated archive.
    let cut = t.path().join("cut.tar");
    fs::write(&cut, &data[..data.len() / 2]).unwrap();
    // A layer whose content does not match the config's diffID: flip a byte inside a
    // layer.tar member (past the manifest/config members, which come first or last).
    let mut bad = data.clone();
    let pos = bad.windows(5).position(|w| w == b"etc/a").unwrap() + 1200;
    bad[pos] ^= 0xff;
    let flipped = t.path().join("flipped.tar");
    fs::write(&flipped, &bad).unwrap();
    let notar = t.path().join("junk");
    fs::write(&notar, b"hello").unwrap();
    for (f, want) in [
        (&cut, ""),
        (&flipped, ""),
        (&notar, "junk"),
        (&t.path().join("missing.tar"), "missing.tar"),
    ] {
        let e = fails(&berth(&root, &["load", "-i", f.to_str().unwrap()]));
        assert!(e.contains(want), "{e}");
        assert_eq!(tree(&root), before, "store changed after: {e}");
    }
}

#[test]
fn saving_two_images_writes_a_shared_layer_once() {
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let base = layer_tar(&[Node::File("base", b"shared")]);
    for (name, top) in [
        ("docker.io/library/one:1", "1"),
        ("docker.io/library/two:1", "2"),
    ] {
        let m = layout.image(
            &[
                base.clone(),
                layer_tar(&[Node::File("top", top.as_bytes())]),
            ],
            "amd64",
            false,
        );
        layout.tag(m, name);
    }
    let a = t.path().join("a");
    ok(&berth(&a, &["load", "-i", layout.dir.to_str().unwrap()]));
    assert_eq!(fs::read_dir(a.join("layers/sha256")).unwrap().count(), 3);
    let archive = t.path().join("both.tar");
    ok(&berth(
        &a,
        &["save", "-o", archive.to_str().unwrap(), "one:1", "two:1"],
    ));
    let mut ar = tar::Archive::new(fs::File::open(&archive).unwrap());
    let layers = ar
        .entries()
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().unwrap().ends_with("layer.tar"))
        .count();
    assert_eq!(layers, 3, "the shared base layer is written once");
    let b = t.path().join("b");
    ok(&berth(&b, &["load", "-i", archive.to_str().unwrap()]));
    let (sa, sb) = (Store::open(&a).unwrap(), Store::open(&b).unwrap());
    for n in ["one:1", "two:1"] {
        assert_eq!(
            sa.resolve_image(n).unwrap().id,
            sb.resolve_image(n).unwrap().id
        );
    }
    assert_eq!(fs::read_dir(b.join("layers/sha256")).unwrap().count(), 3);
}

/// A load killed with SIGKILL mid-layer (the layer blob is a FIFO the test feeds half of)
/// leaves no image and no visible layer; the next load completes and sweeps the debris.
#[test]
fn kill_during_load_then_load_again() {
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let big: Vec<u8> = (0..2_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    let m = layout.image(&[layer_tar(&[Node::File("big", &big)])], "amd64", false);
    layout.tag(m.clone(), "docker.io/library/slow:1");
    let manifest: serde_json::Value = serde_json::from_slice(
        &fs::read(
            layout
                .dir
                .join("blobs/sha256")
                .join(&m["digest"].as_str().unwrap()[7..]),
        )
        .unwrap(),
    )
    .unwrap();
    let layer = layout
        .dir
        .join("blobs/sha256")
        .join(&manifest["layers"][0]["digest"].as_str().unwrap()[7..]);
    let data = fs::read(&layer).unwrap();
    fs::remove_file(&layer).unwrap();
    let st = Command::new("mkfifo").arg(&layer).status().unwrap();
    assert!(st.success());

    let root = t.path().join("s");
    Store::open(&root).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["--root", root.to_str().unwrap(), "load", "-i"])
        .arg(&layout.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Opening the FIFO for writing waits for berth to open it for reading.
    let mut w = fs::OpenOptions::new().write(true).open(&layer).unwrap();
    use std::io::Write;
    w.write_all(&data[..data.len() / 2]).unwrap();
    w.flush().unwrap();
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    drop(w);
    assert!(
        fs::read_dir(root.join("tmp")).unwrap().count() > 0,
        "killed mid-write"
    );
    assert!(Store::open(&root).unwrap().resolve_image("slow:1").is_err());
    assert_eq!(fs::read_dir(root.join("layers/sha256")).unwrap().count(), 0);

    fs::remove_file(&layer).unwrap();
    fs::write(&layer, &data).unwrap();
    ok(&berth(&root, &["load", "-i", layout.dir.to_str().unwrap()]));
    assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);
    let img = Store::open(&root).unwrap().resolve_image("slow:1").unwrap();
    assert_eq!(fs::read(img.layer_dirs[0].join("big")).unwrap(), big);
}
