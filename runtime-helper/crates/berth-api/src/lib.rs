//! The Docker Engine API over [`berth_engine::Engine`] (the contract is
//! `shared/conformance/docker-engine-api/swagger.yaml`).
//!
//! Invariants:
//! - One route file per resource ([`system`], [`containers`], [`images`]); a handler only
//!   decodes the request, calls the engine (blocking calls on tokio's blocking pool) and
//!   encodes the answer. Nothing here re-implements a verb.
//! - Every failure is an [`ApiError`]: `{"message": ...}` with the status the engine's
//!   error kind maps to ([`berth_engine::EngineError::http_status`]). Unknown paths,
//!   methods, malformed JSON and bad query values are 4xx with a message too.
//! - `/v1.NN/...` and `/...` are the same routes: the version prefix is stripped before
//!   routing.
//! - No environment variable or flag is read here: [`app`] gets the engine; host facts
//!   (uname, sysinfo, os-release) are read where `/info` and `/version` serve them.
pub mod containers;
pub mod error;
pub mod images;
pub mod system;

pub use error::ApiError;

use axum::extract::Request;
use axum::Router;
use berth_engine::Engine;
use std::collections::HashMap;
use std::sync::Arc;

/// The API version this server speaks (and the newest it accepts).
pub const API_VERSION: &str = "1.44";
/// The oldest API version a client may ask for.
pub const MIN_API_VERSION: &str = "1.24";
/// The Docker release whose API this matches (the devcontainers CLI wants >= 23).
pub const ENGINE_VERSION: &str = "25.0.0";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
}

/// The whole API, for `berth daemon` and for tests that call it without a socket.
pub fn app(engine: Arc<Engine>) -> Router {
    let state = AppState { engine };
    let routes = Router::new()
        .merge(system::routes())
        .merge(containers::routes())
        .merge(images::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    // Routing sees the path without its version (a layer on an outer router runs
    // before the inner one routes).
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::map_request(strip_version))
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "page not found: {} {}",
        req.method(),
        req.uri().path()
    ))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "method {} not allowed on {}",
            req.method(),
            req.uri().path()
        ),
    )
}

/// `/v1.44/containers/json?all=1` -> `/containers/json?all=1`.
async fn strip_version(mut req: Request) -> Request {
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix("/v") else {
        return req;
    };
    let (version, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let numeric = version.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    if !numeric {
        return req;
    }
    let mut new = format!("/{tail}");
    if let Some(q) = req.uri().query() {
        new.push('?');
        new.push_str(q);
    }
    if let Ok(uri) = new.parse() {
        *req.uri_mut() = uri;
    }
    req
}

/// A request's query as a map; a query that does not decode is a 400.
pub(crate) fn query(uri: &axum::http::Uri) -> Result<HashMap<String, String>, ApiError> {
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))
}

/// Docker's booleans in a query: `1`/`true`/`True`, `0`/`false`/empty.
pub(crate) fn flag(q: &HashMap<String, String>, key: &str) -> Result<bool, ApiError> {
    match q.get(key).map(String::as_str) {
        None | Some("") | Some("0") | Some("false") | Some("False") => Ok(false),
        Some("1") | Some("true") | Some("True") => Ok(true),
        Some(v) => Err(ApiError::bad_request(format!(
            "invalid value for {key}: {v:?} (want a boolean)"
        ))),
    }
}

/// Runs a blocking engine call on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("engine call failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_version_prefix_is_stripped() {
        let req = |p: &str| {
            Request::builder()
                .uri(p)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let s = |r: Request| r.uri().to_string();
        assert_eq!(
            s(strip_version(req("/v1.44/containers/json?all=1")).await),
            "/containers/json?all=1"
        );
        assert_eq!(s(strip_version(req("/v1.24/_ping")).await), "/_ping");
        assert_eq!(s(strip_version(req("/version")).await), "/version");
        assert_eq!(s(strip_version(req("/volumes")).await), "/volumes");
        assert_eq!(s(strip_version(req("/vx.1/info")).await), "/vx.1/info");
    }
}
