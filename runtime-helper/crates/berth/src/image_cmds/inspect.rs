//! `berth image inspect`: docker's JSON shape, so tools reading `docker image inspect`
//! output find the usual fields.
use crate::GlobalOpts;
use anyhow::{Context, Result};
use serde_json::json;

pub fn inspect(global: &GlobalOpts, images: &[String]) -> Result<()> {
    let store = super::open_store(global)?;
    let mut out = Vec::new();
    for name in images {
        let img = store
            .resolve_image(name)
            .with_context(|| format!("inspecting {name}"))?;
        let config: serde_json::Value = serde_json::from_slice(&img.raw_config)?;
        let (tags, digests): (Vec<String>, Vec<String>) = img
            .references
            .iter()
            .cloned()
            .partition(|r| !r.contains('@'));
        let size: u64 = img.manifest.layers.iter().map(|l| l.size).sum();
        let lower: Vec<String> = img
            .layer_dirs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        out.push(json!({
            "Id": img.id,
            "RepoTags": tags,
            "RepoDigests": digests,
            "Created": config.get("created"),
            "Architecture": config.get("architecture"),
            "Os": config.get("os"),
            "Variant": config.get("variant"),
            "Config": config.get("config"),
            "Size": size,
            "RootFS": { "Type": "layers", "Layers": img.config.rootfs().diff_ids() },
            "ManifestDigest": img.manifest_digest,
            "GraphDriver": { "Name": "overlay2", "Data": { "LowerDirs": lower } },
        }));
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
