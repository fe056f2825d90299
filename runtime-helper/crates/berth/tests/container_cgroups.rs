//! Resource limits enforced by the kernel through the host's cgroups (hybrid here, v2
//! elsewhere): OOM -> 137 + OOMKilled, pids.max stops a fork loop, the CPU quota throttles.
mod common;
use common::*;

/// One 200 MiB allocation (dd's block buffer), with and without a memory limit.
const ALLOC_200M: &[&str] = &[
    "busybox",
    "dd",
    "if=/dev/zero",
    "of=/dev/null",
    "bs=200M",
    "count=1",
];

#[test]
fn memory_limit_oom_kills_with_137() {
    let e = Engine::new();
    let o = e.berth(&[&["run", "--name", "oom", "--memory", "64m"], ALLOC_200M].concat());
    assert_eq!(code(&o), 137, "{}", stderr(&o));
    assert_eq!(
        e.inspect("oom", "{{.State.OOMKilled}} {{.State.ExitCode}}"),
        "true 137"
    );
    // The same allocation fits without the limit.
    let o = e.berth(&[&["run", "--rm"], ALLOC_200M].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = e.inspect("oom", "{{.Id}}");
    e.ok(&["rm", "oom"]);
    assert_no_cgroup(&id);
}

#[test]
fn pids_limit_stops_a_fork_loop() {
    let e = Engine::new();
    let o = e.berth(&[
        "run",
        "--rm",
        "--pids-limit",
        "8",
        "busybox",
        "sh",
        "-c",
        "for i in $(seq 1 30); do sleep 5 & done; echo spawned; kill $(jobs -p) 2>/dev/null; true",
    ]);
    assert!(
        stderr(&o).contains("can't fork"),
        "stdout: {} stderr: {}",
        stdout(&o),
        stderr(&o)
    );
    // Without the limit the same loop forks every child.
    let o = e.berth(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "for i in $(seq 1 30); do sleep 5 & done; kill $(jobs -p); echo spawned",
    ]);
    assert!(!stderr(&o).contains("can't fork"), "{}", stderr(&o));
}

#[test]
fn cpu_quota_throttles() {
    let e = Engine::new();
    // Burn CPU in one process with half a CPU allowed; the kernel's own counters say
    // whether it was throttled (no timing in the test itself). It burns in chunks until
    // the first throttle, up to a bound: on a loaded machine the process may get less
    // than half a CPU for a while and is only throttled once it gets more.
    let script = "f=/sys/fs/cgroup/cpu.stat; q=/sys/fs/cgroup/cpu.max; \
                  [ -f $f ] || { f=/sys/fs/cgroup/cpu/cpu.stat; q=/sys/fs/cgroup/cpu/cpu.cfs_quota_us; }; \
                  n=0; while [ $n -lt 40 ] && grep -q '^nr_throttled 0$' $f; do \
                    i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; n=$((n+1)); done; \
                  cat $q $f";
    let out = e.ok(&[
        "run", "--rm", "--cpus", "0.5", "busybox", "sh", "-c", script,
    ]);
    assert!(out.starts_with("50000"), "{out}");
    let throttled: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("nr_throttled "))
        .unwrap_or_else(|| panic!("{out}"))
        .trim()
        .parse()
        .unwrap();
    assert!(throttled > 0, "{out}");
}

#[test]
fn cgroupfs_is_read_only_and_namespaced() {
    let e = Engine::new();
    let o = e.berth(&["run", "--rm", "--memory", "32m", "busybox", "sh", "-c", "cat /proc/self/cgroup; cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; echo 1 > /sys/fs/cgroup/pids/pids.max && echo WROTE"]);
    let out = stdout(&o);
    // The container's cgroup is the root of its cgroup namespace.
    for line in out.lines().filter(|l| l.contains(":/")) {
        assert!(line.ends_with(":/"), "{out}");
    }
    assert!(out.contains(&(32u64 << 20).to_string()), "{out}");
    assert!(!out.contains("WROTE"));
    assert_stderr_contains(&o, "Read-only file system");
}
