//! The container verbs end to end: exit codes, signals, the shim, logs, exec, start,
//! stop, kill, rm, inspect, wait.
mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

#[test]
fn exit_codes_follow_docker() {
    let e = Engine::new();
    assert_eq!(
        code(&e.berth(&["run", "--rm", "busybox", "sh", "-c", "exit 3"])),
        3
    );
    let o = e.berth(&["run", "--rm", "busybox", "no-such-command"]);
    assert_eq!(code(&o), 127);
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    assert_stderr_contains(&o, "executable file not found");
    let o = e.berth(&["run", "--rm", "busybox", "/etc/passwd"]);
    assert_eq!(code(&o), 126, "{}", stderr(&o));
    // The signal that killed the init: 128 + N.
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    e.ok(&["kill", "-s", "KILL", &id]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "137");
    assert_eq!(
        e.inspect(
            &id,
            "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}"
        ),
        "exited 137 false"
    );
    assert!(!e.container_ids().is_empty());
    e.ok(&["rm", &id]);
    assert!(
        e.container_ids().is_empty(),
        "--rm and rm leave nothing: {:?}",
        e.container_ids()
    );
}

#[test]
fn signals_reach_the_process() {
    let e = Engine::new();
    let mut child = e
        .cmd(&[
            "run",
            "--rm",
            "busybox",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.1; done",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SIGTERM to the foreground `berth run` is proxied to the container's process.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "got-term\n");
    assert_eq!(child.wait().unwrap().code(), Some(42));

    // And `berth kill -s` reaches a detached one.
    let id = e.run_detached(&[
        "busybox",
        "sh",
        "-c",
        "trap 'exit 7' USR1; echo ready; while true; do sleep 0.1; done",
    ]);
    // Until the trap is set, PID 1 of a namespace drops signals it has no handler for.
    wait_for_log(&e, &id, "ready");
    e.ok(&["kill", "-s", "USR1", &id]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "7");
}

#[test]
fn detached_container_outlives_the_caller_and_its_logs_outlive_it() {
    let e = Engine::new();
    let id = e.run_detached(&[
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "echo one; echo two >&2; exec sleep 300",
    ]);
    assert_eq!(id.len(), 64);
    // The `berth run -d` process is gone; the container runs on under its shim.
    let st = e.state(&id);
    assert_eq!(st["status"], "running");
    let shim = st["shim_pid"].as_i64().unwrap() as i32;
    let ppid = std::fs::read_to_string(format!("/proc/{shim}/stat"))
        .unwrap()
        .split_whitespace()
        .nth(3)
        .unwrap()
        .parse::<u32>()
        .unwrap();
    assert_ne!(
        ppid,
        std::process::id(),
        "the shim must not depend on its caller"
    );
    // CVE-2019-5736 class: keep a handle on the binary the shim (and so the container's
    // init before its exec) runs from, and try to write through it once it has exited.
    let handle = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(format!("/proc/{shim}/exe"))
            .unwrap()
    };
    assert!(e.ok(&["ps"]).contains("web"));
    // Both lines are out before the kill, or a loaded machine can kill the shell first.
    while !{
        let o = e.berth(&["logs", "web"]);
        stdout(&o).contains("one") && stderr(&o).contains("two")
    } {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    e.ok(&["kill", "-s", "KILL", "web"]);
    e.ok(&["wait", "web"]);
    assert!(!e.ok(&["ps"]).contains("web"));
    assert!(e.ok(&["ps", "-a"]).contains("Exited (137)"));
    while std::path::Path::new(&format!("/proc/{shim}")).exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let reopen = std::fs::OpenOptions::new().write(true).open(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&handle)
    ));
    let err = reopen.expect_err("the host berth binary was writable through the shim's exe");
    // EROFS; ETXTBSY only while another test's shim runs the same binary.
    assert!(
        matches!(err.raw_os_error(), Some(libc::EROFS) | Some(libc::ETXTBSY)),
        "{err}"
    );
    let vfs = nix::sys::statvfs::fstatvfs(&handle).unwrap();
    assert!(
        vfs.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY),
        "the shim's binary is not on a read-only mount"
    );
    let o = e.berth(&["logs", "web"]);
    assert_eq!(stdout(&o), "one\n");
    assert_eq!(stderr(&o), "two\n");
    let log = std::fs::read_to_string(
        e.root
            .join("containers")
            .join(&id)
            .join(format!("{id}-json.log")),
    )
    .unwrap();
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["stream"], "stdout");
    assert_eq!(first["log"], "one\n");
    e.ok(&["rm", "web"]);
    assert_no_cgroup(&id);
}

