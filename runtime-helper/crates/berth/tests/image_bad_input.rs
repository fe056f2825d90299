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
