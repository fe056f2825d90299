//! Pull, push, auth and crash safety against a real `docker-registry` seeded by skopeo.
mod image_common;

use berth_store::Store;
use image_common::*;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

fn base_layers() -> Vec<Vec<u8>> {
    vec![
        layer_tar(&[
            Node::Dir("etc"),
            Node::File("etc/a", b"a1"),
            Node::Hardlink("etc/hl", "etc/a"),
            Node::Symlink("etc/sym", "a"),
            Node::File("etc/gone", b"bye"),
            Node::Dir("opq"),
            Node::File("opq/old", b"old"),
        ]),
        layer_tar(&[
            Node::Dir("etc"),
            Node::File("etc/.wh.gone", b""),
            Node::Dir("opq"),
            Node::File("opq/.wh..wh..opq", b""),
            Node::File("opq/new", b"new"),
        ]),
    ]
}

fn expected_merged(top: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        "etc d",
        "etc/a f:a1",
        "etc/hl f:a1",
        "etc/sym l:a",
        "opq d",
        "opq/new f:new",
        "top d",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("top/file f:{top}"));
    v.sort();
    v
}

fn count(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[test]
fn pull_merges_layers_exactly_and_shares_base_layers() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    for (tag, top) in [("v1", "one"), ("v2", "two")] {
        let mut layers = base_layers();
        layers.push(layer_tar(&[
            Node::Dir("top"),
            Node::File("top/file", top.as_bytes()),
        ]));
        let m = layout.image(&layers, "amd64", true);
        layout.tag(m, tag);
        skopeo_push(&layout.dir, tag, &format!("{}/x:{tag}", reg.addr()));
    }
    let root = t.path().join("store");
    let id1 = ok(&berth(
        &root,
        &["pull", "-q", &format!("{}/x:v1", reg.addr())],
    ));
    let store = Store::open(&root).unwrap();
    let img = store
        .resolve_image(&format!("{}/x:v1", reg.addr()))
        .unwrap();
    assert_eq!(img.id, id1.trim());
    assert_eq!(img.layer_dirs.len(), 3);
    // The middle layer holds overlay whiteouts, and the lower one the hardlink.
    let wh = fs::symlink_metadata(img.layer_dirs[1].join("etc/gone")).unwrap();
    assert_eq!((wh.mode() & libc::S_IFMT, wh.rdev()), (libc::S_IFCHR, 0));
    let l0 = &img.layer_dirs[0];
    assert_eq!(
        fs::metadata(l0.join("etc/hl")).unwrap().ino(),
        fs::metadata(l0.join("etc/a")).unwrap().ino()
    );
    {
        let ov = Overlay::mount(&img.layer_dirs);
        assert_eq!(tree(ov.dir.path()), expected_merged("one"));
    }
    ok(&berth(
        &root,
        &["pull", "-q", &format!("{}/x:v2", reg.addr())],
    ));
    let img2 = store
        .resolve_image(&format!("{}/x:v2", reg.addr()))
        .unwrap();
    assert_eq!(
        img2.layer_dirs[..2],
        img.layer_dirs[..2],
        "base layers are shared"
    );
    assert_eq!(count(&root.join("layers/sha256")), 4);
    // 2 x (manifest + config) + 2 shared base blobs + 2 top blobs.
    assert_eq!(count(&root.join("blobs/sha256")), 8);
    {
        let ov = Overlay::mount(&img2.layer_dirs);
        assert_eq!(tree(ov.dir.path()), expected_merged("two"));
    }
    let images = ok(&berth(&root, &["images"]));
    assert!(
        images.contains(&format!("{}/x", reg.addr())) && images.contains("v2"),
        "{images}"
    );
    let insp: serde_json::Value = serde_json::from_str(&ok(&berth(
        &root,
        &["image", "inspect", &format!("{}/x:v1", reg.addr())],
    )))
    .unwrap();
    assert_eq!(insp[0]["Id"], img.id.as_str());
    assert_eq!(insp[0]["RootFS"]["Layers"].as_array().unwrap().len(), 3);
    // Removing v1 keeps what v2 uses; removing v2 empties the store.
    ok(&berth(&root, &["rmi", &format!("{}/x:v1", reg.addr())]));
    assert_eq!(count(&root.join("layers/sha256")), 3);
    assert!(store.resolve_image(&format!("{}/x:v2", reg.addr())).is_ok());
    ok(&berth(&root, &["rmi", &format!("{}/x:v2", reg.addr())]));
    assert_eq!(count(&root.join("layers/sha256")), 0);
    assert_eq!(count(&root.join("blobs/sha256")), 0);
}

