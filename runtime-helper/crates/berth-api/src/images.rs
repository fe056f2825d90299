//! `/images/...`: list and inspect, from the store the CLI shares.
use crate::{blocking, ApiError, AppState};
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use berth_store::inspect::familiar_names;
use berth_store::Store;
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
) -> Result<Json<berth_store::inspect::ImageInspect>, ApiError> {
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
    Ok(Json(berth_store::inspect::inspect(&img)))
}
