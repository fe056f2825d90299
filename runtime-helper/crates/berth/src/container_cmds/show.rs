//! ps, inspect, logs: read-only views of the records, states and logs.
use super::{engine, find, Exit, Outcome};
use crate::container::logfile;
use crate::container::record::{self, ContainerDir, Record, State, Status};
use crate::GlobalOpts;
use anyhow::Result;
use std::io::Write;
use std::time::Duration;

fn ago(ts: &str) -> String {
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

fn status_text(st: &State) -> String {
    match st.status {
        Status::Created => "Created".into(),
        Status::Running => format!("Up {}", ago(&st.started_at)),
        Status::Exited => format!("Exited ({}) {} ago", st.exit_code, ago(&st.finished_at)),
    }
}

pub(super) fn ps(global: &GlobalOpts, all: bool, quiet: bool, no_trunc: bool) -> Result<i32> {
    let mut rows = Vec::new();
    for (cd, rec) in record::list(&global.root)?.into_iter().rev() {
        let st = cd.state().unwrap_or_default();
        if !all && st.status != Status::Running {
            continue;
        }
        rows.push((rec, st));
    }
    if quiet {
        for (r, _) in rows {
            println!("{}", if no_trunc { &r.id[..] } else { &r.id[..12] });
        }
        return Ok(0);
    }
    println!(
        "{:<14}{:<20}{:<24}{:<24}{:<28}{:<8}NAMES",
        "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS"
    );
    for (r, st) in rows {
        let mut command = format!("\"{}\"", r.args.join(" "));
        if !no_trunc && command.chars().count() > 22 {
            command = format!("{}…\"", command.chars().take(20).collect::<String>());
        }
        let id = if no_trunc {
            r.id.clone()
        } else {
            r.id[..12].to_string()
        };
        println!(
            "{:<14}{:<20}{:<24}{:<24}{:<28}{:<8}{}",
            id,
            r.image,
            command,
            format!("{} ago", ago(&r.created)),
            status_text(&st),
            "",
            r.name
        );
    }
    Ok(0)
}

fn inspect_json(cd: &ContainerDir, rec: &Record) -> Result<serde_json::Value> {
    let st = cd.state()?;
    Ok(serde_json::json!({
        "Id": rec.id,
        "Created": rec.created,
        "Path": rec.path,
        "Args": rec.args.get(1..).unwrap_or_default(),
        "State": {
            "Status": st.status.as_str(),
            "Running": st.status == Status::Running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": st.oom_killed,
            "Dead": false,
            "Pid": st.pid,
            "ExitCode": st.exit_code,
            "Error": st.error,
            "StartedAt": if st.started_at.is_empty() { "0001-01-01T00:00:00Z" } else { &st.started_at },
            "FinishedAt": if st.finished_at.is_empty() { "0001-01-01T00:00:00Z" } else { &st.finished_at },
        },
        "Image": rec.image_id,
        "LogPath": cd.log_path(),
        "Name": format!("/{}", rec.name),
        "Driver": "overlay2",
        "HostConfig": {
            "Binds": rec.binds,
            "NetworkMode": rec.network,
            "AutoRemove": rec.auto_remove,
            "CapAdd": rec.cap_add,
            "CapDrop": rec.cap_drop,
            "ReadonlyRootfs": rec.read_only,
            "SecurityOpt": rec.security_opt,
            "Memory": rec.memory,
            "NanoCpus": rec.nano_cpus,
            "PidsLimit": rec.pids_limit,
        },
        "Config": {
            "Hostname": rec.hostname,
            "User": rec.user,
            "Tty": rec.tty,
            "OpenStdin": rec.open_stdin,
            "Env": rec.env,
            "Cmd": rec.cmd,
            "Image": rec.image,
            "WorkingDir": rec.working_dir,
            "Entrypoint": rec.entrypoint,
            "StopSignal": rec.stop_signal,
        },
    }))
}

/// The subset of Go templates people use with inspect: `{{.A.B}}` and `{{json .A}}`.
fn render_format(fmt: &str, v: &serde_json::Value) -> String {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let expr = rest[start + 2..start + end].trim();
        let (json, path) = match expr.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, expr),
        };
        let mut cur = v;
        for part in path
            .trim_start_matches('.')
            .split('.')
            .filter(|p| !p.is_empty())
        {
            cur = cur.get(part).unwrap_or(&serde_json::Value::Null);
        }
        out.push_str(&match (json, cur) {
            (true, c) => c.to_string(),
            (false, serde_json::Value::String(s)) => s.clone(),
            (false, serde_json::Value::Null) => "<no value>".into(),
            (false, c) => c.to_string(),
        });
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

pub(super) fn inspect(global: &GlobalOpts, keys: &[String], format: Option<&str>) -> Outcome {
    let mut values = Vec::new();
    let mut code = 0;
    for k in keys {
        match record::find(&global.root, k).and_then(|(cd, rec)| inspect_json(&cd, &rec)) {
            Ok(v) => values.push(v),
            Err(e) => {
                eprintln!("berth: {e}");
                code = 1;
            }
        }
    }
    match format {
        Some(f) => values
            .iter()
            .for_each(|v| println!("{}", render_format(f, v))),
        None => println!(
            "{}",
            serde_json::to_string_pretty(&values).unwrap_or_default()
        ),
    }
    Ok(code)
}

fn print_entry(e: &logfile::Entry, timestamps: bool) {
    let text = if timestamps {
        format!("{} {}", e.time, e.log)
    } else {
        e.log.clone()
    };
    if e.stream == "stderr" {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

pub(super) fn logs(
    global: &GlobalOpts,
    key: &str,
    follow: bool,
    timestamps: bool,
    tail: &str,
) -> Outcome {
    let (cd, _) = find(global, key)?;
    let path = cd.log_path();
    let (entries, mut offset) = logfile::read_from(&path, 0).map_err(engine)?;
    let skip = match tail {
        "all" | "-1" => 0,
        n => {
            let n: usize = n
                .parse()
                .map_err(|_| Exit(125, format!("invalid --tail value {n:?}")))?;
            entries.len().saturating_sub(n)
        }
    };
    entries[skip..]
        .iter()
        .for_each(|e| print_entry(e, timestamps));
    if !follow {
        return Ok(0);
    }
    loop {
        // Read the state before the log, so nothing written just before exit is missed.
        let running = matches!(cd.state(), Ok(st) if st.status == Status::Running);
        let (more, next) = logfile::read_from(&path, offset).map_err(engine)?;
        more.iter().for_each(|e| print_entry(e, timestamps));
        offset = next;
        if !running && more.is_empty() {
            return Ok(0);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::render_format;

    #[test]
    fn format_paths_and_json() {
        let v = serde_json::json!({"State": {"ExitCode": 137, "OOMKilled": true, "Status": "exited"}, "Config": {"Env": ["A=1"]}});
        assert_eq!(
            render_format("{{.State.ExitCode}} {{.State.OOMKilled}}", &v),
            "137 true"
        );
        assert_eq!(render_format("{{ .State.Status }}", &v), "exited");
        assert_eq!(render_format("{{json .Config.Env}}", &v), "[\"A=1\"]");
        assert_eq!(render_format("{{.Nope}}", &v), "<no value>");
    }
}
