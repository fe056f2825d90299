//! `/containers/...`: create, list, inspect, start, stop, kill, wait, remove, logs.
//! Each handler decodes Docker's request into the engine's typed options, calls the
//! engine on the blocking pool and encodes Docker's answer.
use crate::{blocking, flag, query, ApiError, AppState};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use berth_engine::inspect::{summary, ContainerInspect, ContainerSummary};
use berth_engine::options::{self, Capabilities, NetworkMode, Security};
use berth_engine::{Attach, CreateOptions, Engine, Status, WaitCondition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/containers/json", get(list))
        .route("/containers/create", post(create))
        .route("/containers/{id}/json", get(inspect))
        .route("/containers/{id}/start", post(start))
        .route("/containers/{id}/stop", post(stop))
        .route("/containers/{id}/kill", post(kill))
        .route("/containers/{id}/wait", post(wait))
        .route("/containers/{id}/logs", get(logs))
        .route("/containers/{id}", delete(remove))
}

/// Docker's `filters` query: `{"label":["a=b"]}`, or the older `{"label":{"a=b":true}}`.
pub fn parse_filters(raw: Option<&String>) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Values {
        List(Vec<String>),
        Set(BTreeMap<String, bool>),
    }
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let parsed: BTreeMap<String, Values> = serde_json::from_str(raw)
        .map_err(|e| ApiError::bad_request(format!("invalid filters {raw:?}: {e}")))?;
    Ok(parsed
        .into_iter()
        .map(|(k, v)| {
            let vals = match v {
                Values::List(l) => l,
                Values::Set(s) => s
                    .into_iter()
                    .filter(|(_, on)| *on)
                    .map(|(k, _)| k)
                    .collect(),
            };
            (k, vals)
        })
        .collect())
}

/// Docker's name filter is a regular expression; this takes its common forms: a
/// substring, `^prefix`, `suffix$`, `^exact$` (with or without the leading slash).
fn name_matches(pattern: &str, name: &str) -> bool {
    let full = format!("/{name}");
    let (anchored_start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (anchored_end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    [name, full.as_str()]
        .iter()
        .any(|n| match (anchored_start, anchored_end) {
            (true, true) => *n == p,
            (true, false) => n.starts_with(p),
            (false, true) => n.ends_with(p),
            (false, false) => n.contains(p),
        })
}

fn label_matches(want: &str, labels: &BTreeMap<String, String>) -> bool {
    match want.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
        None => labels.contains_key(want),
    }
}

/// Whether a container passes every filter (values of one filter are alternatives).
fn passes(f: &BTreeMap<String, Vec<String>>, s: &ContainerSummary) -> bool {
    f.iter().all(|(key, vals)| match key.as_str() {
        "label" => vals.iter().all(|v| label_matches(v, &s.labels)),
        "name" => vals
            .iter()
            .any(|v| name_matches(v, s.names[0].trim_start_matches('/'))),
        "id" => vals.iter().any(|v| s.id.starts_with(v.as_str())),
        "status" => vals.contains(&s.state),
        _ => true,
    })
}

async fn list(
    State(s): State<AppState>,
    uri: Uri,
) -> Result<Json<Vec<ContainerSummary>>, ApiError> {
    let q = query(&uri)?;
    let filters = parse_filters(q.get("filters"))?;
    for key in filters.keys() {
        if !["label", "name", "id", "status"].contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!("invalid filter '{key}'")));
        }
    }
    // A status filter lists stopped containers too (as docker does).
    let all = flag(&q, "all")? || filters.contains_key("status");
    let limit: Option<usize> = match q.get("limit").map(String::as_str) {
        None | Some("") | Some("-1") | Some("0") => None,
        Some(n) => Some(
            n.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid limit {n:?}")))?,
        ),
    };
    let engine = s.engine.clone();
    let rows = blocking(move || Ok(engine.list()?)).await?;
    let mut out: Vec<ContainerSummary> = rows
        .iter()
        .filter(|(_, _, st)| all || st.status == Status::Running)
        .map(|(_, rec, st)| summary(rec, st))
        .filter(|s| passes(&filters, s))
        .collect();
    if let Some(n) = limit {
        out.truncate(n);
    }
    Ok(Json(out))
}

async fn inspect(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ContainerInspect>, ApiError> {
    let engine = s.engine.clone();
    Ok(Json(blocking(move || Ok(engine.inspect(&id)?)).await?))
}

/// `Cmd` and `Entrypoint` are a list or a single string.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum StrSlice {
    One(String),
    Many(Vec<String>),
}

