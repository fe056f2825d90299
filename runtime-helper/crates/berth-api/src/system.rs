//! `/_ping`, `/version`, `/info`: what clients ask before anything else (the docker CLI
//! negotiates its API version from `_ping`'s `Api-Version` header).
use crate::{blocking, ApiError, AppState, API_VERSION, ENGINE_VERSION, MIN_API_VERSION};
use axum::extract::State;
use axum::http::header::{HeaderName, HeaderValue, CACHE_CONTROL, PRAGMA};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use berth_engine::Status;
use serde::Serialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        // `get` answers HEAD too (without the body).
        .route("/_ping", get(ping))
        .route("/version", get(version))
        .route("/info", get(info))
}

async fn ping() -> impl IntoResponse {
    (
        [
            (
                HeaderName::from_static("api-version"),
                HeaderValue::from_static(API_VERSION),
            ),
            (
                HeaderName::from_static("ostype"),
                HeaderValue::from_static("linux"),
            ),
            (
                HeaderName::from_static("builder-version"),
                HeaderValue::from_static("1"),
            ),
            (
                CACHE_CONTROL,
                HeaderValue::from_static("no-cache, no-store, must-revalidate"),
            ),
            (PRAGMA, HeaderValue::from_static("no-cache")),
        ],
        "OK",
    )
}

/// The host facts both `/version` and `/info` report.
struct Host {
    kernel: String,
    arch: String,
    hostname: String,
}

fn host() -> Host {
    match nix::sys::utsname::uname() {
        Ok(u) => Host {
            kernel: u.release().to_string_lossy().into_owned(),
            arch: u.machine().to_string_lossy().into_owned(),
            hostname: u.nodename().to_string_lossy().into_owned(),
        },
        Err(_) => Host {
            kernel: String::new(),
            arch: std::env::consts::ARCH.into(),
            hostname: String::new(),
        },
    }
}

