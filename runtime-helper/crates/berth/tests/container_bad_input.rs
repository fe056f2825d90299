//! Bad input: a clear one-line error, docker's exit code, nothing half-created.
mod common;
use common::*;

fn one_line_error(o: &std::process::Output, code_expected: i32, needle: &str) {
    assert_eq!(code(o), code_expected, "stderr: {}", stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

#[test]
fn bad_run_input_is_rejected_before_anything_is_created() {
    let e = Engine::new();
    one_line_error(
        &e.berth(&["run", "--bogus", "busybox", "true"]),
        125,
        "--bogus",
    );
    one_line_error(
        &e.berth(&["run", "--rm", "nosuchimage", "true"]),
        125,
        "Unable to find image",
    );
    one_line_error(
        &e.berth(&["run", "--memory", "12x", "busybox", "true"]),
        125,
        "invalid size",
    );
    one_line_error(
        &e.berth(&["run", "--memory", "1k", "busybox", "true"]),
        125,
        "Minimum memory limit",
    );
    one_line_error(
        &e.berth(&["run", "--cpus", "99", "busybox", "true"]),
        125,
        "range of CPUs",
    );
    one_line_error(
        &e.berth(&["run", "--network", "bridge0", "busybox", "true"]),
        125,
        "network",
    );
    one_line_error(
        &e.berth(&["run", "--cap-add", "NOPE", "busybox", "true"]),
        125,
        "unknown capability",
    );
    one_line_error(
        &e.berth(&["run", "-v", "relative:/x", "busybox", "true"]),
        125,
        "absolute",
    );
    one_line_error(
        &e.berth(&["run", "--security-opt", "apparmor=x", "busybox", "true"]),
        125,
        "security-opt",
    );
    one_line_error(
        &e.berth(&["run", "--name", "bad/name", "busybox", "true"]),
        125,
        "invalid container name",
    );
    one_line_error(&e.berth(&["run"]), 125, "required");
    // Docker refuses a relative working directory (it ran in /relative before).
    one_line_error(
        &e.berth(&["run", "-w", "relative", "busybox", "pwd"]),
        125,
        "needs to be an absolute path",
    );
    one_line_error(
        &e.berth(&["run", "--log-opt", "max-size=lots", "busybox", "true"]),
        125,
        "invalid size",
    );
    one_line_error(
        &e.berth(&["run", "--log-opt", "color=red", "busybox", "true"]),
        125,
        "unknown log opt",
    );
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
    // Failures after creation (the command) are the container's: 127/126, and with
    // --rm nothing is left.
    one_line_error(
        &e.berth(&["run", "--rm", "busybox", "nope"]),
        127,
        "executable file not found",
    );
    one_line_error(&e.berth(&["run", "--rm", "busybox", "/etc"]), 126, "/etc");
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

#[test]
fn verbs_on_missing_containers() {
    let e = Engine::new();
    for verb in [
        vec!["stop", "ghost"],
        vec!["kill", "ghost"],
        vec!["rm", "ghost"],
        vec!["logs", "ghost"],
        vec!["wait", "ghost"],
        vec!["start", "ghost"],
    ] {
        let o = e.berth(&verb);
        assert_eq!(code(&o), 1, "{verb:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("No such container: ghost"),
            "{verb:?}: {}",
            stderr(&o)
        );
    }
    // As docker's client: a bad signal exits 1, `rm -f` of nothing is quietly done.
    let o = e.berth(&["kill", "-s", "NOPE", "ghost"]);
    assert_eq!(code(&o), 1);
    let o = e.berth(&["rm", "-f", "ghost"]);
    assert_eq!((code(&o), stderr(&o).as_str()), (0, ""));
}

#[test]
fn bad_exec_and_inspect_input() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    one_line_error(
        &e.berth(&["exec", "-w", "tmp", &id, "pwd"]),
        125,
        "needs to be an absolute path",
    );
    assert_eq!(e.ok(&["exec", "-w", "/tmp", &id, "pwd"]), "/tmp\n");
    // A template that does not parse is an error, not printed back.
    let o = e.berth(&["inspect", "-f", "{{.Nope", &id]);
    one_line_error(&o, 64, "unclosed action");
    one_line_error(
        &e.berth(&["inspect", "-f", "{{.Nope", "ghost"]),
        64,
        "unclosed action",
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert_eq!(e.inspect(&id, "{{.Nope}}"), "<no value>");
    // An over-long name gives a short error.
    let long = "x".repeat(20_000);
    let o = e.berth(&["rm", &long]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).len() < 1200, "{} bytes", stderr(&o).len());
    e.ok(&["rm", "-f", &id]);
}
