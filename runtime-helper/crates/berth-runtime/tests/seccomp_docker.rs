//! Our default seccomp profile against Docker's (moby profiles/seccomp/default.json), as
//! sets of syscall names for amd64: same allow list, same capability gating.
use berth_runtime::defaults::DEFAULT_CAPS;
use berth_runtime::seccomp::allowed_names;
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

/// Names in Docker's list that do not exist on x86_64 (32-bit, time64 and other-arch calls).
const NOT_ON_X86_64: &[&str] = &[
    "chown32",
    "clock_adjtime64",
    "clock_getres_time64",
    "clock_gettime64",
    "clock_nanosleep_time64",
    "fadvise64_64",
    "fchown32",
    "fcntl64",
    "fstat64",
    "fstatat64",
    "fstatfs64",
    "ftruncate64",
    "futex_time64",
    "getegid32",
    "geteuid32",
    "getgid32",
    "getgroups32",
    "getresgid32",
    "getresuid32",
    "getuid32",
    "io_pgetevents_time64",
    "ipc",
    "lchown32",
    "_llseek",
    "lstat64",
    "mmap2",
    "mq_timedreceive_time64",
    "mq_timedsend_time64",
    "_newselect",
    "ppoll_time64",
    "pselect6_time64",
    "recv",
    "recvmmsg_time64",
    "riscv_hwprobe",
    "rt_sigtimedwait_time64",
    "sched_rr_get_interval_time64",
    "semtimedop_time64",
    "send",
    "sendfile64",
    "setfsgid32",
    "setfsuid32",
    "setgid32",
    "setgroups32",
    "setregid32",
    "setresgid32",
    "setresuid32",
    "setreuid32",
    "setuid32",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "stat64",
    "statfs64",
    "timer_gettime64",
    "timer_settime64",
    "timerfd_gettime64",
    "timerfd_settime64",
    "truncate64",
    "ugetrlimit",
    "utimensat_time64",
    "waitpid",
    "stime",
    "clock_settime64",
    "umount",
];

fn docker_profile() -> Option<serde_json::Value> {
    let p = std::env::var_os("BERTH_DOCKER_SECCOMP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../../shared/conformance/docker-seccomp/default.json")
        });
    Some(serde_json::from_str(&std::fs::read_to_string(p).ok()?).unwrap())
}

/// Docker's unconditional ALLOW names for amd64 and `caps` (rules with argument filters
/// are compared separately: they are conditional in both profiles).
fn docker_allowed(profile: &serde_json::Value, caps: &HashSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for rule in profile["syscalls"].as_array().unwrap() {
        if rule["action"] != "SCMP_ACT_ALLOW" || rule.get("args").is_some_and(|a| !a.is_null()) {
            continue;
        }
        let inc = &rule["includes"];
        let exc = &rule["excludes"];
        if let Some(arches) = inc["arches"].as_array() {
            if !arches.iter().any(|a| a == "amd64") {
                continue;
            }
        }
        if let Some(need) = inc["caps"].as_array() {
            if !need.iter().all(|c| caps.contains(c.as_str().unwrap())) {
                continue;
            }
        }
        if let Some(no) = exc["caps"].as_array() {
            if no.iter().any(|c| caps.contains(c.as_str().unwrap())) {
                continue;
            }
        }
        for n in rule["names"].as_array().unwrap() {
            let n = n.as_str().unwrap();
            if !NOT_ON_X86_64.contains(&n) {
                out.insert(n.to_string());
            }
        }
    }
    out
}

fn check(caps: HashSet<String>) {
    let Some(profile) = docker_profile() else {
        eprintln!("skipped: Docker's default.json not found (set BERTH_DOCKER_SECCOMP)");
        return;
    };
    assert_eq!(profile["defaultAction"], "SCMP_ACT_ERRNO");
    let ours: BTreeSet<String> = allowed_names(&caps)
        .into_iter()
        .map(str::to_string)
        .collect();
    let theirs = docker_allowed(&profile, &caps);
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "only ours: {only_ours:?}\nonly Docker's: {only_theirs:?}"
    );
}

#[test]
fn default_caps_match_docker() {
    check(DEFAULT_CAPS.iter().map(|s| s.to_string()).collect());
}

#[test]
fn sys_admin_and_ptrace_match_docker() {
    let mut caps: HashSet<String> = DEFAULT_CAPS.iter().map(|s| s.to_string()).collect();
    caps.insert("CAP_SYS_ADMIN".into());
    caps.insert("CAP_SYS_PTRACE".into());
    check(caps);
}