#[test]
fn logs_tail_timestamps_follow() {
    let e = Engine::new();
    let id = e.run_detached(&[
        "busybox",
        "sh",
        "-c",
        "for i in 1 2 3 4; do echo line$i; done",
    ]);
    e.ok(&["wait", &id]);
    assert_eq!(e.ok(&["logs", "--tail", "2", &id]), "line3\nline4\n");
    let ts = e.ok(&["logs", "-t", "--tail", "1", &id]);
    let (time, text) = ts.split_once(' ').unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{ts}");
    assert_eq!(text, "line4\n");
    // -f on a running container streams until it exits.
    let id2 = e.run_detached(&["busybox", "sh", "-c", "echo a; exec sleep 300"]);
    let follower = e
        .cmd(&["logs", "-f", &id2])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_log(&e, &id2, "a");
    e.ok(&["kill", "-s", "KILL", &id2]);
    let out = follower.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\n");
}

/// Runs `berth ARGS` to completion; its stdout and its peak RSS in KiB (from wait4, so
/// only this process counts; wait4 reaps it, which clippy cannot see).
#[allow(clippy::zombie_processes)]
fn output_and_max_rss(e: &Engine, args: &[&str]) -> (String, i64) {
    use std::io::Read;
    let mut child = e
        .cmd(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data filled by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    assert_eq!(status, 0, "berth {args:?} failed");
    (out, usage.ru_maxrss)
}

#[test]
fn logs_rotate_and_tail_reads_from_the_end() {
    let e = Engine::new();
    // ~1.9 MB of output into a log capped at 3 files of 100 kB.
    let script = "i=0; while [ $i -lt 20000 ]; do echo \"line $i ..............................................................\"; i=$((i+1)); done";
    let id = e.run_detached(&[
        "--log-opt",
        "max-size=100k",
        "--log-opt",
        "max-file=3",
        "busybox",
        "sh",
        "-c",
        script,
    ]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "0");
    let dir = e.root.join("containers").join(&id);
    let logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|f| f.file_name().to_string_lossy().contains("-json.log"))
        .map(|f| f.metadata().unwrap().len())
        .collect();
    assert_eq!(logs.len(), 3, "max-file=3: {logs:?}");
    assert!(logs.iter().all(|l| *l <= 100 * 1024), "max-size: {logs:?}");
    let last = e.ok(&["logs", "--tail", "1", &id]);
    assert!(last.starts_with("line 19999 "), "{last}");
    // Everything kept, in order, ending with the last line.
    let all = e.ok(&["logs", &id]);
    let nums: Vec<usize> = all
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(*nums.last().unwrap(), 19999);
    assert!(
        nums.windows(2).all(|w| w[1] == w[0] + 1),
        "a gap in the kept log"
    );
    assert_eq!(
        e.inspect(&id, "{{json .HostConfig.LogConfig.Config}}"),
        "{\"max-file\":\"3\",\"max-size\":\"102400\"}"
    );
    e.ok(&["rm", &id]);

    // --tail on a large unrotated log reads from the end: its memory does not grow
    // with the log (it read the whole log into memory before: 503 MB RSS for 503 MB).
    let id = e.run_detached(&[
        "--log-opt", "max-size=-1", "busybox", "sh", "-c",
        "yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -n 600000",
    ]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "0");
    let size = std::fs::metadata(
        dir.parent()
            .unwrap()
            .join(&id)
            .join(format!("{id}-json.log")),
    )
    .unwrap()
    .len();
    assert!(size > 60_000_000, "the log is {size} bytes");
    let (out, rss_kib) = output_and_max_rss(&e, &["logs", "--tail", "2", &id]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        rss_kib < 20 * 1024,
        "logs --tail 2 of a {size}-byte log peaked at {rss_kib} KiB"
    );
    e.ok(&["rm", &id]);
}

/// Only a writable layer nobody keeps skips syncs (overlay's `volatile`): an --rm
/// container's; a kept container's survives a crash.
#[test]
fn only_rm_containers_have_a_volatile_overlay() {
    let e = Engine::new();
    let root_opts = "grep ' / / ' /proc/self/mountinfo";
    let rm = e.ok(&["run", "--rm", "busybox", "sh", "-c", root_opts]);
    assert!(rm.contains("volatile"), "{rm}");
    let kept = e.ok(&["run", "--name", "kept", "busybox", "sh", "-c", root_opts]);
    assert!(
        kept.contains("overlay") && !kept.contains("volatile"),
        "{kept}"
    );
    e.ok(&["rm", "kept"]);
}

