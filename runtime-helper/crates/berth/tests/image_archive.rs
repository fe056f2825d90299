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

// ---------- Paths in archives and layouts resolve inside them (issue 9, item 8) ----------

/// One member of a hand-made tar: names and link targets are written verbatim (the `tar`
/// crate refuses to write `..`).
enum Raw<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

fn raw_tar(members: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in members {
        let (name, typ, link, data): (&str, tar::EntryType, &str, &[u8]) = match m {
            Raw::File(n, d) => (n, tar::EntryType::Regular, "", d),
            Raw::Symlink(n, l) => (n, tar::EntryType::Symlink, l, b""),
            Raw::Hardlink(n, l) => (n, tar::EntryType::Link, l, b""),
        };
        let mut h = tar::Header::new_ustar();
        let u = h.as_ustar_mut().unwrap();
        u.name[..name.len()].copy_from_slice(name.as_bytes());
        u.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_entry_type(typ);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A `docker save` archive of one one-layer image, as (config name, config, layer name,
/// layer tar).
fn saved_image(t: &std::path::Path) -> (String, Vec<u8>, String, Vec<u8>) {
    let root = t.join("src-store");
    let rootfs = t.join("rootfs.tar");
    fs::write(&rootfs, layer_tar(&[Node::File("hello", b"world")])).unwrap();
    ok(&berth(
        &root,
        &["import", rootfs.to_str().unwrap(), "src:1"],
    ));
    let archive = t.join("src.tar");
    ok(&berth(
        &root,
        &["save", "-o", archive.to_str().unwrap(), "src:1"],
    ));
    let mut config = None;
    let mut layer = None;
    let mut ar = tar::Archive::new(fs::File::open(&archive).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        if name.ends_with(".json") && name != "manifest.json" {
            config = Some((name, data));
        } else if name.ends_with("layer.tar") {
            layer = Some((name, data));
        }
    }
    let (cn, c) = config.unwrap();
    let (ln, l) = layer.unwrap();
    (cn, c, ln, l)
}

fn manifest_json(config: &str, layers: &[&str], tag: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!([
        {"Config": config, "RepoTags": [tag], "Layers": layers}
    ]))
    .unwrap()
}

/// Writes `members` as a directory under `dir` (symlinks as symlinks).
fn write_dir(dir: &std::path::Path, members: &[Raw]) {
    for m in members {
        let name = match m {
            Raw::File(n, _) | Raw::Symlink(n, _) | Raw::Hardlink(n, _) => n,
        };
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        match m {
            Raw::File(_, d) => fs::write(&p, d).unwrap(),
            Raw::Symlink(_, l) => std::os::unix::fs::symlink(l, &p).unwrap(),
            Raw::Hardlink(_, l) => fs::hard_link(dir.join(l), &p).unwrap(),
        }
    }
}

/// `load -i` of `members` as a tar and as a directory: both fail with `wants` in the
/// one-line error and leave the store as it was.
fn load_refused(root: &std::path::Path, t: &std::path::Path, members: &[Raw], wants: &[&str]) {
    let before = tree(root);
    let n = fs::read_dir(t).unwrap().count();
    let tarred = t.join(format!("case{n}.tar"));
    fs::write(&tarred, raw_tar(members)).unwrap();
    let dir = t.join(format!("case{n}.d"));
    write_dir(&dir, members);
    for input in [&tarred, &dir] {
        let e = fails(&berth(root, &["load", "-i", input.to_str().unwrap()]));
        for w in wants {
            assert!(
                e.contains(w),
                "{}: error should mention {w:?}: {e}",
                input.display()
            );
        }
        assert!(
            !e.contains("root:x:0:0"),
            "host file content in the error: {e}"
        );
        assert_eq!(tree(root), before, "store changed after: {e}");
    }
}

#[test]
fn load_paths_that_leave_the_archive_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let (cn, config, ln, layer) = saved_image(t.path());
    let root = t.path().join("s");
    two_layer_store(&root, t.path());
    // A host file the archive must not be able to name; valid JSON, so reading it would
    // get as far as the store.
    let secret = t.path().join("secret.json");
    fs::write(&secret, br#"{"rootfs":{"type":"layers","diff_ids":[]}}"#).unwrap();
    let secret_abs = secret.to_str().unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            manifest_json("../secret.json", &[&ln], "x:1"),
            "\"../secret.json\"",
        ),
        (
            manifest_json("../../../../../../etc/passwd", &[&ln], "x:1"),
            "etc/passwd",
        ),
        (manifest_json(secret_abs, &[&ln], "x:1"), secret_abs),
        (manifest_json(&cn, &["../secret.json"], "x:1"), "Layers"),
        (
            manifest_json(&cn, &["/etc/passwd"], "x:1"),
            "\"/etc/passwd\"",
        ),
        (manifest_json(&cn, &[&format!("a/../{ln}")], "x:1"), "`..`"),
        (manifest_json("", &[&ln], "x:1"), "Config"),
    ];
    for (m, want) in &cases {
        load_refused(
            &root,
            t.path(),
            &[
                Raw::File("manifest.json", m),
                Raw::File(&cn, &config),
                Raw::File(&ln, &layer),
            ],
            &[want, "not inside the archive"],
        );
    }
    let good = manifest_json(&cn, &[&ln], "x:1");
    // Symlinks (members of the tar, files of the directory) that lead out.
    let up = format!(
        "{}{}",
        "../".repeat(ln.matches('/').count() + 1),
        "secret.json"
    );
    for (link, target) in [
        (ln.as_str(), secret_abs),
        (ln.as_str(), "../../../../../../../etc/passwd"),
        (ln.as_str(), up.as_str()),
        (cn.as_str(), secret_abs),
        ("manifest.json", secret_abs),
    ] {
        // Every member as it should be, except `link`, a symlink to `target`.
        let mut members: Vec<Raw> = [
            ("manifest.json", &good[..]),
            (cn.as_str(), &config[..]),
            (ln.as_str(), &layer[..]),
        ]
        .into_iter()
        .filter(|(n, _)| *n != link)
        .map(|(n, d)| Raw::File(n, d))
        .collect();
        members.push(Raw::Symlink(link, target));
        load_refused(&root, t.path(), &members, &["outside"]);
    }
    // Links that stay inside are followed, as old `docker save` archives need (a shared
    // layer written once, linked from the other image's directory).
    let ok_root = t.path().join("ok");
    for members in [
        vec![
            Raw::File("manifest.json", &good[..]),
            Raw::File(&cn, &config),
            Raw::File("other/layer.tar", &layer),
            Raw::Symlink(&ln, "../other/layer.tar"),
        ],
        vec![
            Raw::File("manifest.json", &good[..]),
            Raw::File(&cn, &config),
            Raw::File("other/layer.tar", &layer),
            Raw::Hardlink(&ln, "other/layer.tar"),
        ],
    ] {
        let n = fs::read_dir(t.path()).unwrap().count();
        let tarred = t.path().join(format!("fine{n}.tar"));
        fs::write(&tarred, raw_tar(&members)).unwrap();
        let dir = t.path().join(format!("fine{n}.d"));
        write_dir(&dir, &members);
        for input in [&tarred, &dir] {
            let _ = fs::remove_dir_all(&ok_root);
            ok(&berth(&ok_root, &["load", "-i", input.to_str().unwrap()]));
            let img = Store::open(&ok_root).unwrap().resolve_image("x:1").unwrap();
            assert_eq!(fs::read(img.layer_dirs[0].join("hello")).unwrap(), b"world");
        }
    }
}