#[test]
fn multi_platform_index_selects_by_platform() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let amd = layout.image(
        &[layer_tar(&[Node::File("arch", b"amd64")])],
        "amd64",
        false,
    );
    let arm = layout.image(
        &[layer_tar(&[Node::File("arch", b"arm64")])],
        "arm64",
        false,
    );
    let idx = layout.index_of(vec![arm, amd]);
    layout.tag(idx, "multi");
    let r = format!("{}/multi:1", reg.addr());
    skopeo_push(&layout.dir, "multi", &r);
    for (platform, want) in [(None, "amd64"), (Some("linux/arm64"), "arm64")] {
        let root = t.path().join(format!("store-{want}"));
        let mut args = vec!["pull", "-q"];
        if let Some(p) = platform {
            args.extend(["--platform", p]);
        }
        args.push(&r);
        ok(&berth(&root, &args));
        let img = Store::open(&root).unwrap().resolve_image(&r).unwrap();
        assert_eq!(
            fs::read(img.layer_dirs[0].join("arch")).unwrap(),
            want.as_bytes()
        );
    }
    let e = fails(&berth(
        &t.path().join("s3"),
        &["pull", "--platform", "linux/s390x", &r],
    ));
    assert!(e.contains("no image for platform linux/s390x"), "{e}");
    // The same index as a Docker manifest list of Docker schema 2 manifests.
    let d = format!("{}/docker:1", reg.addr());
    skopeo_push_as(&layout.dir, "multi", &d, Some("v2s2"));
    let root = t.path().join("store-docker");
    ok(&berth(
        &root,
        &["pull", "-q", "--platform", "linux/arm64", &d],
    ));
    let store = Store::open(&root).unwrap();
    let img = store.resolve_image(&d).unwrap();
    assert_eq!(
        img.manifest.media_type.as_deref(),
        Some("application/vnd.docker.distribution.manifest.v2+json")
    );
    assert_eq!(fs::read(img.layer_dirs[0].join("arch")).unwrap(), b"arm64");
}

#[test]
fn push_then_pull_round_trip() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("a");
    let tarball = t.path().join("rootfs.tar");
    fs::write(
        &tarball,
        layer_tar(&[Node::Dir("bin"), Node::File("bin/hello", b"hi")]),
    )
    .unwrap();
    let id = ok(&berth(
        &root,
        &["import", tarball.to_str().unwrap(), "local:1"],
    ));
    let r = format!("{}/pushed:1", reg.addr());
    ok(&berth(&root, &["tag", "local:1", &r]));
    let pushed = ok(&berth(&root, &["push", &r]));
    let digest = pushed.trim().rsplit(' ').next().unwrap().to_string();
    assert!(digest.starts_with("sha256:"), "{pushed}");
    // By digest: the same image; a digest the registry does not have is a clean 404.
    let root3 = t.path().join("c");
    let by_digest = format!("{}/pushed@{digest}", reg.addr());
    let id3 = ok(&berth(&root3, &["pull", "-q", &by_digest]));
    assert_eq!(id.trim(), id3.trim());
    assert!(Store::open(&root3)
        .unwrap()
        .resolve_image(&by_digest)
        .is_ok());
    let missing = format!("{}/pushed@sha256:{}", reg.addr(), "0".repeat(64));
    let e = fails(&berth(&root3, &["pull", "-q", &missing]));
    assert!(e.contains("404") && e.contains("pushed"), "{e}");
    let root2 = t.path().join("b");
    let id2 = ok(&berth(&root2, &["pull", "-q", &r]));
    assert_eq!(id.trim(), id2.trim(), "same config, same image ID");
    let img = Store::open(&root2).unwrap().resolve_image(&r).unwrap();
    assert_eq!(
        fs::read(img.layer_dirs[0].join("bin/hello")).unwrap(),
        b"hi"
    );
}