/// Go's name for an architecture (what docker reports).
fn go_arch(machine: &str) -> &str {
    match machine {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        m => m,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Platform {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Component {
    name: String,
    version: String,
    details: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Version {
    platform: Platform,
    components: Vec<Component>,
    version: String,
    api_version: String,
    #[serde(rename = "MinAPIVersion")]
    min_api_version: String,
    git_commit: String,
    go_version: String,
    os: String,
    arch: String,
    kernel_version: String,
    build_time: String,
}

async fn version() -> Json<Version> {
    let h = host();
    let arch = go_arch(&h.arch).to_string();
    let details = BTreeMap::from([
        ("ApiVersion".to_string(), API_VERSION.to_string()),
        ("MinAPIVersion".to_string(), MIN_API_VERSION.to_string()),
        ("Os".to_string(), "linux".to_string()),
        ("Arch".to_string(), arch.clone()),
        ("KernelVersion".to_string(), h.kernel.clone()),
        ("GitCommit".to_string(), String::new()),
    ]);
    Json(Version {
        platform: Platform {
            name: "Berth Engine".into(),
        },
        components: vec![Component {
            name: "Engine".into(),
            version: ENGINE_VERSION.into(),
            details,
        }],
        version: ENGINE_VERSION.into(),
        api_version: API_VERSION.into(),
        min_api_version: MIN_API_VERSION.into(),
        git_commit: String::new(),
        go_version: String::new(),
        os: "linux".into(),
        arch,
        kernel_version: h.kernel,
        build_time: String::new(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Swarm {
    #[serde(rename = "NodeID")]
    node_id: String,
    node_addr: String,
    local_node_state: String,
    control_available: bool,
    error: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Plugins {
    volume: Vec<String>,
    network: Vec<String>,
    log: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Runtime {
    path: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Info {
    #[serde(rename = "ID")]
    id: String,
    containers: usize,
    containers_running: usize,
    containers_paused: usize,
    containers_stopped: usize,
    images: usize,
    driver: String,
    driver_status: Vec<[String; 2]>,
    plugins: Plugins,
    memory_limit: bool,
    swap_limit: bool,
    cpu_cfs_period: bool,
    cpu_cfs_quota: bool,
    pids_limit: bool,
    #[serde(rename = "IPv4Forwarding")]
    ipv4_forwarding: bool,
    debug: bool,
    logging_driver: String,
    cgroup_driver: String,
    cgroup_version: String,
    kernel_version: String,
    operating_system: String,
    #[serde(rename = "OSType")]
    os_type: String,
    architecture: String,
    #[serde(rename = "NCPU")]
    ncpu: usize,
    mem_total: u64,
    docker_root_dir: String,
    name: String,
    labels: Vec<String>,
    experimental_build: bool,
    server_version: String,
    runtimes: BTreeMap<String, Runtime>,
    default_runtime: String,
    swarm: Swarm,
    live_restore_enabled: bool,
    isolation: String,
    init_binary: String,
    security_options: Vec<String>,
    warnings: Vec<String>,
}

/// PRETTY_NAME from os-release, as docker reports the host's system.
fn operating_system() -> String {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "Linux".into())
}

/// "2" on a pure cgroup v2 host (`cgroup.controllers` at the root), else "1" (v1 or
/// hybrid, where the engine's limits go through the v1 controllers).
fn cgroup_version() -> &'static str {
    let root = std::path::Path::new(berth_engine::record::CGROUP_ROOT);
    if root.join("cgroup.controllers").is_file() {
        "2"
    } else {
        "1"
    }
}

async fn info(State(s): State<AppState>) -> Result<Json<Info>, ApiError> {
    let engine = s.engine.clone();
    let (containers, images) = blocking(move || {
        let containers = engine.list()?;
        let images = berth_store::Store::open(engine.root())?.list_images()?;
        Ok((containers, images.len()))
    })
    .await?;
    let running = containers
        .iter()
        .filter(|(_, _, st)| st.status == Status::Running)
        .count();
    let h = host();
    let mem_total = nix::sys::sysinfo::sysinfo()
        .map(|i| i.ram_total())
        .unwrap_or(0);
    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let root = s.engine.root().display().to_string();
    Ok(Json(Info {
        id: format!("berth:{}", h.hostname),
        containers: containers.len(),
        containers_running: running,
        containers_paused: 0,
        containers_stopped: containers.len() - running,
        images,
        driver: "overlay2".into(),
        driver_status: vec![["Backing Filesystem".into(), "overlayfs".into()]],
        plugins: Plugins {
            volume: vec![],
            network: vec!["host".into(), "none".into()],
            log: vec!["json-file".into()],
        },
        memory_limit: true,
        swap_limit: false,
        cpu_cfs_period: true,
        cpu_cfs_quota: true,
        pids_limit: true,
        ipv4_forwarding: false,
        debug: false,
        logging_driver: "json-file".into(),
        cgroup_driver: "cgroupfs".into(),
        cgroup_version: cgroup_version().into(),
        kernel_version: h.kernel,
        operating_system: operating_system(),
        os_type: "linux".into(),
        architecture: h.arch,
        ncpu,
        mem_total,
        docker_root_dir: root,
        name: h.hostname,
        labels: vec![],
        experimental_build: false,
        server_version: crate::ENGINE_VERSION.into(),
        runtimes: BTreeMap::from([(
            "berth".to_string(),
            Runtime {
                path: "berth".into(),
            },
        )]),
        default_runtime: "berth".into(),
        swarm: Swarm {
            node_id: String::new(),
            node_addr: String::new(),
            local_node_state: "inactive".into(),
            control_available: false,
            error: String::new(),
        },
        live_restore_enabled: false,
        isolation: String::new(),
        init_binary: String::new(),
        security_options: vec!["name=seccomp,profile=builtin".into()],
        warnings: vec![],
    }))
}
