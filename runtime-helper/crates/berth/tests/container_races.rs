//! Verbs raced against each other on one container, and the CLI and the shim killed at
//! random points: afterwards no process, cgroup, lease or directory is left that
//! `ps -a` does not show, and every image can be removed (issue 9, items 5-7 and 11).
//! Root, real kernel.
mod common;
use common::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A `sleep` whose argument no other test uses, so its processes can be found in /proc.
fn marker() -> String {
    use rand::Rng;
    format!("{}", rand::thread_rng().gen_range(100_000..900_000))
}

/// PIDs of processes whose command line contains `needle` (never killed by name: only
/// looked at).
fn pids_with(needle: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            out.push(pid);
        }
    }
    out
}

fn spawn(e: &Engine, args: &[&str]) -> Child {
    e.cmd(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits up to 10 s for `cond`.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let t = Instant::now();
    while !cond() {
        assert!(t.elapsed() < Duration::from_secs(10), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What `ps -a -q --no-trunc` shows.
fn ps_all(e: &Engine) -> Vec<String> {
    e.ok(&["ps", "-a", "-q", "--no-trunc"])
        .lines()
        .map(str::to_string)
        .collect()
}

/// After the races: the store holds exactly what `ps -a` shows, each running container
/// has one init, and once they are removed nothing of them is left.
fn assert_consistent_then_clean(e: &Engine, mark: &str) {
    // A command opens the engine, which sweeps what crashed verbs left.
    let shown = ps_all(e);
    let mut dirs = e.container_ids();
    dirs.sort();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(dirs, sorted, "directories vs ps -a");
    for id in &shown {
        let st = e.inspect(id, "{{.State.Status}}");
        let inits = pids_with(&format!("sleep {mark}"));
        if st == "running" {
            assert!(!inits.is_empty(), "{id} running without a process");
        }
        e.ok(&["rm", "-f", id]);
        assert_no_cgroup(id);
    }
    eventually("no process of the test left", || {
        pids_with(&format!("sleep {mark}")).is_empty()
    });
    let root = e.root.to_string_lossy().into_owned();
    eventually("no shim of this store left", || pids_with(&root).is_empty());
    // The sweep has run (the rm above opened the engine): no lease without a container.
    let leases: Vec<String> = std::fs::read_dir(e.root.join("leases"))
        .map(|rd| {
            rd.flatten()
                .map(|x| x.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        leases.iter().all(|l| !l.starts_with("container-")),
        "leases left: {leases:?}"
    );
    // Every image can be removed, and then its layers go.
    e.ok(&["rmi", "busybox"]);
    e.ok(&["image", "prune"]);
    let layers = std::fs::read_dir(e.root.join("layers/sha256"))
        .map(|rd| rd.count())
        .unwrap_or(0);
    assert_eq!(layers, 0, "layers left after rmi and prune");
}

#[test]
fn concurrent_starts_start_one_shim() {
    let e = Engine::new();
    let mark = marker();
    let id = e.run_detached(&["busybox", "sleep", &mark]);
    for round in 0..8 {
        e.ok(&["stop", "-t", "0", &id]);
        assert_eq!(e.inspect(&id, "{{.State.Status}}"), "exited");
        let a = spawn(&e, &["start", &id]);
        let b = spawn(&e, &["start", &id]);
        for c in [a, b] {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "round {round}: {}", stderr(&o));
        }
        assert_eq!(e.inspect(&id, "{{.State.Status}}"), "running");
        assert_eq!(
            pids_with(&format!("sleep {mark}")).len(),
            1,
            "round {round}: one init"
        );
        let root = e.root.to_string_lossy().into_owned();
        assert_eq!(pids_with(&root).len(), 1, "round {round}: one shim");
    }
    e.ok(&["stop", "-t", "0", &id]);
    assert!(pids_with(&format!("sleep {mark}")).is_empty());
    assert_eq!(e.inspect(&id, "{{.State.Status}}"), "exited");
    assert_consistent_then_clean(&e, &mark);
}

#[test]
fn rm_racing_run_leaves_nothing_unseen() {
    let e = Engine::new();
    let mark = marker();
    for i in 0..25 {
        let name = format!("race{i}");
        let run = spawn(
            &e,
            &["run", "-d", "--name", &name, "busybox", "sleep", &mark],
        );
        // Give the run a head start of 0-15 ms, so rm lands at every stage of it.
        std::thread::sleep(Duration::from_millis(i % 16));
        let rm = spawn(&e, &["rm", "-f", &name]);
        let run = run.wait_with_output().unwrap();
        let rm = rm.wait_with_output().unwrap();
        // rm -f either removed it (after run finished making it) or found nothing yet
        // (docker's rm -f of nothing succeeds); never a half-made container.
        assert!(rm.status.success(), "{}", stderr(&rm));
        let listed = ps_all(&e);
        let id = stdout(&run).trim().to_string();
        if run.status.success() && listed.contains(&id) {
            // Made after rm looked: whole and running.
            assert_eq!(e.inspect(&id, "{{.State.Status}}"), "running");
            e.ok(&["rm", "-f", &id]);
        }
        let mut dirs = e.container_ids();
        dirs.retain(|d| d != &id);
        assert!(dirs.is_empty(), "round {i}: {dirs:?} left");
    }
    assert_consistent_then_clean(&e, &mark);
}

#[test]
fn every_pair_of_verbs_raced() {
    let e = Engine::new();
    let mark = marker();
    let pairs: &[(&[&str], &[&str])] = &[
        (&["start"], &["rm", "-f"]),
        (&["stop", "-t", "1"], &["kill"]),
        (&["exec", "ID", "true"], &["rm", "-f"]),
        (&["rm", "-f"], &["rm", "-f"]),
        (&["stop", "-t", "0"], &["start"]),
        (&["kill"], &["rm", "-f"]),
    ];
    for round in 0..4 {
        for (a, b) in pairs {
            let id = e.run_detached(&["busybox", "sleep", &mark]);
            let args = |verb: &[&str]| -> Vec<String> {
                let mut v: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
                match v.iter().position(|s| s == "ID") {
                    Some(p) => v[p] = id.clone(),
                    None => v.push(id.clone()),
                }
                v
            };
            let (va, vb) = (args(a), args(b));
            let ca = spawn(&e, &va.iter().map(String::as_str).collect::<Vec<_>>());
            let cb = spawn(&e, &vb.iter().map(String::as_str).collect::<Vec<_>>());
            let oa = ca.wait_with_output().unwrap();
            let ob = cb.wait_with_output().unwrap();
            for (v, o) in [(&va, &oa), (&vb, &ob)] {
                // An exec that got in before the rm is killed with the container (137,
                // as with docker); otherwise a verb that lost the race fails cleanly
                // (gone, or not running).
                if v[0] == "exec" && code(o) == 137 {
                    continue;
                }
                if !o.status.success() {
                    let err = stderr(o);
                    assert!(
                        err.contains("No such container") || err.contains("is not running"),
                        "round {round} {v:?}: {err}"
                    );
                    assert_eq!(err.trim().lines().count(), 1, "{err}");
                }
            }
            // Whatever is left is consistent: listed, and running only with a process.
            if ps_all(&e).contains(&id) {
                let st = e.inspect(&id, "{{.State.Status}}");
                let procs = pids_with(&format!("sleep {mark}"));
                assert_eq!(
                    st == "running",
                    !procs.is_empty(),
                    "round {round} {va:?}/{vb:?}: {st} with {procs:?}"
                );
                e.ok(&["rm", "-f", &id]);
            }
            assert_no_cgroup(&id);
            eventually("the pair's processes are gone", || {
                pids_with(&format!("sleep {mark}")).is_empty()
            });
        }
    }
    assert_consistent_then_clean(&e, &mark);
}

#[test]
fn sigkill_of_the_cli_at_random_points_leaves_a_consistent_store() {
    let e = Engine::new();
    let mark = marker();
    for i in 0..30u64 {
        let args: &[&str] = match i % 3 {
            0 => &["run", "--rm", "busybox", "sleep", &mark],
            1 => &["run", "-d", "busybox", "sleep", &mark],
            _ => &["run", "busybox", "true"],
        };
        let mut c = spawn(&e, args);
        std::thread::sleep(Duration::from_micros(500 * (i % 20)));
        let _ = c.kill();
        let _ = c.wait();
        // And once in a while a stop, start or rm killed half-way.
        if i % 5 == 4 {
            for (n, id) in ps_all(&e).into_iter().enumerate() {
                let verb: &[&str] = match n % 3 {
                    0 => &["stop", "-t", "1"],
                    1 => &["start"],
                    _ => &["rm", "-f"],
                };
                let mut args = verb.to_vec();
                args.push(&id);
                let mut v = spawn(&e, &args);
                std::thread::sleep(Duration::from_millis(i % 7));
                let _ = v.kill();
                let _ = v.wait();
            }
        }
    }
    assert_consistent_then_clean(&e, &mark);
}

/// The shim's PID, from the state it writes.
fn shim_pid(e: &Engine, id: &str) -> i32 {
    e.state(id)["shim_pid"].as_i64().unwrap() as i32
}

fn sigkill(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

#[test]
fn a_killed_shim_leaves_a_container_that_stop_kill_and_rm_still_reach() {
    let e = Engine::new();
    let mark = marker();
    // stop: the orphaned init gets the stop signal, the exit is recorded.
    let id = e.run_detached(&["busybox", "sleep", &mark]);
    sigkill(shim_pid(&e, &id));
    eventually("the shim is gone", || {
        !pids_with(&e.root.to_string_lossy())
            .iter()
            .any(|p| *p == shim_pid(&e, &id))
    });
    assert_eq!(
        e.inspect(&id, "{{.State.Status}}"),
        "running",
        "the init runs on"
    );
    assert!(e.inspect(&id, "{{.State.Error}}").contains("shim died"));
    e.ok(&["stop", "-t", "1", &id]);
    assert!(
        pids_with(&format!("sleep {mark}")).is_empty(),
        "stop reached it"
    );
    assert_eq!(
        e.inspect(&id, "{{.State.Status}} {{.State.ExitCode}}"),
        "exited 137",
        "sleep as PID 1 ignores SIGTERM: killed after the timeout"
    );
    assert_ne!(
        e.inspect(&id, "{{.State.FinishedAt}}"),
        "0001-01-01T00:00:00Z"
    );
    // It can be started again, with a new shim.
    e.ok(&["start", &id]);
    assert_eq!(e.inspect(&id, "{{.State.Status}}"), "running");
    // kill: reaches the orphan too.
    sigkill(shim_pid(&e, &id));
    eventually("the shim is gone", || {
        !pids_with(&e.root.to_string_lossy())
            .iter()
            .any(|p| *p == shim_pid(&e, &id))
    });
    e.ok(&["kill", &id]);
    // kill does not wait (as docker's); the orphan is gone once its new parent reaps it.
    eventually("kill reached the orphan", || {
        e.inspect(&id, "{{.State.Status}}") == "exited"
    });
    assert!(pids_with(&format!("sleep {mark}")).is_empty());
    assert_eq!(
        e.ok(&["wait", &id]).trim(),
        "255",
        "exit code unknown without a shim"
    );
    e.ok(&["rm", &id]);
    assert_no_cgroup(&id);
    // rm -f: kills the orphan and removes everything.
    let id = e.run_detached(&["busybox", "sleep", &mark]);
    sigkill(shim_pid(&e, &id));
    e.ok(&["rm", "-f", &id]);
    assert!(pids_with(&format!("sleep {mark}")).is_empty());
    assert_no_cgroup(&id);
    // Shims killed while a stop or an rm waits for them.
    for (i, verb) in [["stop", "-t", "5"], ["rm", "-f", ""], ["stop", "-t", "0"]]
        .iter()
        .enumerate()
    {
        let id = e.run_detached(&["busybox", "sleep", &mark]);
        let shim = shim_pid(&e, &id);
        let mut args: Vec<&str> = verb.iter().copied().filter(|a| !a.is_empty()).collect();
        args.push(&id);
        let v = spawn(&e, &args);
        std::thread::sleep(Duration::from_millis(5 * i as u64));
        sigkill(shim);
        let o = v.wait_with_output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(
            pids_with(&format!("sleep {mark}")).is_empty(),
            "{args:?} left the init running"
        );
        if ps_all(&e).contains(&id) {
            assert_eq!(e.inspect(&id, "{{.State.Status}}"), "exited");
            e.ok(&["rm", &id]);
        }
        assert_no_cgroup(&id);
    }
    // Shims killed at random points of the start.
    for i in 0..10u64 {
        let id = e.run_detached(&["busybox", "sleep", &mark]);
        e.ok(&["stop", "-t", "0", &id]);
        let mut s = spawn(&e, &["start", &id]);
        std::thread::sleep(Duration::from_micros(700 * i));
        let root = e.root.to_string_lossy().into_owned();
        for p in pids_with(&root) {
            if p != s.id() as i32 {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(p),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        let _ = s.wait();
    }
    assert_consistent_then_clean(&e, &mark);
}

#[test]
fn wait_blocks_until_the_exit_and_returns_its_code() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sh", "-c", "sleep 1; exit 9"]);
    let t = Instant::now();
    assert_eq!(e.ok(&["wait", &id]).trim(), "9");
    assert!(t.elapsed() >= Duration::from_millis(500));
    e.ok(&["rm", &id]);
    // An --rm container is gone by the time wait looks: its code still comes back.
    let id = e.run_detached(&["--rm", "busybox", "sh", "-c", "sleep 0.5; exit 7"]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "7");
    assert!(e.container_ids().is_empty());
}

#[test]
fn rm_gets_through_a_shim_stuck_writing_to_a_caller_that_stopped_reading() {
    let e = Engine::new();
    let mark = marker();
    // The caller's stdout is a pipe nobody reads: once it is full the shim blocks
    // writing the container's output to it.
    let mut run = e
        .cmd(&[
            "run",
            "--name",
            "stuck",
            "busybox",
            "sh",
            "-c",
            &format!("yes & exec sleep {mark}"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the container runs", || {
        e.berth(&["inspect", "-f", "{{.State.Status}}", "stuck"])
            .stdout
            == b"running\n"
    });
    let t = Instant::now();
    e.ok(&["rm", "-f", "stuck"]);
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "rm took {:?}",
        t.elapsed()
    );
    assert!(pids_with(&format!("sleep {mark}")).is_empty());
    assert!(
        pids_with(&e.root.to_string_lossy()).is_empty(),
        "the shim is gone"
    );
    drop(run.stdout.take());
    let _ = run.wait();
    assert_consistent_then_clean(&e, &mark);
}
