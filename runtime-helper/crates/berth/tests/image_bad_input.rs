//! Hostile or broken registries and references: a one-line error naming what and where,
//! a non-zero exit, and the store exactly as before.
mod image_common;

use image_common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// An image served by a hand-written registry, so every byte can be wrong on purpose.
struct Served {
    manifest: Vec<u8>,
    blobs: HashMap<String, Vec<u8>>,
}

fn raw_tar_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut h = tar::Header::new_ustar();
    h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_cksum();
    let mut out = h.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Builds a one-layer image from `layer_tar`, lets `tweak` edit the manifest, config and
/// the bytes served for the layer, then serves it.
fn served(layer_tar: Vec<u8>, tweak: impl FnOnce(&mut Value, &mut Value, &mut Vec<u8>)) -> Served {
    let blob = gzip(&layer_tar);
    let mut config = json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha(&layer_tar)]},
    });
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "", "size": 0},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(&blob), "size": blob.len()}],
    });
    let mut served_layer = blob.clone();
    tweak(&mut manifest, &mut config, &mut served_layer);
    let cfg = serde_json::to_vec(&config).unwrap();
    manifest["config"]["digest"] = json!(sha(&cfg));
    manifest["config"]["size"] = json!(cfg.len());
    let mut blobs = HashMap::new();
    blobs.insert(sha(&cfg), cfg);
    blobs.insert(sha(&blob), served_layer);
    Served {
        manifest: serde_json::to_vec(&manifest).unwrap(),
        blobs,
    }
}

fn serve(s: Served) -> Server {
    let s = Arc::new(s);
    Server::start("127.0.0.1", move |req| {
        if req.path == "/v2/" {
            return reply(200, &[], b"{}");
        }
        if req.path == "/v2/x/manifests/t" {
            return reply(
                200,
                &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
                &s.manifest,
            );
        }
        if let Some(d) = req.path.strip_prefix("/v2/x/blobs/") {
            if let Some(b) = s.blobs.get(d) {
                return reply(200, &[], b);
            }
        }
        reply(
            404,
            &[],
            br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}"#,
        )
    })
}

fn good_layer() -> Vec<u8> {
    layer_tar(&[Node::File("f", b"content of f")])
}

/// A store holding one image, and a snapshot of every file in it.
fn store() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("s");
    let tarball = t.path().join("r.tar");
    std::fs::write(&tarball, good_layer()).unwrap();
    ok(&berth(
        &root,
        &["import", tarball.to_str().unwrap(), "keep:1"],
    ));
    let snap = tree(&root);
    (t, root, snap)
}

fn pull_fails(root: &std::path::Path, before: &[String], r: &str, wants: &[&str]) {
    let e = fails(&berth(root, &["pull", "-q", r]));
    for w in wants {
        assert!(e.contains(w), "error should mention {w:?}: {e}");
    }
    assert_eq!(tree(root), before, "store changed after: {e}");
}

#[test]
fn the_control_case_pulls() {
    let (_t, root, _) = store();
    let srv = serve(served(good_layer(), |_, _, _| {}));
    ok(&berth(
        &root,
        &["pull", "-q", &format!("127.0.0.1:{}/x:t", srv.port)],
    ));
}

#[test]
fn wrong_digest_truncated_blob_and_lying_sizes() {
    let (_t, root, before) = store();
    // Same length, different bytes.
    let srv = serve(served(good_layer(), |_, _, l| {
        let n = l.len();
        l[n - 5] ^= 0x55;
    }));
    let host = format!("127.0.0.1:{}", srv.port);
    pull_fails(
        &root,
        &before,
        &format!("{host}/x:t"),
        &["digest mismatch", "layer", &host],
    );
    let srv = serve(served(good_layer(), |_, _, l| l.truncate(l.len() / 2)));
    let host = format!("127.0.0.1:{}", srv.port);
    pull_fails(
        &root,
        &before,
        &format!("{host}/x:t"),
        &["size mismatch", "layer", &host],
    );
    let srv = serve(served(good_layer(), |m, _, _| {
        let s = m["layers"][0]["size"].as_u64().unwrap();
        m["layers"][0]["size"] = json!(s - 10);
    }));
    let host = format!("127.0.0.1:{}", srv.port);
    pull_fails(
        &root,
        &before,
        &format!("{host}/x:t"),
        &["size mismatch", &host],
    );
    // The config's diffID does not match the layer's content.
    let srv = serve(served(good_layer(), |_, c, _| {
        c["rootfs"]["diff_ids"] = json!([sha(b"something else")]);
    }));
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{}/x:t", srv.port),
        &["digest mismatch", "diffID"],
    );
    // The manifest and config disagree on the number of layers.
    let srv = serve(served(good_layer(), |_, c, _| {
        c["rootfs"]["diff_ids"] = json!([]);
    }));
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{}/x:t", srv.port),
        &["1 layers but config has 0"],
    );
}

#[test]
fn unknown_media_types_are_refused() {
    let (_t, root, before) = store();
    let srv = serve(served(good_layer(), |m, _, _| {
        m["layers"][0]["mediaType"] = json!("application/x-mystery");
    }));
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{}/x:t", srv.port),
        &["unsupported media type", "application/x-mystery"],
    );
    let srv = serve(served(good_layer(), |m, _, _| {
        m["mediaType"] = json!("application/vnd.docker.distribution.manifest.v1+prettyjws");
    }));
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{}/x:t", srv.port),
        &["unsupported media type", "manifest"],
    );
}

