//! Parsing and checking container options the way docker does, before anything is
//! created, into the typed values a [`crate::record::Record`] keeps.
use crate::error::{EngineError, Result};
use berth_runtime::defaults::DEFAULT_CAPS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

macro_rules! bail {
    ($($t:tt)*) => { return Err(EngineError::invalid(format!($($t)*))) };
}

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
        .map_err(|_| EngineError::invalid(format!("invalid size: {s:?}")))?;
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
        .map_err(|_| EngineError::invalid(format!("invalid argument {s:?} for \"--cpus\" flag")))?;
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

/// `--cap-add` / `--cap-drop` as asked, normalised (`CAP_X` or `ALL`) and checked
/// against the capabilities the kernel knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Capabilities {
    pub add: Vec<String>,
    pub drop: Vec<String>,
}

impl Capabilities {
    pub fn parse(add: &[String], drop: &[String]) -> Result<Capabilities> {
        let known: BTreeSet<String> = caps::all().iter().map(|c| c.to_string()).collect();
        let norm = |list: &[String]| -> Result<Vec<String>> {
            list.iter()
                .map(|c| {
                    let c = normalize_cap(c);
                    if c != "ALL" && !known.contains(&c) {
                        bail!("unknown capability: {c:?}");
                    }
                    Ok(c)
                })
                .collect()
        };
        Ok(Capabilities {
            add: norm(add)?,
            drop: norm(drop)?,
        })
    }

    /// The container's set, as Docker computes it: `--cap-drop ALL` empties the set
    /// before the adds; otherwise Docker's defaults (or with `--cap-add ALL`, every
    /// capability) plus the adds, minus the drops. ALL means every capability in
    /// `held` (the engine's own bounding set: it cannot give what it does not have),
    /// and naming one the engine does not hold is an error, not an EPERM at start.
    pub fn resolve(&self, held: &BTreeSet<String>) -> Result<BTreeSet<String>> {
        let all = |l: &[String]| l.iter().any(|c| c == "ALL");
        let named = |l: &[String]| {
            l.iter()
                .filter(|c| *c != "ALL")
                .cloned()
                .collect::<Vec<_>>()
        };
        for c in named(&self.add) {
            if !held.contains(&c) {
                bail!("cannot add capability {c}: the engine itself does not hold it");
            }
        }
        let mut set: BTreeSet<String> = if all(&self.drop) {
            BTreeSet::new()
        } else if all(&self.add) {
            held.clone()
        } else {
            DEFAULT_CAPS
                .iter()
                .map(|s| s.to_string())
                .filter(|c| held.contains(c))
                .collect()
        };
        if all(&self.drop) {
            if all(&self.add) {
                set.extend(held.iter().cloned());
            }
            set.extend(named(&self.add));
        } else {
            set.extend(named(&self.add));
            for c in named(&self.drop) {
                set.remove(&c);
            }
        }
        Ok(set)
    }
}

/// The capabilities this process may pass on: its bounding set.
pub fn held_capabilities() -> BTreeSet<String> {
    caps::read(None, caps::CapSet::Bounding)
        .map(|s| s.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default()
}

/// `--network`: the modes there are so far.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    #[default]
    None,
    Host,
}

impl NetworkMode {
    pub fn parse(s: &str) -> Result<NetworkMode> {
        match s {
            "none" => Ok(NetworkMode::None),
            "host" => Ok(NetworkMode::Host),
            _ => bail!("network {s:?} not found (supported: none, host)"),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            NetworkMode::None => "none",
            NetworkMode::Host => "host",
        }
    }
}

/// `--security-opt`, the options supported here.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Security {
    pub no_new_privileges: bool,
    pub seccomp_unconfined: bool,
}

impl Security {
    pub fn parse(opts: &[String]) -> Result<Security> {
        let mut s = Security::default();
        for o in opts {
            if NO_NEW_PRIVILEGES.contains(&o.as_str()) {
                s.no_new_privileges = true;
            } else if SECCOMP_UNCONFINED.contains(&o.as_str()) {
                s.seccomp_unconfined = true;
            } else {
                bail!("invalid --security-opt: {o:?}");
            }
        }
        Ok(s)
    }
    /// Docker's spelling, for inspect.
    pub fn to_strings(self) -> Vec<String> {
        let mut out = Vec::new();
        if self.no_new_privileges {
            out.push("no-new-privileges".to_string());
        }
        if self.seccomp_unconfined {
            out.push("seccomp=unconfined".to_string());
        }
        out
    }
}

/// `--log-opt max-size=10m`, `--log-opt max-file=3` (json-file's options).
pub fn parse_log_opts(opts: &[String]) -> Result<crate::record::LogConfig> {
    let mut c = crate::record::LogConfig::default();
    for o in opts {
        let Some((k, v)) = o.split_once('=') else {
            bail!("invalid --log-opt {o:?}: expected KEY=VALUE");
        };
        match k {
            "max-size" => {
                let n = if v == "-1" { 0 } else { parse_memory(v)? };
                if v != "-1" && n <= 0 {
                    bail!("invalid --log-opt max-size={v}: must be a positive size or -1");
                }
                c.max_size = n.max(0) as u64;
            }
            "max-file" => match v.parse::<u32>() {
                Ok(n) if n >= 1 => c.max_file = n,
                _ => bail!("invalid --log-opt max-file={v}: must be a number >= 1"),
            },
            _ => bail!("unknown log opt {k:?} for json-file log driver"),
        }
    }
    Ok(c)
}

