//! `/images/...`: list and inspect, from the store the CLI shares.
use crate::{blocking, ApiError, AppState};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use berth_store::{Reference, Store};
use serde::Serialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/images/json", get(list))
        // Image names hold slashes (`library/busybox`): the rest of the path is read
        // by the handler.
        .route("/images/{*rest}", get(by_name))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageSummary {
    pub id: String,
    pub parent_id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub size: u64,
    pub shared_size: i64,
    pub labels: BTreeMap<String, String>,
    pub containers: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GraphDriver {
    pub name: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Serialize)]
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
    pub root_fs: RootFs,
    pub graph_driver: GraphDriver,
}

/// `busybox:latest` and `busybox@sha256:…` as docker prints them, tags apart from digests.
fn familiar_names(references: &[String]) -> (Vec<String>, Vec<String>) {
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

fn unix_seconds(t: Option<&str>) -> i64 {
    t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

async fn list(State(s): State<AppState>) -> Result<Json<Vec<ImageSummary>>, ApiError> {
    let engine = s.engine.clone();
    let images = blocking(move || Ok(Store::open(engine.root())?.list_images()?)).await?;
    Ok(Json(
        images
            .into_iter()
            .map(|i| {
                let (repo_tags, repo_digests) = familiar_names(&i.references);
                ImageSummary {
                    id: i.id,
                    parent_id: String::new(),
                    repo_tags,
                    repo_digests,
                    created: unix_seconds(i.created.as_deref()),
                    size: i.size,
                    shared_size: -1,
                    labels: BTreeMap::new(),
                    containers: -1,
                }
            })
            .collect(),
    ))
}

async fn by_name(
    State(s): State<AppState>,
    Path(rest): Path<String>,
) -> Result<Json<ImageInspect>, ApiError> {
    let Some(name) = rest.strip_suffix("/json").filter(|n| !n.is_empty()) else {
        return Err(ApiError::not_found(format!(
            "page not found: GET /images/{rest}"
        )));
    };
    let name = name.to_string();
    let engine = s.engine.clone();
    let img = blocking(move || {
        Store::open(engine.root())?
            .resolve_image(&name)
            .map_err(|e| match e.kind() {
                berth_store::ErrorKind::NotFound => {
                    ApiError::not_found(format!("No such image: {name}"))
                }
                _ => e.into(),
            })
    })
    .await?;
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
    Ok(Json(ImageInspect {
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
    }))
}
