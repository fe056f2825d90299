//! The OCI runtime spec for a container: Docker's defaults plus the run options.
use crate::error::{Context, Result};
use crate::options::{self, Bind, NetworkMode};
use crate::record::Record;
use berth_runtime::defaults::{MASKED_PATHS, READONLY_PATHS, SECCOMP_ANNOTATION, USER_ANNOTATION};
use serde_json::json;
use std::collections::BTreeSet;

/// The runtime spec of the container, from its record. `console` is the caller's
/// terminal size (rows, columns), for a pty of the right size from the start.
pub fn for_container(rec: &Record, console: Option<(u16, u16)>) -> Result<oci_spec::runtime::Spec> {
    let caps = rec.capabilities.resolve(&options::held_capabilities())?;
    build(rec, &caps, &rec.binds, console)
}

/// The files made for each start of the container, as Docker makes them: /etc/hostname,
/// /etc/hosts and the host's /etc/resolv.conf.
pub fn generated_files(rec: &Record) -> Vec<berth_runtime::GeneratedFile> {
    let mut hosts =
        String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if rec.network != NetworkMode::Host {
        hosts.push_str(&format!("127.0.1.1\t{}\n", rec.hostname));
    }
    let f = |path: &str, content: Vec<u8>| berth_runtime::GeneratedFile {
        path: path.into(),
        content,
    };
    vec![
        f("/etc/hostname", format!("{}\n", rec.hostname).into_bytes()),
        f("/etc/hosts", hosts.into_bytes()),
        f(
            "/etc/resolv.conf",
            std::fs::read("/etc/resolv.conf").unwrap_or_default(),
        ),
    ]
}

fn build(
    rec: &Record,
    caps: &BTreeSet<String>,
    binds: &[Bind],
    console: Option<(u16, u16)>,
) -> Result<oci_spec::runtime::Spec> {
    let mut mounts = vec![
        json!({"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}),
        json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}),
        json!({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]}),
        json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}),
    ];
    // Parents before children, so a bind at /a/b is not hidden by one at /a.
    let mut sorted: Vec<&Bind> = binds.iter().collect();
    sorted.sort_by_key(|b| b.destination.matches('/').count());
    for b in sorted {
        let mut opts = vec!["rbind", "rprivate"];
        if b.readonly {
            opts.push("ro");
        }
        mounts.push(json!({"destination": b.destination, "type": "bind", "source": b.source, "options": opts}));
    }
    let mut namespaces = vec![
        json!({"type": "pid"}),
        json!({"type": "ipc"}),
        json!({"type": "uts"}),
        json!({"type": "mount"}),
        json!({"type": "cgroup"}),
    ];
    if rec.network != NetworkMode::Host {
        namespaces.push(json!({"type": "network"}));
    }
    let caps: Vec<&String> = caps.iter().collect();
    let mut annotations = serde_json::Map::new();
    annotations.insert(USER_ANNOTATION.into(), json!(rec.user));
    if rec.security.seccomp_unconfined {
        annotations.insert(SECCOMP_ANNOTATION.into(), json!("unconfined"));
    }
    let mut spec = json!({
        "ociVersion": "1.0.2",
        "hostname": rec.hostname,
        "root": {"path": "rootfs", "readonly": rec.read_only},
        "process": {
            "terminal": rec.tty,
            "user": {"uid": 0, "gid": 0},
            "args": rec.args,
            "env": rec.env,
            "cwd": if rec.working_dir.is_empty() { "/" } else { rec.working_dir.as_str() },
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "noNewPrivileges": rec.security.no_new_privileges,
        },
        "mounts": mounts,
        "annotations": annotations,
        "linux": {
            "namespaces": namespaces,
            "maskedPaths": MASKED_PATHS,
            "readonlyPaths": READONLY_PATHS,
        },
    });
    if let (true, Some((rows, cols))) = (rec.tty, console) {
        spec["process"]["consoleSize"] = json!({"height": rows, "width": cols});
    }
    serde_json::from_value(spec).context("building the runtime spec")
}

/// docker's device cgroup allow list (v1): the standard nodes, ptys, and mknod of anything.
pub fn device_rules() -> Vec<berth_cgroups::DeviceRule> {
    let r = |kind: char, major: Option<i64>, minor: Option<i64>, access: &str| {
        berth_cgroups::DeviceRule {
            allow: true,
            kind,
            major,
            minor,
            access: access.into(),
        }
    };
    vec![
        r('c', None, None, "m"),
        r('b', None, None, "m"),
        r('c', Some(1), Some(3), "rwm"),
        r('c', Some(1), Some(5), "rwm"),
        r('c', Some(1), Some(7), "rwm"),
        r('c', Some(1), Some(8), "rwm"),
        r('c', Some(1), Some(9), "rwm"),
        r('c', Some(5), Some(0), "rwm"),
        r('c', Some(5), Some(1), "rwm"),
        r('c', Some(5), Some(2), "rwm"),
        r('c', Some(136), None, "rwm"),
    ]
}

pub fn resources(rec: &Record) -> berth_cgroups::Resources {
    berth_cgroups::Resources {
        memory: (rec.memory > 0).then_some(rec.memory),
        // docker: with --memory and no --memory-swap, swap may add as much again.
        memory_swap: (rec.memory > 0).then_some(rec.memory * 2),
        cpu_quota: (rec.nano_cpus > 0)
            .then(|| rec.nano_cpus * berth_cgroups::DEFAULT_CPU_PERIOD as i64 / 1_000_000_000),
        cpu_period: None,
        pids_limit: (rec.pids_limit != 0).then_some(rec.pids_limit),
        devices: device_rules(),
    }
}
