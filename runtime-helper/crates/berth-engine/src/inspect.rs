//! Docker's JSON for a container (`docker inspect`), as typed structs: the CLI prints
//! it, the Engine API will serve it, the extension parses it.
use crate::record::{ContainerDir, Record, State, Status};
use serde::Serialize;

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerInspect {
    pub id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: ContainerState,
    pub image: String,
    pub log_path: String,
    pub name: String,
    pub driver: String,
    pub host_config: HostConfig,
    pub config: ContainerConfig,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerState {
    pub status: String,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i32,
    pub exit_code: i32,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogConfigJson {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Config")]
    pub config: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    pub binds: Vec<String>,
    pub network_mode: String,
    pub auto_remove: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub readonly_rootfs: bool,
    pub security_opt: Vec<String>,
    pub memory: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub log_config: LogConfigJson,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    pub hostname: String,
    pub user: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub image: String,
    pub working_dir: String,
    pub entrypoint: Vec<String>,
    pub stop_signal: String,
    pub labels: std::collections::BTreeMap<String, String>,
}

fn time_or_zero(t: &str) -> String {
    if t.is_empty() {
        ZERO_TIME.into()
    } else {
        t.into()
    }
}

pub fn inspect(cd: &ContainerDir, rec: &Record, st: &State) -> ContainerInspect {
    let mut log = std::collections::BTreeMap::new();
    if rec.log.max_size > 0 {
        log.insert("max-size".to_string(), rec.log.max_size.to_string());
    }
    log.insert("max-file".to_string(), rec.log.max_file.to_string());
    ContainerInspect {
        id: rec.id.clone(),
        created: rec.created.clone(),
        path: rec.path.clone(),
        args: rec.args.get(1..).unwrap_or_default().to_vec(),
        state: ContainerState {
            status: st.status.as_str().into(),
            running: st.status == Status::Running,
            paused: false,
            restarting: false,
            oom_killed: st.oom_killed,
            dead: false,
            pid: st.pid,
            exit_code: st.exit_code,
            error: st.error.clone(),
            started_at: time_or_zero(&st.started_at),
            finished_at: time_or_zero(&st.finished_at),
        },
        image: rec.image_id.clone(),
        log_path: cd.log_path().to_string_lossy().into_owned(),
        name: format!("/{}", rec.name),
        driver: "overlay2".into(),
        host_config: HostConfig {
            binds: rec
                .binds
                .iter()
                .map(|b| {
                    let mode = if b.readonly { ":ro" } else { "" };
                    format!("{}:{}{mode}", b.source, b.destination)
                })
                .collect(),
            network_mode: rec.network.as_str().into(),
            auto_remove: rec.auto_remove,
            cap_add: rec.capabilities.add.clone(),
            cap_drop: rec.capabilities.drop.clone(),
            readonly_rootfs: rec.read_only,
            security_opt: rec.security.to_strings(),
            memory: rec.memory,
            nano_cpus: rec.nano_cpus,
            pids_limit: rec.pids_limit,
            log_config: LogConfigJson {
                kind: "json-file".into(),
                config: log,
            },
        },
        config: ContainerConfig {
            hostname: rec.hostname.clone(),
            user: rec.user.clone(),
            tty: rec.tty,
            open_stdin: rec.open_stdin,
            env: rec.env.clone(),
            cmd: rec.cmd.clone(),
            image: rec.image.clone(),
            working_dir: rec.working_dir.clone(),
            entrypoint: rec.entrypoint.clone(),
            stop_signal: rec.stop_signal.clone(),
            labels: rec.labels.clone(),
        },
    }
}

/// How long ago `ts` (RFC 3339) was, in docker's words ("5 seconds", "About an hour").
pub fn ago(ts: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(ts) else {
        return String::new();
    };
    let s = (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
        .num_seconds()
        .max(0);
    match s {
        0..=1 => "Less than a second".into(),
        2..=59 => format!("{s} seconds"),
        60..=119 => "About a minute".into(),
        120..=3599 => format!("{} minutes", s / 60),
        3600..=7199 => "About an hour".into(),
        7200..=172_799 => format!("{} hours", s / 3600),
        _ => format!("{} days", s / 86400),
    }
}

/// `ps`'s STATUS column: "Up 5 seconds", "Exited (0) 2 minutes ago", "Created".
pub fn status_text(st: &State) -> String {
    match st.status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", ago(&st.started_at)),
        // A container whose shim died has no known exit time.
        Status::Exited if st.finished_at.is_empty() => format!("Exited ({})", st.exit_code),
        Status::Exited => format!("Exited ({}) {} ago", st.exit_code, ago(&st.finished_at)),
    }
}

/// One row of docker's container list (`GET /containers/json`, `ps --format json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerSummary {
    pub id: String,
    pub names: Vec<String>,
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    pub command: String,
    /// Unix seconds.
    pub created: i64,
    pub ports: Vec<serde_json::Value>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub state: String,
    pub status: String,
    pub host_config: SummaryHostConfig,
    pub network_settings: SummaryNetworkSettings,
    pub mounts: Vec<MountPoint>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SummaryHostConfig {
    pub network_mode: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SummaryNetworkSettings {
    pub networks: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountPoint {
    #[serde(rename = "Type")]
    pub kind: String,
    pub source: String,
    pub destination: String,
    pub mode: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    pub propagation: String,
}

pub fn summary(rec: &Record, st: &State) -> ContainerSummary {
    ContainerSummary {
        id: rec.id.clone(),
        names: vec![format!("/{}", rec.name)],
        image: rec.image.clone(),
        image_id: rec.image_id.clone(),
        command: rec.args.join(" "),
        created: chrono::DateTime::parse_from_rfc3339(&rec.created)
            .map(|t| t.timestamp())
            .unwrap_or(0),
        ports: Vec::new(),
        labels: rec.labels.clone(),
        state: st.status.as_str().into(),
        status: status_text(st),
        host_config: SummaryHostConfig {
            network_mode: rec.network.as_str().into(),
        },
        network_settings: SummaryNetworkSettings {
            networks: Default::default(),
        },
        mounts: rec
            .binds
            .iter()
            .map(|b| MountPoint {
                kind: "bind".into(),
                source: b.source.clone(),
                destination: b.destination.clone(),
                mode: if b.readonly { "ro" } else { "" }.into(),
                rw: !b.readonly,
                propagation: "rprivate".into(),
            })
            .collect(),
    }
}
