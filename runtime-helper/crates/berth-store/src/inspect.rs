//! Docker's JSON for an image (`docker image inspect`), as typed structs: the CLI
//! prints it and the Engine API serves it.
use crate::{Reference, ResolvedImage};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GraphDriver {
    pub name: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub parent: String,
    pub comment: String,
    pub created: String,
    pub author: String,
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
    /// The image config's `config` object: already Docker's shape (Env, Cmd, Labels…).
    pub config: serde_json::Value,
    pub size: u64,
    #[serde(rename = "RootFS")]
    pub root_fs: RootFs,
    pub graph_driver: GraphDriver,
}

/// `busybox:latest` and `busybox@sha256:…` as docker prints them, tags apart from digests.
pub fn familiar_names(references: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut tags, mut digests) = (Vec::new(), Vec::new());
    for r in references {
        let f = Reference::parse(r)
            .map(|r| r.familiar())
            .unwrap_or_else(|_| r.clone());
        if f.contains('@') {
            digests.push(f);
        } else {
            tags.push(f);
        }
    }
    (tags, digests)
}

pub fn inspect(img: &ResolvedImage) -> ImageInspect {
    let raw: serde_json::Value = serde_json::from_slice(&img.raw_config).unwrap_or_default();
    let text = |k: &str| {
        raw.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let (repo_tags, repo_digests) = familiar_names(&img.references);
    let lower = img
        .layer_dirs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    ImageInspect {
        id: img.id.clone(),
        repo_tags,
        repo_digests,
        parent: String::new(),
        comment: String::new(),
        created: text("created"),
        author: text("author"),
        architecture: text("architecture"),
        os: text("os"),
        variant: raw
            .get("variant")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        config: raw.get("config").cloned().unwrap_or_default(),
        size: img.manifest.layers.iter().map(|l| l.size).sum(),
        root_fs: RootFs {
            kind: "layers".into(),
            layers: img.config.rootfs().diff_ids().clone(),
        },
        graph_driver: GraphDriver {
            name: "overlay2".into(),
            data: BTreeMap::from([("LowerDir".to_string(), lower)]),
        },
    }
}
