//! A 120-layer image mounts as one overlay through the store's short layer links (as
//! root, on the real kernel), where absolute layer paths would overflow mount options.
use berth_layer::UnpackOptions;
use berth_store::manifest::{Descriptor, Manifest, OCI_CONFIG, OCI_MANIFEST};
use berth_store::Store;
use std::process::Command;

fn layer(i: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let data = format!("layer {i}");
    let mut h = tar::Header::new_ustar();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    b.append_data(&mut h, format!("f{i}"), data.as_bytes())
        .unwrap();
    b.into_inner().unwrap()
}

#[test]
fn a_long_layer_chain_mounts() {
    const N: usize = 120;
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path()).unwrap();
    let txn = store.begin().unwrap();
    let mut diffs = Vec::new();
    let mut descs = Vec::new();
    let mut parent: Option<String> = None;
    for i in 0..N {
        let data = layer(i);
        let (d, size) = txn.ingest(&data[..], None, "layer").unwrap();
        let info = txn
            .unpack_layer(&d, None, parent.as_deref(), &UnpackOptions::default())
            .unwrap();
        parent = Some(info.chain_id);
        diffs.push(info.diff_id);
        descs.push(Descriptor {
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            digest: d,
            size,
            platform: None,
        });
    }
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diffs},
    }))
    .unwrap();
    let cd = txn.put_blob(&config, None, "config").unwrap();
    let m = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.into()),
        config: Descriptor {
            media_type: OCI_CONFIG.into(),
            digest: cd,
            size: config.len() as u64,
            platform: None,
        },
        layers: descs,
    };
    let md = txn
        .put_blob(&serde_json::to_vec(&m).unwrap(), None, "manifest")
        .unwrap();
    txn.commit(
        &md,
        None,
        &[berth_store::Reference::parse("tall:1").unwrap()],
    )
    .unwrap();

    let img = store.resolve_image("tall:1").unwrap();
    assert_eq!(img.layer_dirs.len(), N);
    let absolute: usize = img.layer_dirs.iter().map(|p| p.as_os_str().len() + 1).sum();
    assert!(absolute > 4096, "absolute paths would not fit in one page");
    let lower = store.overlay_lowerdir(&img.layer_dirs).unwrap();
    assert!(lower.len() < 4096 - 64);
    let mnt = tempfile::tempdir().unwrap();
    let st = Command::new("mount")
        .current_dir(store.root())
        .args(["-t", "overlay", "overlay", "-o"])
        .arg(format!("ro,lowerdir={lower}"))
        .arg(mnt.path())
        .status()
        .unwrap();
    assert!(st.success(), "overlay mount of {N} layers");
    let seen = std::fs::read_dir(mnt.path()).unwrap().count();
    let last = std::fs::read_to_string(mnt.path().join(format!("f{}", N - 1)));
    let _ = Command::new("umount").arg(mnt.path()).status();
    assert_eq!(seen, N);
    assert_eq!(last.unwrap(), format!("layer {}", N - 1));
    // Links go with their layers.
    store.remove_image("tall:1", false).unwrap();
    assert_eq!(std::fs::read_dir(t.path().join("l")).unwrap().count(), 0);
}