#[test]
fn oci_layout_blobs_that_leave_the_layout_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("s");
    two_layer_store(&root, t.path());
    let before = tree(&root);
    let mut layout = Layout::new(&t.path().join("oci2"));
    let m = layout.image(&[layer_tar(&[Node::File("f", b"1")])], "amd64", false);
    layout.tag(m.clone(), "docker.io/library/o:1");
    let blobs = layout.dir.join("blobs/sha256");
    let load = |what: &str| {
        let e = fails(&berth(&root, &["load", "-i", layout.dir.to_str().unwrap()]));
        assert!(e.contains("outside"), "{what}: {e}");
        assert_eq!(tree(&root), before, "{what}: store changed: {e}");
    };
    // The manifest blob moved out of the layout, a symlink left in its place (absolute,
    // then relative).
    let md = &m["digest"].as_str().unwrap()[7..];
    let outside = t.path().join("outside-blob");
    fs::rename(blobs.join(md), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, blobs.join(md)).unwrap();
    load("absolute symlink");
    fs::remove_file(blobs.join(md)).unwrap();
    std::os::unix::fs::symlink("../../../outside-blob", blobs.join(md)).unwrap();
    load("relative symlink");
    // The whole blobs directory a symlink out.
    fs::remove_file(blobs.join(md)).unwrap();
    fs::rename(&outside, blobs.join(md)).unwrap();
    let moved = t.path().join("moved-blobs");
    fs::rename(layout.dir.join("blobs"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, layout.dir.join("blobs")).unwrap();
    load("blobs directory");
    // index.json itself.
    fs::remove_file(layout.dir.join("blobs")).unwrap();
    fs::rename(&moved, layout.dir.join("blobs")).unwrap();
    fs::rename(layout.dir.join("index.json"), t.path().join("index.json")).unwrap();
    std::os::unix::fs::symlink(t.path().join("index.json"), layout.dir.join("index.json")).unwrap();
    load("index.json");
    // Put back, it loads.
    fs::remove_file(layout.dir.join("index.json")).unwrap();
    fs::rename(t.path().join("index.json"), layout.dir.join("index.json")).unwrap();
    ok(&berth(&root, &["load", "-i", layout.dir.to_str().unwrap()]));
}

