//! Parsing and checking `run` options the way docker does, before anything is created.
use anyhow::{bail, Result};
use berth_runtime::defaults::DEFAULT_CAPS;
use std::collections::BTreeSet;

/// `64m`, `1g`, `512k`, `100` (bytes), `1.5g`, `64MiB`... (docker's RAMInBytes).
pub fn parse_memory(s: &str) -> Result<i64> {
    let t = s.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: i64 = match unit.trim_end_matches('b').trim_end_matches('i') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => bail!("invalid size: {s:?}"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid size: {s:?}"))?;
    if !n.is_finite() || n < 0.0 {
        bail!("invalid size: {s:?}");
    }
    Ok((n * mult as f64) as i64)
}

/// Memory limit with docker's floor.
pub fn check_memory(bytes: i64) -> Result<i64> {
    if bytes > 0 && bytes < 6 * 1024 * 1024 {
        bail!("Minimum memory limit allowed is 6MB");
    }
    Ok(bytes)
}

/// `--cpus 0.5` -> nano CPUs, bounded by the CPUs this host has.
pub fn parse_cpus(s: &str, host_cpus: usize) -> Result<i64> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid argument {s:?} for \"--cpus\" flag"))?;
    if !(0.01..=host_cpus as f64).contains(&v) {
        bail!("range of CPUs is from 0.01 to {host_cpus}.00, as there are only {host_cpus} CPUs available");
    }
    Ok((v * 1e9) as i64)
}

fn normalize_cap(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    if up == "ALL" || up.starts_with("CAP_") {
        up
    } else {
        format!("CAP_{up}")
    }
}

/// Docker's default set with --cap-add / --cap-drop applied (both accept ALL).
pub fn capabilities(add: &[String], drop: &[String]) -> Result<BTreeSet<String>> {
    let known: BTreeSet<String> = caps::all().iter().map(|c| c.to_string()).collect();
    let mut set: BTreeSet<String> = DEFAULT_CAPS.iter().map(|s| s.to_string()).collect();
    let check = |c: &String| -> Result<()> {
        if c != "ALL" && !known.contains(c) {
            bail!("unknown capability: {c:?}");
        }
        Ok(())
    };
    let add: Vec<String> = add.iter().map(|c| normalize_cap(c)).collect();
    let drop: Vec<String> = drop.iter().map(|c| normalize_cap(c)).collect();
    add.iter().chain(&drop).try_for_each(check)?;
    if drop.iter().any(|c| c == "ALL") {
        set.clear();
    }
    for c in &drop {
        set.remove(c);
    }
    if add.iter().any(|c| c == "ALL") {
        set.extend(known.iter().cloned());
    }
    for c in add.iter().filter(|c| *c != "ALL") {
        set.insert(c.clone());
    }
    Ok(set)
}

/// `--security-opt` spellings docker accepts for the two options supported here.
pub const NO_NEW_PRIVILEGES: &[&str] = &[
    "no-new-privileges",
    "no-new-privileges:true",
    "no-new-privileges=true",
];
pub const SECCOMP_UNCONFINED: &[&str] = &["seccomp=unconfined", "seccomp:unconfined"];

/// `-v SRC:DST[:ro|rw]`: an absolute host path onto an absolute container path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub source: String,
    pub destination: String,
    pub readonly: bool,
}

pub fn parse_bind(s: &str) -> Result<Bind> {
    let parts: Vec<&str> = s.split(':').collect();
    let (src, dst, mode) = match parts.as_slice() {
        [src, dst] => (*src, *dst, ""),
        [src, dst, mode] => (*src, *dst, *mode),
        _ => bail!("invalid volume specification: {s:?}"),
    };
    if !src.starts_with('/') {
        bail!("invalid volume specification: {s:?}: the source must be an absolute host path (named volumes are not supported)");
    }
    if !dst.starts_with('/') || dst.split('/').any(|c| c == "..") {
        bail!("invalid volume specification: {s:?}: the destination must be an absolute path without ..");
    }
    let readonly = match mode {
        "" | "rw" => false,
        "ro" => true,
        m => bail!("invalid volume specification: {s:?}: unknown mode {m:?}"),
    };
    if !std::path::Path::new(src).exists() {
        bail!("invalid volume specification: {s:?}: {src} does not exist");
    }
    Ok(Bind {
        source: src.into(),
        destination: dst.into(),
        readonly,
    })
}