/// A token server in front of the registry, redirecting blob downloads to a second
/// listener on 127.0.0.2 (another host) which records whether credentials reached it.
#[test]
fn bearer_token_auth_and_redirects_without_credentials() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let m = layout.image(&base_layers(), "amd64", false);
    layout.tag(m, "v1");
    skopeo_push(&layout.dir, "v1", &format!("{}/private:v1", reg.addr()));

    let backend = reg.addr();
    let cdn = Server::start("127.0.0.2", {
        let b = backend.clone();
        move |_| Reply::Proxy(b.clone())
    });
    let cdn_port = cdn.port;
    let front = Server::start("127.0.0.1", move |req| {
        let basic = format!("Basic {}", b64("alice:secret"));
        if req.path.starts_with("/token") {
            if req.header("authorization") == Some(basic.as_str()) {
                // Only a token asked for the repository's pull scope opens it.
                if req.path.contains("scope=repository%3Aprivate%3Apull") {
                    return reply(200, &[], br#"{"token":"tok-123"}"#);
                }
                return reply(200, &[], br#"{"access_token":"tok-login"}"#);
            }
            return reply(401, &[], b"bad credentials");
        }
        let login_probe =
            req.path == "/v2/" && req.header("authorization") == Some("Bearer tok-login");
        if login_probe {
            return reply(200, &[], b"{}");
        }
        if req.header("authorization") != Some("Bearer tok-123") {
            let realm = format!(
                "Bearer realm=\"http://{}/token\",service=\"test\",scope=\"repository:private:pull\"",
                req.local
            );
            return reply(
                401,
                &[("WWW-Authenticate", &realm)],
                br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
            );
        }
        if req.method == "GET" && req.path.contains("/blobs/sha256:") {
            let loc = format!("http://127.0.0.2:{cdn_port}{}", req.path);
            return reply(307, &[("Location", &loc)], b"");
        }
        Reply::Proxy(backend.clone())
    });
    let host = format!("127.0.0.1:{}", front.port);
    let r = format!("{host}/private:v1");
    let root = t.path().join("store");
    Store::open(&root).unwrap();
    let before = tree(&root);

    let e = fails(&berth(&root, &["pull", "-q", &r]));
    assert!(e.contains("authentication") && e.contains(&host), "{e}");
    assert_eq!(
        tree(&root),
        before,
        "a refused pull leaves the store as it was"
    );

    let e = fails(&berth(
        &root,
        &["login", &host, "-u", "alice", "-p", "wrong"],
    ));
    assert!(e.contains("401"), "{e}");
    ok(&berth(
        &root,
        &["login", &host, "-u", "alice", "-p", "secret"],
    ));
    let cfg = fs::read_to_string(root.join("docker-config/config.json")).unwrap();
    assert!(
        cfg.contains(&b64("alice:secret")),
        "docker-style auths entry: {cfg}"
    );

    ok(&berth(&root, &["pull", "-q", &r]));
    let img = Store::open(&root).unwrap().resolve_image(&r).unwrap();
    assert_eq!(img.layer_dirs.len(), 2);
    let cdn_log = cdn.log.lock().unwrap().clone();
    assert!(!cdn_log.is_empty(), "blobs came through the redirect");
    assert!(
        cdn_log.iter().all(|l| l.ends_with("auth=false")),
        "credentials leaked to another host: {cdn_log:?}"
    );
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn kill_during_pull_then_pull_again() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let mut layers = base_layers();
    // A layer big enough to be caught mid-transfer through the slow proxy.
    let big: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    layers.push(layer_tar(&[Node::Dir("top"), Node::File("top/file", &big)]));
    let m = layout.image(&layers, "amd64", false);
    layout.tag(m, "v1");
    skopeo_push(&layout.dir, "v1", &format!("{}/big:v1", reg.addr()));
    let backend = reg.addr();
    let slow = Server::start("127.0.0.1", move |req| {
        if req.path.contains("/blobs/") {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        Reply::Proxy(backend.clone())
    });
    let r = format!("127.0.0.1:{}/big:v1", slow.port);
    let root = t.path().join("store");
    Store::open(&root).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["--root", root.to_str().unwrap(), "pull", "-q", &r])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill once the pull has started writing into tmp/.
    let mut saw_tmp = false;
    for _ in 0..10_000 {
        if count(&root.join("tmp")) > 0 {
            saw_tmp = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    assert!(saw_tmp, "the pull was caught in progress");
    assert!(
        Store::open(&root).unwrap().resolve_image(&r).is_err(),
        "no half image visible"
    );
    ok(&berth(&root, &["pull", "-q", &r]));
    assert_eq!(count(&root.join("tmp")), 0, "leftovers swept");
    let img = Store::open(&root).unwrap().resolve_image(&r).unwrap();
    assert_eq!(fs::read(img.layer_dirs[2].join("top/file")).unwrap(), big);
}

#[test]
fn concurrent_pulls_of_shared_layers_are_safe() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    for (tag, top) in [("a", "A"), ("b", "B")] {
        let mut layers = base_layers();
        layers.push(layer_tar(&[
            Node::Dir("top"),
            Node::File("top/file", top.as_bytes()),
        ]));
        let m = layout.image(&layers, "amd64", false);
        layout.tag(m, tag);
        skopeo_push(&layout.dir, tag, &format!("{}/c:{tag}", reg.addr()));
    }
    let root = t.path().join("store");
    let spawn = |tag: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
            .args(["--root", root.to_str().unwrap(), "pull", "-q"])
            .arg(format!("{}/c:{tag}", reg.addr()))
            .output()
            .unwrap()
    };
    std::thread::scope(|s| {
        let h: Vec<_> = ["a", "b", "a", "b"]
            .iter()
            .map(|tag| s.spawn(move || spawn(tag)))
            .collect();
        for h in h {
            ok(&h.join().unwrap());
        }
    });
    let store = Store::open(&root).unwrap();
    for (tag, top) in [("a", "A"), ("b", "B")] {
        let img = store
            .resolve_image(&format!("{}/c:{tag}", reg.addr()))
            .unwrap();
        let ov = Overlay::mount(&img.layer_dirs);
        assert_eq!(tree(ov.dir.path()), expected_merged(top));
    }
    assert_eq!(count(&root.join("layers/sha256")), 4);
    assert_eq!(count(&root.join("tmp")), 0);
}

/// The container runtime's view: `berth run` on the pulled image sees exactly the merged
/// layers (whiteout and opaque dir applied, hardlink and symlink intact).
#[test]
fn a_pulled_image_runs_with_the_merged_filesystem() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let busybox = fs::read("/bin/busybox").expect("busybox-static");
    let mut layers = vec![layer_tar(&[
        Node::Dir("bin"),
        Node::Exec("bin/busybox", &busybox),
    ])];
    layers.extend(base_layers());
    layers.push(layer_tar(&[
        Node::Dir("top"),
        Node::File("top/file", b"run"),
    ]));
    let mut layout = Layout::new(&t.path().join("oci"));
    let m = layout.image(&layers, "amd64", true);
    layout.tag(m, "v1");
    let r = format!("{}/runme:v1", reg.addr());
    skopeo_push(&layout.dir, "v1", &r);
    let root = t.path().join("store");
    ok(&berth(&root, &["pull", "-q", &r]));
    let script = "cd / && /bin/busybox find opq top etc/a etc/hl etc/sym | /bin/busybox sort; \
                  /bin/busybox cat etc/hl top/file; echo; /bin/busybox readlink etc/sym; \
                  /bin/busybox test -e etc/gone && echo GONE-IS-BACK; \
                  /bin/busybox test -e opq/old && echo OLD-IS-BACK; true";
    let out = ok(&berth(
        &root,
        &["run", "--rm", &r, "/bin/busybox", "sh", "-c", script],
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec!["etc/a", "etc/hl", "etc/sym", "opq", "opq/new", "top", "top/file", "a1run", "a"],
        "{out}"
    );
}

/// GC (`image prune`) run while a pull is committing content neither deletes that
/// content nor fails: it waits for the store lock.
#[test]
fn prune_during_pull_keeps_the_new_image() {
    let reg = Registry::start();
    let t = tempfile::tempdir().unwrap();
    let mut layout = Layout::new(&t.path().join("oci"));
    let m = layout.image(&base_layers(), "amd64", false);
    layout.tag(m, "v1");
    skopeo_push(&layout.dir, "v1", &format!("{}/gc:v1", reg.addr()));
    let backend = reg.addr();
    let slow = Server::start("127.0.0.1", move |req| {
        if req.path.contains("/blobs/") {
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        Reply::Proxy(backend.clone())
    });
    let r = format!("127.0.0.1:{}/gc:v1", slow.port);
    let root = t.path().join("store");
    Store::open(&root).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["--root", root.to_str().unwrap(), "pull", "-q", &r])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Prune over and over while the pull runs (each blob request is held 300 ms). Not every
    // prune overlaps the pull, but none may break it.
    let mut prunes = Vec::new();
    for _ in 0..10 {
        prunes.push(berth(&root, &["image", "prune"]));
    }
    for o in &prunes {
        ok(o);
    }
    ok(&child.wait_with_output().unwrap());
    let img = Store::open(&root).unwrap().resolve_image(&r).unwrap();
    let ov = Overlay::mount(&img.layer_dirs);
    let mut want = expected_merged("x");
    want.retain(|l| !l.starts_with("top"));
    assert_eq!(tree(ov.dir.path()), want);
}