#[test]
fn rm_flag_leaves_nothing() {
    let e = Engine::new();
    e.ok(&["run", "--rm", "busybox", "true"]);
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
    assert_eq!(e.ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn tty_and_stdin() {
    let e = Engine::new();
    let out = e.ok(&[
        "run",
        "--rm",
        "-t",
        "busybox",
        "sh",
        "-c",
        "tty; [ -t 1 ] && echo T; echo $TERM; ls /dev/console",
    ]);
    assert_eq!(out, "/dev/pts/0\r\nT\r\nxterm\r\n/dev/console\r\n");
    let mut child = e
        .cmd(&[
            "run",
            "--rm",
            "-i",
            "busybox",
            "sh",
            "-c",
            "tr a-z A-Z; echo done",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "HELLO\ndone\n");
}

#[test]
fn exec_runs_inside_with_user_env_workdir() {
    let e = Engine::new();
    let id = e.run_detached(&["-e", "A=1", "busybox", "sleep", "300"]);
    let ps = e.ok(&["exec", &id, "ps", "-o", "pid,comm"]);
    assert!(ps.lines().any(|l| l.trim() == "1 sleep"), "{ps}");
    assert_eq!(
        e.ok(&[
            "exec",
            "-u",
            "nobody",
            "-e",
            "B=2",
            "-w",
            "/tmp",
            &id,
            "sh",
            "-c",
            "id -u; echo $A$B; pwd"
        ]),
        "65534\n12\n/tmp\n"
    );
    let st = e.ok(&["exec", &id, "cat", "/proc/self/status"]);
    assert!(
        st.contains("a80425fb") && st.lines().any(|l| l == "Seccomp:\t2"),
        "{st}"
    );
    assert_eq!(code(&e.berth(&["exec", &id, "sh", "-c", "exit 5"])), 5);
    assert_eq!(code(&e.berth(&["exec", &id, "nope"])), 127);
    let mut child = e
        .cmd(&["exec", "-i", &id, "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"piped").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout),
        "piped"
    );
    assert!(e.ok(&["exec", "-t", &id, "tty"]).starts_with("/dev/pts/"));
    e.ok(&["rm", "-f", &id]);
    let o = e.berth(&["exec", &id, "true"]);
    assert_ne!(code(&o), 0);
}

#[test]
fn start_stop_rm() {
    let e = Engine::new();
    let id = e.run_detached(&[
        "busybox",
        "sh",
        "-c",
        "echo run >> /count; cat /count | wc -l",
    ]);
    assert_eq!(e.ok(&["wait", &id]).trim(), "0");
    e.ok(&["start", &id]);
    e.ok(&["wait", &id]);
    // The writable layer survives a restart; the log accumulates.
    assert_eq!(e.ok(&["logs", &id]), "1\n2\n");
    e.ok(&["rm", &id]);

    // stop: the init ignores SIGTERM (PID 1 without a handler), so stop -t kills it.
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    let o = e.berth(&["rm", &id]);
    assert_eq!(code(&o), 1, "a running container needs -f");
    assert!(stderr(&o).contains("is running"));
    e.ok(&["stop", "-t", "1", &id]);
    assert_eq!(e.inspect(&id, "{{.State.ExitCode}}"), "137");
    // A container that handles SIGTERM exits with its own code.
    let id2 = e.run_detached(&[
        "busybox",
        "sh",
        "-c",
        "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done",
    ]);
    wait_for_log(&e, &id2, "ready");
    e.ok(&["stop", &id2]);
    assert_eq!(e.inspect(&id2, "{{.State.ExitCode}}"), "0");
    let id3 = e.run_detached(&["busybox", "sleep", "300"]);
    e.ok(&["rm", "-f", &id, &id2, &id3]);
    assert!(e.container_ids().is_empty());
    for i in [&id, &id2, &id3] {
        assert_no_cgroup(i);
    }
}

#[test]
fn inspect_shows_config_and_state() {
    let e = Engine::new();
    e.ok(&[
        "run",
        "--name",
        "insp",
        "--memory",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "50",
        "-e",
        "X=y",
        "busybox",
        "true",
    ]);
    let v: serde_json::Value = serde_json::from_str(&e.ok(&["inspect", "insp"])).unwrap();
    let c = &v[0];
    assert_eq!(c["Name"], "/insp");
    assert_eq!(c["Path"], "true");
    assert_eq!(c["State"]["Status"], "exited");
    assert_eq!(c["State"]["ExitCode"], 0);
    assert_eq!(c["HostConfig"]["Memory"], 64 << 20);
    assert_eq!(c["HostConfig"]["NanoCpus"], 500_000_000);
    assert_eq!(c["HostConfig"]["PidsLimit"], 50);
    assert!(c["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "X=y"));
    assert!(c["Image"].as_str().unwrap().starts_with("sha256:"));
    let o = e.berth(&["inspect", "nope"]);
    assert_eq!(code(&o), 1);
    // A name is unique.
    let o = e.berth(&["run", "--name", "insp", "busybox", "true"]);
    assert_eq!(code(&o), 125);
    assert!(stderr(&o).contains("already in use"));
}

/// Waits (without a deadline: the test harness has one) until the log has `text`.
fn wait_for_log(e: &Engine, id: &str, text: &str) {
    while !e.ok(&["logs", id]).contains(text) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