/// `-e K=V` as given, `-e K` from the caller's environment (dropped if unset).
pub fn parse_env(items: &[String], lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in items {
        if e.is_empty() || e.starts_with('=') {
            bail!("invalid environment variable: {e:?}");
        }
        if e.contains('=') {
            out.push(e.clone());
        } else if let Some(v) = lookup(e) {
            out.push(format!("{e}={v}"));
        }
    }
    Ok(out)
}

/// Later entries win, keeping the first entry's position.
pub fn merge_env(base: &[String], overrides: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in base.iter().chain(overrides) {
        let key = e.split('=').next().unwrap_or_default();
        match out.iter_mut().find(|x| x.split('=').next() == Some(key)) {
            Some(slot) => *slot = e.clone(),
            None => out.push(e.clone()),
        }
    }
    out
}

/// Signal names and numbers for `kill -s` and stop signals: `KILL`, `SIGTERM`, `9`.
pub fn parse_signal(s: &str) -> Result<nix::sys::signal::Signal> {
    use std::str::FromStr;
    if let Ok(n) = s.parse::<i32>() {
        return nix::sys::signal::Signal::try_from(n)
            .map_err(|_| anyhow::anyhow!("invalid signal: {s}"));
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    nix::sys::signal::Signal::from_str(&name).map_err(|_| anyhow::anyhow!("invalid signal: {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("64m").unwrap(), 64 << 20);
        assert_eq!(parse_memory("64MB").unwrap(), 64 << 20);
        assert_eq!(parse_memory("1g").unwrap(), 1 << 30);
        assert_eq!(parse_memory("1.5k").unwrap(), 1536);
        assert_eq!(parse_memory("100").unwrap(), 100);
        for bad in ["", "m", "12q", "-5m", "1..2m"] {
            assert!(parse_memory(bad).is_err(), "{bad}");
        }
        assert!(check_memory(1 << 20).is_err());
    }

    #[test]
    fn cpus_are_bounded() {
        assert_eq!(parse_cpus("0.5", 2).unwrap(), 500_000_000);
        assert!(parse_cpus("3", 2).is_err());
        assert!(parse_cpus("0", 2).is_err());
        assert!(parse_cpus("half", 2).is_err());
    }

    #[test]
    fn caps_add_drop() {
        let c = capabilities(&["net_admin".into()], &["CAP_CHOWN".into(), "mknod".into()]).unwrap();
        assert!(
            c.contains("CAP_NET_ADMIN") && !c.contains("CAP_CHOWN") && !c.contains("CAP_MKNOD")
        );
        assert_eq!(c.len(), DEFAULT_CAPS.len() - 1);
        assert!(capabilities(&[], &["ALL".into()]).unwrap().is_empty());
        assert!(capabilities(&["ALL".into()], &[])
            .unwrap()
            .contains("CAP_SYS_ADMIN"));
        assert!(capabilities(&["BOGUS".into()], &[]).is_err());
    }

    #[test]
    fn binds() {
        assert_eq!(
            parse_bind("/tmp:/data:ro").unwrap(),
            Bind {
                source: "/tmp".into(),
                destination: "/data".into(),
                readonly: true
            }
        );
        assert!(parse_bind("vol:/data").is_err());
        assert!(parse_bind("/tmp:data").is_err());
        assert!(parse_bind("/tmp:/a/../b").is_err());
        assert!(parse_bind("/tmp:/data:xx").is_err());
        assert!(parse_bind("/nonexistent-berth:/data").is_err());
    }

    #[test]
    fn env() {
        let e = parse_env(&["A=1".into(), "HOME".into(), "UNSET_X".into()], |k| {
            (k == "HOME").then(|| "/h".into())
        })
        .unwrap();
        assert_eq!(e, vec!["A=1", "HOME=/h"]);
        assert!(parse_env(&["=x".into()], |_| None).is_err());
        assert_eq!(
            merge_env(&["A=1".into(), "B=2".into()], &["A=3".into()]),
            vec!["A=3", "B=2"]
        );
    }

    #[test]
    fn signals() {
        assert_eq!(
            parse_signal("KILL").unwrap(),
            nix::sys::signal::Signal::SIGKILL
        );
        assert_eq!(
            parse_signal("sigterm").unwrap(),
            nix::sys::signal::Signal::SIGTERM
        );
        assert_eq!(
            parse_signal("10").unwrap(),
            nix::sys::signal::Signal::SIGUSR1
        );
        assert!(parse_signal("NOPE").is_err());
    }
}