/// `-u USER[:GROUP]`: numeric parts must be in Docker's id range (0..=2147483647);
/// names are resolved in the container at start.
pub fn check_user(u: &str) -> Result<()> {
    Ok(berth_runtime::user::check_spec(u)?)
}

/// A working directory must be absolute (Docker refuses a relative one).
pub fn check_workdir(w: &str) -> Result<()> {
    if !w.starts_with('/') {
        bail!("the working directory {w:?} is invalid, it needs to be an absolute path");
    }
    Ok(())
}

/// `--security-opt` spellings docker accepts for the two options supported here.
pub const NO_NEW_PRIVILEGES: &[&str] = &[
    "no-new-privileges",
    "no-new-privileges:true",
    "no-new-privileges=true",
];
pub const SECCOMP_UNCONFINED: &[&str] = &["seccomp=unconfined", "seccomp:unconfined"];

/// `-v SRC:DST[:ro|rw]`: an absolute host path onto an absolute container path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            .map_err(|_| EngineError::invalid(format!("invalid signal: {s}")));
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    nix::sys::signal::Signal::from_str(&name)
        .map_err(|_| EngineError::invalid(format!("invalid signal: {s}")))
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

    fn caps(add: &[&str], drop: &[&str], held: &BTreeSet<String>) -> Result<BTreeSet<String>> {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Capabilities::parse(&v(add), &v(drop))?.resolve(held)
    }

    #[test]
    fn caps_add_drop() {
        let every: BTreeSet<String> = caps::all().iter().map(|c| c.to_string()).collect();
        let c = caps(&["net_admin"], &["CAP_CHOWN", "mknod"], &every).unwrap();
        assert!(
            c.contains("CAP_NET_ADMIN") && !c.contains("CAP_CHOWN") && !c.contains("CAP_MKNOD")
        );
        assert_eq!(c.len(), DEFAULT_CAPS.len() - 1);
        assert!(caps(&[], &["ALL"], &every).unwrap().is_empty());
        assert_eq!(
            caps(&[], &["ALL"], &every).unwrap(),
            BTreeSet::new(),
            "drop ALL empties"
        );
        assert_eq!(
            caps(&["CHOWN"], &["ALL"], &every).unwrap(),
            BTreeSet::from(["CAP_CHOWN".to_string()]),
            "adds come back after drop ALL"
        );
        assert!(caps(&["BOGUS"], &[], &every).is_err());
    }

    #[test]
    fn cap_add_all_means_what_the_engine_holds_and_drops_still_apply() {
        // An engine without CAP_SYS_RESOURCE (as root on this machine kind).
        let mut held: BTreeSet<String> = caps::all().iter().map(|c| c.to_string()).collect();
        held.remove("CAP_SYS_RESOURCE");
        let c = caps(&["ALL"], &["NET_RAW", "SYS_ADMIN"], &held).unwrap();
        assert!(c.contains("CAP_SYS_PTRACE") && c.contains("CAP_NET_ADMIN"));
        assert!(!c.contains("CAP_SYS_RESOURCE"), "not held, not asked for");
        assert!(
            !c.contains("CAP_NET_RAW") && !c.contains("CAP_SYS_ADMIN"),
            "drops after ALL"
        );
        assert_eq!(c.len(), held.len() - 2);
        let e = caps(&["SYS_RESOURCE"], &[], &held).unwrap_err();
        assert!(e.to_string().contains("does not hold"), "{e}");
        // Docker's defaults the engine lacks are left out, not an error.
        let small: BTreeSet<String> = ["CAP_CHOWN".to_string()].into();
        assert_eq!(caps(&[], &[], &small).unwrap(), small);
    }

    #[test]
    fn log_opts_and_workdir() {
        let c = parse_log_opts(&["max-size=10m".into(), "max-file=3".into()]).unwrap();
        assert_eq!((c.max_size, c.max_file), (10 << 20, 3));
        assert_eq!(parse_log_opts(&["max-size=-1".into()]).unwrap().max_size, 0);
        for bad in [
            "max-size=0",
            "max-size=x",
            "max-file=0",
            "mode=fast",
            "nokey",
        ] {
            assert!(parse_log_opts(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(check_workdir("/app").is_ok());
        for ok in [
            "root",
            "1000",
            "1000:1000",
            "nobody:2147483647",
            "alice:wheel",
        ] {
            assert!(check_user(ok).is_ok(), "{ok}");
        }
        for bad in [
            "4294967295",
            "nobody:4294967295",
            "-1",
            "2147483648",
            "0:-1",
        ] {
            assert!(check_user(bad).is_err(), "{bad}");
        }
        let e = check_workdir("relative").unwrap_err();
        assert!(e.to_string().contains("absolute path"), "{e}");
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