/// A two-image archive whose second image is bad loads neither: nothing partial.
#[test]
fn a_bad_image_in_an_archive_loads_none_of_it() {
    let t = tempfile::tempdir().unwrap();
    let (cn, config, ln, layer) = saved_image(t.path());
    let root = t.path().join("s");
    two_layer_store(&root, t.path());
    let before = tree(&root);
    let mut broken = layer.clone();
    let pos = broken.windows(5).position(|w| w == b"world").unwrap();
    broken[pos] = b'W';
    for second_layer in ["broken/layer.tar", "../escape/layer.tar"] {
        let m = serde_json::to_vec(&serde_json::json!([
            {"Config": cn, "RepoTags": ["first:1"], "Layers": [ln]},
            {"Config": cn, "RepoTags": ["second:1"], "Layers": [second_layer]},
        ]))
        .unwrap();
        let f = t.path().join("two.tar");
        fs::write(
            &f,
            raw_tar(&[
                Raw::File("manifest.json", &m),
                Raw::File(&cn, &config),
                Raw::File(&ln, &layer),
                Raw::File("broken/layer.tar", &broken),
            ]),
        )
        .unwrap();
        let e = fails(&berth(&root, &["load", "-i", f.to_str().unwrap()]));
        assert_eq!(tree(&root), before, "store changed after: {e}");
    }
}

#[test]
fn save_replaces_a_symlink_at_the_output_instead_of_writing_through_it() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("s");
    two_layer_store(&root, t.path());
    let victim = t.path().join("victim");
    fs::write(&victim, b"precious").unwrap();
    let out = t.path().join("out.tar");
    std::os::unix::fs::symlink(&victim, &out).unwrap();
    ok(&berth(
        &root,
        &["save", "-o", out.to_str().unwrap(), "app:1"],
    ));
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert!(fs::symlink_metadata(&out).unwrap().is_file());
    // Nothing else left beside it.
    let names: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("berth-tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