#[test]
fn hostile_layers_from_a_registry_are_refused() {
    for name in ["../evil", "/evil", "a/../../evil"] {
        let (t, root, before) = store();
        let srv = serve(served(raw_tar_entry(name, b"x"), |_, _, _| {}));
        pull_fails(
            &root,
            &before,
            &format!("127.0.0.1:{}/x:t", srv.port),
            &[name],
        );
        assert!(
            tree(t.path()).iter().all(|p| !p.contains("evil")),
            "evil written somewhere"
        );
    }
}

#[test]
fn unreachable_404_401_and_malformed_references() {
    let (_t, root, before) = store();
    let closed = free_port();
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{closed}/x:t"),
        &["unreachable", &format!("127.0.0.1:{closed}")],
    );
    let reg = Registry::start();
    pull_fails(
        &root,
        &before,
        &format!("{}/nope:t", reg.addr()),
        &["404", "nope"],
    );
    let deny = Server::start("127.0.0.1", |_| {
        reply(401, &[("WWW-Authenticate", "Basic realm=\"r\"")], b"")
    });
    pull_fails(
        &root,
        &before,
        &format!("127.0.0.1:{}/x:t", deny.port),
        &["authentication", "berth login"],
    );
    for bad in ["UPPER/x", "x:", "a//b", "x@sha256:123"] {
        pull_fails(&root, &before, bad, &["invalid reference", bad]);
    }
    // A registry name that does not resolve.
    pull_fails(
        &root,
        &before,
        "example.invalid/x:t",
        &["unreachable", "example.invalid"],
    );
}

/// A gzip of 10 MiB of zeros as a one-file layer tar (~10 KB compressed).
fn bomb_layer() -> (Vec<u8>, Vec<u8>) {
    let zeros = vec![0u8; 10 << 20];
    let raw = layer_tar(&[Node::File("zeros", &zeros)]);
    let gz = gzip(&raw);
    (raw, gz)
}

/// Issue 9, item 12: a layer's unpacked size is bounded, through every way in (import,
/// load, pull), and the failed layer leaves nothing behind.
#[test]
fn a_compression_bomb_stops_at_the_layer_size_limit() {
    let (t, root, before) = store();
    let (raw, gz) = bomb_layer();
    assert!(gz.len() < 100 << 10);
    let bomb = t.path().join("bomb.tar.gz");
    std::fs::write(&bomb, &gz).unwrap();
    let started = std::time::Instant::now();
    let e = fails(&berth(
        &root,
        &[
            "import",
            "--max-layer-size",
            "1M",
            bomb.to_str().unwrap(),
            "bomb:1",
        ],
    ));
    assert!(e.contains("larger than the limit of 1 MiB"), "{e}");
    assert_eq!(tree(&root), before, "store changed after: {e}");
    // The environment sets the same limit (flags and env are read by the CLI only).
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["--root", root.to_str().unwrap(), "import"])
        .arg(&bomb)
        .arg("bomb:1")
        .env("BERTH_MAX_LAYER_SIZE", "1048576")
        .output()
        .unwrap();
    let e = fails(&o);
    assert!(e.contains("larger than the limit of 1 MiB"), "{e}");
    assert_eq!(tree(&root), before);
    // load: an OCI layout holding the bomb.
    let mut layout = Layout::new(&t.path().join("oci"));
    let m = layout.image(std::slice::from_ref(&raw), "amd64", false);
    layout.tag(m, "docker.io/library/bomb:1");
    let e = fails(&berth(
        &root,
        &[
            "load",
            "--max-layer-size",
            "1M",
            "-i",
            layout.dir.to_str().unwrap(),
        ],
    ));
    assert!(e.contains("larger than the limit of 1 MiB"), "{e}");
    assert_eq!(tree(&root), before, "store changed after: {e}");
    // pull: the same layer from a registry.
    let srv = serve(served(raw.clone(), |_, _, _| {}));
    let e = fails(&berth(
        &root,
        &[
            "pull",
            "-q",
            "--max-layer-size",
            "1M",
            &format!("127.0.0.1:{}/x:t", srv.port),
        ],
    ));
    assert!(e.contains("larger than the limit of 1 MiB"), "{e}");
    assert_eq!(tree(&root), before, "store changed after: {e}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    // Within the default limit the same layer imports.
    ok(&berth(&root, &["import", bomb.to_str().unwrap(), "bomb:1"]));
    // A bad limit is a usage error.
    for bad in ["12Q", "-1", "0", "99999999999T"] {
        let o = berth(&root, &["import", "--max-layer-size", bad, "x", "y"]);
        assert_eq!(o.status.code(), Some(125), "{bad}");
    }
}

/// Issue 9, item 12: an over-long name or path gives a short one-line error.
#[test]
fn over_long_names_give_short_errors() {
    let (t, root, before) = store();
    let long_ref = "a".repeat(12_000);
    let long_path = format!("/{}", "b/".repeat(6_000));
    let long_member = format!("{}.json", "c".repeat(12_000));
    let manifest = serde_json::to_vec(&json!([
        {"Config": long_member, "RepoTags": ["x:1"], "Layers": []}
    ]))
    .unwrap();
    let dir = t.path().join("archive");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    for args in [
        vec!["pull", "-q", long_ref.as_str()],
        vec!["import", long_path.as_str(), "x:1"],
        vec!["import", "-", long_ref.as_str()],
        vec!["tag", "keep:1", long_ref.as_str()],
        vec!["load", "-i", long_path.as_str()],
        vec!["load", "-i", dir.to_str().unwrap()],
        vec!["rmi", long_ref.as_str()],
    ] {
        let e = fails(&berth(&root, &args));
        assert!(
            e.len() < 1000,
            "{} bytes for {:?}: {}",
            e.len(),
            args[0],
            e.chars().take(600).collect::<String>()
        );
        assert_eq!(tree(&root), before);
    }
}