impl StrSlice {
    fn into_vec(self) -> Vec<String> {
        match self {
            StrSlice::One(s) => vec![s],
            StrSlice::Many(v) => v,
        }
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase", default)]
struct LogConfigBody {
    #[serde(rename = "Type")]
    kind: String,
    config: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase", default)]
struct HostConfigBody {
    auto_remove: bool,
    binds: Option<Vec<String>>,
    network_mode: Option<String>,
    memory: Option<i64>,
    nano_cpus: Option<i64>,
    pids_limit: Option<i64>,
    cap_add: Option<Vec<String>>,
    cap_drop: Option<Vec<String>>,
    security_opt: Option<Vec<String>>,
    readonly_rootfs: bool,
    log_config: Option<LogConfigBody>,
}

/// The body of `POST /containers/create`; unknown fields are ignored, as Docker does.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase", default)]
struct CreateBody {
    image: Option<String>,
    cmd: Option<StrSlice>,
    entrypoint: Option<StrSlice>,
    env: Option<Vec<String>>,
    working_dir: Option<String>,
    user: Option<String>,
    hostname: Option<String>,
    tty: bool,
    open_stdin: bool,
    labels: Option<BTreeMap<String, String>>,
    host_config: Option<HostConfigBody>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateResponse {
    id: String,
    warnings: Vec<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Docker's spellings into the engine's options, and the warnings to hand back.
fn create_options(
    name: Option<String>,
    b: CreateBody,
) -> Result<(CreateOptions, Vec<String>), ApiError> {
    let mut warnings = Vec::new();
    let image =
        non_empty(b.image).ok_or_else(|| ApiError::bad_request("no image given (Image)"))?;
    let hc = b.host_config.unwrap_or_default();
    let network = match hc.network_mode.as_deref().unwrap_or("") {
        // No bridge network yet: such a container gets its own network namespace with
        // loopback only (`none`), and the client is told so.
        "" | "default" | "bridge" => {
            warnings.push(
                "bridge networking is not supported yet by berth: the container gets network mode \"none\" (loopback only)".into(),
            );
            NetworkMode::None
        }
        m => NetworkMode::parse(m)?,
    };
    let binds = hc
        .binds
        .unwrap_or_default()
        .iter()
        .map(|v| options::parse_bind(v))
        .collect::<Result<Vec<_>, _>>()?;
    let log = match hc.log_config {
        None => Default::default(),
        Some(l) => {
            if !["", "json-file", "local"].contains(&l.kind.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "log driver {:?} is not supported (json-file only)",
                    l.kind
                )));
            }
            let opts: Vec<String> = l
                .config
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            options::parse_log_opts(&opts)?
        }
    };
    let positive = |v: Option<i64>| v.filter(|v| *v > 0).unwrap_or(0);
    let opts = CreateOptions {
        image,
        name,
        cmd: b.cmd.map(StrSlice::into_vec).unwrap_or_default(),
        // `[""]` is how the docker CLI clears the image's entrypoint.
        entrypoint: b.entrypoint.map(|e| {
            let v = e.into_vec();
            if v.len() == 1 && v[0].is_empty() {
                Vec::new()
            } else {
                v
            }
        }),
        // A bare `K` unsets K in Docker's API: nothing to look up here.
        env: options::parse_env(&b.env.unwrap_or_default(), |_| None)?,
        working_dir: non_empty(b.working_dir),
        user: non_empty(b.user),
        hostname: non_empty(b.hostname),
        tty: b.tty,
        open_stdin: b.open_stdin,
        auto_remove: hc.auto_remove,
        binds,
        network,
        read_only: hc.readonly_rootfs,
        capabilities: Capabilities::parse(
            &hc.cap_add.unwrap_or_default(),
            &hc.cap_drop.unwrap_or_default(),
        )?,
        security: Security::parse(&hc.security_opt.unwrap_or_default())?,
        memory: positive(hc.memory),
        nano_cpus: positive(hc.nano_cpus),
        pids_limit: positive(hc.pids_limit),
        log,
        labels: b.labels.unwrap_or_default(),
    };
    Ok((opts, warnings))
}

async fn create(State(s): State<AppState>, uri: Uri, body: Bytes) -> Result<Response, ApiError> {
    let q = query(&uri)?;
    let body: CreateBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?;
    let name = q
        .get("name")
        .filter(|n| !n.is_empty())
        .map(|n| n.trim_start_matches('/').to_string());
    let (opts, warnings) = create_options(name, body)?;
    let engine = s.engine.clone();
    let id = blocking(move || Ok(engine.create(opts)?.record.id)).await?;
    Ok((StatusCode::CREATED, Json(CreateResponse { id, warnings })).into_response())
}

/// Starts a container detached. The daemon is the shim's parent: a thread reaps it.
fn start_detached(engine: &Engine, id: &str) -> Result<StatusCode, ApiError> {
    let mut started = engine.start(id, Attach::default())?;
    let Some(mut shim) = started.shim.take() else {
        // It was running already.
        return Ok(StatusCode::NOT_MODIFIED);
    };
    std::thread::spawn(move || {
        let _ = shim.wait();
    });
    Ok(StatusCode::NO_CONTENT)
}

async fn start(State(s): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let engine = s.engine.clone();
    blocking(move || start_detached(&engine, &id)).await
}

async fn stop(
    State(s): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<StatusCode, ApiError> {
    let q = query(&uri)?;
    let secs: i64 = match q.get("t").map(String::as_str) {
        None | Some("") => 10,
        Some(t) => t
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid t {t:?} (want seconds)")))?,
    };
    // A negative timeout waits for ever in docker; a day is long enough here.
    let timeout = Duration::from_secs(if secs < 0 { 86_400 } else { secs as u64 });
    let engine = s.engine.clone();
    blocking(move || {
        Ok(if engine.stop(&id, timeout)? {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_MODIFIED
        })
    })
    .await
}

async fn kill(
    State(s): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<StatusCode, ApiError> {
    let q = query(&uri)?;
    let sig = match q.get("signal").map(String::as_str) {
        None | Some("") => nix::sys::signal::Signal::SIGKILL,
        Some(sig) => options::parse_signal(sig)?,
    };
    let engine = s.engine.clone();
    blocking(move || {
        engine.kill(&id, sig)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WaitError {
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct WaitResponse {
    status_code: i32,
    error: Option<WaitError>,
}

/// The status line and headers go out at once, the body when the condition holds:
/// the docker CLI sends this request before `start` and waits for the headers.
async fn wait(
    State(s): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = query(&uri)?;
    let condition = WaitCondition::parse(q.get("condition").map(String::as_str).unwrap_or(""))?;
    let engine = s.engine.clone();
    // A container that does not exist is a 404, before any header is sent.
    let id = {
        let engine = engine.clone();
        blocking(move || Ok(engine.find(&id)?.1.id)).await?
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::task::spawn_blocking(move || {
        let answer = match engine.wait_for(&id, condition) {
            Ok(code) => WaitResponse {
                status_code: code,
                error: None,
            },
            Err(e) => WaitResponse {
                status_code: -1,
                error: Some(WaitError {
                    message: e.to_string(),
                }),
            },
        };
        let _ = tx.blocking_send(Ok(Bytes::from(
            serde_json::to_vec(&answer).unwrap_or_default(),
        )));
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
        .into_response())
}

async fn remove(
    State(s): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<StatusCode, ApiError> {
    let q = query(&uri)?;
    let force = flag(&q, "force")?;
    // `v` (remove anonymous volumes) is checked, but there are no volumes yet.
    flag(&q, "v")?;
    let engine = s.engine.clone();
    blocking(move || {
        engine.remove(&id, force)?;
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// What `GET /containers/{id}/logs` was asked for.
struct LogQuery {
    stdout: bool,
    stderr: bool,
    follow: bool,
    timestamps: bool,
    tail: Option<usize>,
}

fn log_query(q: &HashMap<String, String>) -> Result<LogQuery, ApiError> {
    let tail = match q.get("tail").map(String::as_str) {
        None | Some("") | Some("all") | Some("-1") => None,
        Some(n) => Some(
            n.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid tail {n:?}")))?,
        ),
    };
    Ok(LogQuery {
        stdout: flag(q, "stdout")?,
        stderr: flag(q, "stderr")?,
        follow: flag(q, "follow")?,
        timestamps: flag(q, "timestamps")?,
        tail,
    })
}

/// One log entry as the client reads it: raw for a tty container, else in Docker's
/// 8-byte multiplexed frame (stream, 0, 0, 0, big-endian length).
fn encode_entry(e: &berth_engine::logfile::Entry, lq: &LogQuery, tty: bool) -> Option<Vec<u8>> {
    let stderr = e.stream == "stderr";
    if (stderr && !lq.stderr) || (!stderr && !lq.stdout) {
        return None;
    }
    let mut text = Vec::new();
    if lq.timestamps {
        text.extend_from_slice(e.time.as_bytes());
        text.push(b' ');
    }
    text.extend_from_slice(e.log.as_bytes());
    if tty {
        return Some(text);
    }
    let mut frame = Vec::with_capacity(8 + text.len());
    frame.push(if stderr { 2 } else { 1 });
    frame.extend_from_slice(&[0, 0, 0]);
    frame.extend_from_slice(&(text.len() as u32).to_be_bytes());
    frame.extend_from_slice(&text);
    Some(frame)
}

async fn logs(
    State(s): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let lq = log_query(&query(&uri)?)?;
    if !lq.stdout && !lq.stderr {
        return Err(ApiError::bad_request(
            "you must choose at least one stream (stdout or stderr)",
        ));
    }
    let engine: Arc<Engine> = s.engine.clone();
    // Opened here, so a missing container is an error status rather than an empty stream.
    let logs = blocking(move || Ok(engine.logs(&id)?)).await?;
    let tty = logs.record.tty;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::task::spawn_blocking(move || {
        let written = logs.write(
            lq.tail,
            lq.follow,
            &mut |e| match encode_entry(&e, &lq, tty) {
                Some(b) => tx.blocking_send(Ok(Bytes::from(b))).is_ok(),
                None => true,
            },
        );
        if let Err(e) = written {
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let content_type = if tty {
        "application/vnd.docker.raw-stream"
    } else {
        "application/vnd.docker.multiplexed-stream"
    };
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_in_both_encodings() {
        let f = parse_filters(Some(
            &r#"{"label":["a=b"],"status":{"running":true}}"#.to_string(),
        ))
        .unwrap();
        assert_eq!(f["label"], vec!["a=b"]);
        assert_eq!(f["status"], vec!["running"]);
        assert!(parse_filters(Some(&"{".to_string())).is_err());
        assert!(parse_filters(None).unwrap().is_empty());
    }

    #[test]
    fn names_and_labels() {
        assert!(name_matches("web", "my-web-1"));
        assert!(name_matches("^/web$", "web"));
        assert!(name_matches("^web", "web-1"));
        assert!(!name_matches("^web$", "web-1"));
        let l = BTreeMap::from([("a".to_string(), "b".to_string())]);
        assert!(label_matches("a", &l) && label_matches("a=b", &l));
        assert!(!label_matches("a=c", &l) && !label_matches("x", &l));
    }

    #[test]
    fn frames_are_docker_multiplexed() {
        let e = berth_engine::logfile::Entry {
            log: "hi\n".into(),
            stream: "stderr".into(),
            time: "T".into(),
        };
        let lq = LogQuery {
            stdout: true,
            stderr: true,
            follow: false,
            timestamps: false,
            tail: None,
        };
        assert_eq!(
            encode_entry(&e, &lq, false).unwrap(),
            b"\x02\0\0\0\0\0\0\x03hi\n"
        );
        assert_eq!(encode_entry(&e, &lq, true).unwrap(), b"hi\n");
        let only_out = LogQuery {
            stderr: false,
            ..lq
        };
        assert!(encode_entry(&e, &only_out, false).is_none());
    }

    #[test]
    fn create_bodies() {
        let b: CreateBody = serde_json::from_str(
            r#"{"Image":"busybox","Cmd":"true","Entrypoint":[""],"Unknown":1,
                "HostConfig":{"NetworkMode":"host","PidsLimit":-1,"Memory":0}}"#,
        )
        .unwrap();
        let (o, w) = create_options(Some("x".into()), b).unwrap();
        assert_eq!(
            (o.cmd, o.entrypoint),
            (vec!["true".to_string()], Some(vec![]))
        );
        assert_eq!(
            (o.network, o.pids_limit, o.memory),
            (NetworkMode::Host, 0, 0)
        );
        assert!(w.is_empty());
        let b: CreateBody =
            serde_json::from_str(r#"{"Image":"busybox","HostConfig":{"NetworkMode":"default"}}"#)
                .unwrap();
        let (o, w) = create_options(None, b).unwrap();
        assert_eq!(o.network, NetworkMode::None);
        assert_eq!(w.len(), 1);
        let b: CreateBody = serde_json::from_str(r#"{"Image":""}"#).unwrap();
        assert_eq!(
            create_options(None, b).unwrap_err().status(),
            StatusCode::BAD_REQUEST
        );
    }
}
