//! ps, inspect, logs: read-only views of the records, states and logs.
use super::{engine, Exit, Outcome};
use berth_engine::inspect::{ago, status_text};
use berth_engine::logfile::Entry;
use berth_engine::{Engine, EngineError, Status};
use std::io::Write;

pub(super) fn ps(eng: &Engine, all: bool, quiet: bool, no_trunc: bool) -> Result<i32, EngineError> {
    let mut rows = Vec::new();
    for (_, rec, st) in eng.list()? {
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

/// The subset of Go templates people use with inspect: `{{.A.B}}` and `{{json .A}}`.
/// A template that does not parse is an error, as in docker.
fn render_format(fmt: &str, v: &serde_json::Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            return Err(format!(
                "template parsing error: template: :1: unclosed action in {fmt:?}"
            ));
        };
        let expr = rest[start + 2..start + end].trim();
        let (json, path) = match expr.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, expr),
        };
        if !path.starts_with('.') {
            return Err(format!(
                "template parsing error: template: :1: function {:?} not defined",
                path.split_whitespace().next().unwrap_or(path)
            ));
        }
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
    Ok(out)
}

pub(super) fn inspect(eng: &Engine, keys: &[String], format: Option<&str>) -> Outcome {
    // docker checks the template before anything else, and exits 64 (EX_USAGE).
    if let Some(f) = format {
        render_format(f, &serde_json::Value::Null).map_err(|e| Exit(64, e))?;
    }
    let mut values = Vec::new();
    let mut code = 0;
    for k in keys {
        match eng.inspect(k) {
            Ok(v) => values.push(serde_json::to_value(v).unwrap_or_default()),
            Err(e) => {
                eprintln!("berth: {e}");
                code = 1;
            }
        }
    }
    match format {
        Some(f) => {
            for v in &values {
                println!("{}", render_format(f, v).map_err(|e| Exit(64, e))?);
            }
        }
        None => println!(
            "{}",
            serde_json::to_string_pretty(&values).unwrap_or_default()
        ),
    }
    Ok(code)
}

/// Writes one entry to our stdout or stderr; false once that output is gone.
fn print_entry(e: &Entry, timestamps: bool) -> bool {
    let text = if timestamps {
        format!("{} {}", e.time, e.log)
    } else {
        e.log.clone()
    };
    let written = if e.stream == "stderr" {
        let mut err = std::io::stderr().lock();
        err.write_all(text.as_bytes()).and_then(|_| err.flush())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|_| out.flush())
    };
    written.is_ok()
}

pub(super) fn logs(eng: &Engine, key: &str, follow: bool, timestamps: bool, tail: &str) -> Outcome {
    let tail = match tail {
        "all" | "-1" => None,
        n => Some(
            n.parse::<usize>()
                .map_err(|_| Exit(125, format!("invalid --tail value {n:?}")))?,
        ),
    };
    let logs = eng.logs(key).map_err(|e| Exit(1, e.to_string()))?;
    logs.write(tail, follow, &mut |e| print_entry(&e, timestamps))
        .map_err(engine)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::render_format;

    #[test]
    fn format_paths_and_json() {
        let v = serde_json::json!({"State": {"ExitCode": 137, "OOMKilled": true, "Status": "exited"}, "Config": {"Env": ["A=1"]}});
        let r = |f: &str| render_format(f, &v);
        assert_eq!(
            r("{{.State.ExitCode}} {{.State.OOMKilled}}").unwrap(),
            "137 true"
        );
        assert_eq!(r("{{ .State.Status }}").unwrap(), "exited");
        assert_eq!(r("{{json .Config.Env}}").unwrap(), "[\"A=1\"]");
        assert_eq!(r("{{.Nope}}").unwrap(), "<no value>");
        assert!(r("{{.Nope").unwrap_err().contains("unclosed action"));
        assert!(r("{{nope .X}}").unwrap_err().contains("not defined"));
    }
}
