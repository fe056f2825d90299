//! The last steps before execve: limits, identity, capabilities, seccomp, signals and fds.
use crate::defaults::SECCOMP_ANNOTATION;
use crate::user::ExecUser;
use crate::{seccomp, Result, RuntimeError};
use caps::{CapSet, Capability, CapsHashSet};
use oci_spec::runtime::{LinuxCapabilities, Spec};
use std::collections::HashSet;
use std::str::FromStr;

/// Signal dispositions survive execve; the engine ignores SIGPIPE (Rust's runtime does),
/// and a container must not inherit that.
pub(crate) fn reset_signals() {
    for sig in 1..32 {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: restoring the default disposition has no memory-safety preconditions.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
}

/// Applies the spec's rlimits, never above the caller's own hard limit (raising needs
/// CAP_SYS_RESOURCE, which root lacks on some hosts).
pub(crate) fn apply_rlimits(spec: &Spec) -> Result<()> {
    let Some(limits) = spec.process().as_ref().and_then(|p| p.rlimits().clone()) else {
        return Ok(());
    };
    for l in limits {
        let name = serde_json::to_value(l.typ())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let Some(res) = rlimit_resource(&name) else {
            continue;
        };
        let mut cur = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `cur` is a valid out-parameter.
        unsafe { libc::getrlimit(res, &mut cur) };
        let hard = l.hard().min(cur.rlim_max);
        let new = libc::rlimit {
            rlim_cur: l.soft().min(hard),
            rlim_max: hard,
        };
        // SAFETY: `new` is a valid in-parameter.
        if unsafe { libc::setrlimit(res, &new) } != 0 {
            return Err(RuntimeError::sys(
                "setrlimit",
                name,
                std::io::Error::last_os_error(),
            ));
        }
    }
    Ok(())
}

fn rlimit_resource(name: &str) -> Option<libc::__rlimit_resource_t> {
    Some(match name {
        "RLIMIT_NOFILE" => libc::RLIMIT_NOFILE,
        "RLIMIT_NPROC" => libc::RLIMIT_NPROC,
        "RLIMIT_CORE" => libc::RLIMIT_CORE,
        "RLIMIT_STACK" => libc::RLIMIT_STACK,
        "RLIMIT_MEMLOCK" => libc::RLIMIT_MEMLOCK,
        "RLIMIT_AS" => libc::RLIMIT_AS,
        "RLIMIT_CPU" => libc::RLIMIT_CPU,
        "RLIMIT_FSIZE" => libc::RLIMIT_FSIZE,
        "RLIMIT_DATA" => libc::RLIMIT_DATA,
        "RLIMIT_NICE" => libc::RLIMIT_NICE,
        "RLIMIT_RTPRIO" => libc::RLIMIT_RTPRIO,
        "RLIMIT_SIGPENDING" => libc::RLIMIT_SIGPENDING,
        "RLIMIT_MSGQUEUE" => libc::RLIMIT_MSGQUEUE,
        _ => return None,
    })
}

pub(crate) struct CapSets {
    pub bounding: CapsHashSet,
    pub effective: CapsHashSet,
    pub permitted: CapsHashSet,
    pub inheritable: CapsHashSet,
    pub ambient: CapsHashSet,
}

fn to_caps(set: &Option<HashSet<oci_spec::runtime::Capability>>) -> Result<CapsHashSet> {
    let mut out = CapsHashSet::new();
    for c in set.iter().flatten() {
        let name = serde_json::to_value(c)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.insert(
            Capability::from_str(&name)
                .map_err(|_| RuntimeError::InvalidSpec(format!("unknown capability {name}")))?,
        );
    }
    Ok(out)
}

pub(crate) fn cap_sets(spec: &Spec) -> Result<CapSets> {
    let default = LinuxCapabilities::default();
    let c = spec
        .process()
        .as_ref()
        .and_then(|p| p.capabilities().as_ref())
        .unwrap_or(&default);
    Ok(CapSets {
        bounding: to_caps(c.bounding())?,
        effective: to_caps(c.effective())?,
        permitted: to_caps(c.permitted())?,
        inheritable: to_caps(c.inheritable())?,
        ambient: to_caps(c.ambient())?,
    })
}

/// The seccomp program for the spec, or none when the container is unconfined.
pub(crate) fn seccomp_program(
    spec: &Spec,
    caps: &CapSets,
) -> Result<Option<Vec<libc::sock_filter>>> {
    let unconfined = spec
        .annotations()
        .as_ref()
        .and_then(|a| a.get(SECCOMP_ANNOTATION))
        .is_some_and(|v| v == "unconfined");
    if unconfined {
        return Ok(None);
    }
    let names: HashSet<String> = caps.bounding.iter().map(|c| c.to_string()).collect();
    seccomp::compile(&names).map(Some)
}

/// Switches to the container's user and capability sets. Runs after seccomp is installed,
/// so it only uses syscalls the default profile allows (prctl, setgroups, setres[ug]id, capset).
pub(crate) fn become_user(user: &ExecUser, caps: &CapSets) -> Result<()> {
    let e = |op: &'static str, err: caps::errors::CapsError| {
        RuntimeError::sys(op, "", std::io::Error::other(err.to_string()))
    };
    for c in caps::all() {
        if !caps.bounding.contains(&c) {
            // Capabilities newer than the running kernel do not exist to drop.
            let _ = caps::drop(None, CapSet::Bounding, c);
        }
    }
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
    let gids: Vec<nix::unistd::Gid> = user
        .additional_gids
        .iter()
        .map(|g| nix::unistd::Gid::from_raw(*g))
        .collect();
    nix::unistd::setgroups(&gids).map_err(|x| RuntimeError::sys("setgroups", "", x))?;
    let gid = nix::unistd::Gid::from_raw(user.gid);
    nix::unistd::setresgid(gid, gid, gid).map_err(|x| RuntimeError::sys("setgid", "", x))?;
    let uid = nix::unistd::Uid::from_raw(user.uid);
    nix::unistd::setresuid(uid, uid, uid).map_err(|x| RuntimeError::sys("setuid", "", x))?;
    // SAFETY: as above.
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) };
    // Inheritable and effective first: each capset must keep effective within permitted.
    caps::set(None, CapSet::Inheritable, &caps.inheritable)
        .map_err(|x| e("capset inheritable", x))?;
    caps::set(None, CapSet::Effective, &caps.effective).map_err(|x| e("capset effective", x))?;
    caps::set(None, CapSet::Permitted, &caps.permitted).map_err(|x| e("capset permitted", x))?;
    if !caps.ambient.is_empty() {
        caps::set(None, CapSet::Ambient, &caps.ambient).map_err(|x| e("capset ambient", x))?;
    }
    Ok(())
}

pub(crate) fn set_no_new_privs() -> Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(RuntimeError::sys(
            "no_new_privs",
            "",
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// Marks every fd above stderr close-on-exec: nothing of the engine's (store dirs,
/// cgroup files, sockets) may leak into the container (CVE-2024-21626 class).
pub(crate) fn cloexec_from_3() -> Result<()> {
    // SAFETY: close_range with integer arguments.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc != 0 {
        return Err(RuntimeError::sys(
            "close_range",
            "",
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}
