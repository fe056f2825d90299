//! `berth daemon` driven by the real docker CLI 28 (root, real kernel): the daemon on a
//! socket in a temp dir, over a temp store holding busybox; `DOCKER_HOST=unix://…
//! docker …` for the verbs; raw socket requests for bad input. Each test has its own
//! daemon, killed by its PID at the end, and its own containers, removed at the end.
mod common;
use common::*;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const DOCKER: &str = "/usr/local/bin/docker";

struct Daemon {
    child: Option<Child>,
    sock: PathBuf,
    // Dropped after the daemon is gone: its Drop removes the containers.
    engine: Engine,
}

impl Daemon {
    fn start() -> Daemon {
        assert!(
            std::path::Path::new(DOCKER).exists(),
            "these tests need the docker CLI at {DOCKER}"
        );
        let engine = Engine::new();
        let sock = engine.dir.path().join("api.sock");
        let child = engine
            .cmd(&["daemon", "--host", &format!("unix://{}", sock.display())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let d = Daemon {
            child: Some(child),
            sock,
            engine,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::os::unix::net::UnixStream::connect(&d.sock).is_err() {
            assert!(Instant::now() < deadline, "the daemon did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    fn docker(&self, args: &[&str]) -> Output {
        Command::new(DOCKER)
            .env("DOCKER_HOST", format!("unix://{}", self.sock.display()))
            // The CLI's own config (contexts, auth) in the test's dir, not root's.
            .env(
                "DOCKER_CONFIG",
                self.engine.dir.path().join("docker-config"),
            )
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert!(
            o.status.success(),
            "docker {args:?} failed ({:?}): {}\nstdout: {}",
            o.status.code(),
            stderr(&o),
            stdout(&o)
        );
        stdout(&o)
    }

    /// One HTTP/1.1 request on the socket: the status and the body.
    fn raw(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut s = std::os::unix::net::UnixStream::connect(&self.sock).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// SIGTERM to the daemon by its PID; its exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        child.wait().unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn the_docker_cli_drives_the_container_lifecycle() {
    let d = Daemon::start();
    let v = d.ok(&[
        "version",
        "--format",
        "{{.Server.APIVersion}} {{.Server.Version}}",
    ]);
    assert_eq!(v.trim(), "1.44 25.0.0");
    let info = d.ok(&["info"]);
    assert!(info.contains("Storage Driver: overlay2"), "{info}");
    assert!(info.contains("Images: 1"), "{info}");
    let images = d.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(images.trim(), "busybox:latest");
    let id = d.ok(&["image", "inspect", "-f", "{{.Id}}", "busybox"]);
    assert!(id.trim().starts_with("sha256:"), "{id}");

    let id = d.ok(&["run", "-d", "--name", "x", "busybox", "sleep", "300"]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    let ps = d.ok(&["ps", "--format", "{{.Names}} {{.Status}}"]);
    assert!(ps.starts_with("x Up"), "{ps}");
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.State.Running}}", "x"]).trim(),
        "true"
    );
    // The docker CLI's own wait (next-exit, sent before start) did not stop `run -d`.
    let t = Instant::now();
    d.ok(&["stop", "-t", "1", "x"]);
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    assert_eq!(
        d.ok(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            "x"
        ])
        .trim(),
        "false 137"
    );
    assert!(d.ok(&["ps", "-q"]).trim().is_empty());
    d.ok(&["start", "x"]);
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.State.Running}}", "x"]).trim(),
        "true"
    );
    d.ok(&["kill", "x"]);
    assert_eq!(d.ok(&["wait", "x"]).trim(), "137");
    d.ok(&["rm", "-f", "x"]);
    let o = d.docker(&["inspect", "x"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("No such"), "{}", stderr(&o));

    // Logs: the two streams apart, in docker's multiplexed framing (the sleep puts
    // out2 last in the log: two pipes give no order between them).
    d.ok(&[
        "run",
        "-d",
        "--name",
        "p",
        "busybox",
        "sh",
        "-c",
        "echo out1; echo err >&2; sleep 0.2; echo out2",
    ]);
    assert_eq!(d.ok(&["wait", "p"]).trim(), "0");
    let o = d.docker(&["logs", "p"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "out1\nout2\n");
    assert_eq!(stderr(&o), "err\n");
    let o = d.docker(&["logs", "--tail", "1", "-t", "p"]);
    assert!(stdout(&o).ends_with(" out2\n"), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("20"), "{}", stdout(&o));
    // A running container's log, followed until it ends.
    d.ok(&[
        "run",
        "-d",
        "--name",
        "f",
        "busybox",
        "sh",
        "-c",
        "echo a; sleep 1; echo b",
    ]);
    assert_eq!(d.ok(&["logs", "-f", "f"]), "a\nb\n");
    d.ok(&["rm", "p", "f"]);
    let left = d.ok(&["ps", "-a"]);
    assert_eq!(left.lines().count(), 1, "{left}");
}

#[test]
fn the_cli_and_the_api_see_each_others_containers() {
    let d = Daemon::start();
    let from_cli = d
        .engine
        .run_detached(&["--name", "fromcli", "busybox", "sleep", "300"]);
    let ps = d.ok(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"]);
    assert!(ps.contains(&format!("{from_cli} fromcli")), "{ps}");
    d.ok(&[
        "run",
        "-d",
        "--name",
        "fromapi",
        "--label",
        "k=v",
        "--network",
        "none",
        "busybox",
        "sleep",
        "300",
    ]);
    let ps = d.engine.ok(&["ps", "-a"]);
    assert!(ps.contains("fromapi"), "{ps}");
    assert_eq!(d.engine.inspect("fromapi", "{{.Config.Labels.k}}"), "v");
    // The filters the docker CLI sends.
    let names = |filter: &[&str]| {
        let mut args = vec!["ps", "-a", "--format", "{{.Names}}"];
        args.extend_from_slice(filter);
        let mut v: Vec<String> = d.ok(&args).lines().map(str::to_string).collect();
        v.sort();
        v
    };
    assert_eq!(names(&["--filter", "label=k=v"]), ["fromapi"]);
    assert_eq!(names(&["--filter", "label=k"]), ["fromapi"]);
    assert_eq!(names(&["--filter", "name=fromcli"]), ["fromcli"]);
    assert_eq!(
        names(&["--filter", &format!("id={}", &from_cli[..12])]),
        ["fromcli"]
    );
    assert_eq!(
        names(&["--filter", "status=running"]),
        ["fromapi", "fromcli"]
    );
    assert!(names(&["--filter", "status=exited"]).is_empty());
    d.engine.ok(&["stop", "-t", "1", "fromapi"]);
    assert_eq!(names(&["--filter", "status=exited"]), ["fromapi"]);
    d.ok(&["rm", "-f", "fromcli", "fromapi"]);
    assert!(d.engine.container_ids().is_empty());
}

#[test]
fn bad_input_is_a_4xx_with_a_message_and_the_daemon_keeps_serving() {
    let mut d = Daemon::start();
    let mode = std::fs::metadata(&d.sock).unwrap().permissions().mode() & 0o777;
    assert!(mode == 0o660 || mode == 0o600, "socket mode {mode:o}");
    let cases = [
        ("POST", "/v1.44/containers/create", "{not json", 400),
        (
            "POST",
            "/containers/create?name=bad",
            r#"{"Image":["busybox"]}"#,
            400,
        ),
        (
            "POST",
            "/containers/create",
            r#"{"Image":"busybox","HostConfig":{"NetworkMode":"nope"}}"#,
            400,
        ),
        (
            "POST",
            "/containers/create",
            r#"{"Image":"busybox","HostConfig":{"Binds":["rel:/x"]}}"#,
            400,
        ),
        ("GET", "/v1.44/no/such/endpoint", "", 404),
        ("DELETE", "/_ping", "", 405),
        ("GET", "/containers/json?filters=%7Bnope", "", 400),
        ("POST", "/containers/nosuch/start", "", 404),
        ("POST", "/containers/nosuch/wait", "", 404),
    ];
    for (method, path, body, want) in cases {
        let (status, answer) = d.raw(method, path, body);
        assert_eq!(status, want, "{method} {path}: {answer}");
        let v: serde_json::Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {answer:?}"));
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{method} {path}: {answer}"
        );
    }
    // Nothing half-made stayed, and the daemon still serves.
    assert!(d.engine.container_ids().is_empty());
    assert_eq!(d.raw("GET", "/_ping", "").0, 200);
    d.ok(&["version"]);
    // A second daemon on a live socket is refused; SIGTERM stops the first cleanly.
    let o = d
        .engine
        .berth(&["daemon", "--host", &format!("unix://{}", d.sock.display())]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("another daemon"), "{}", stderr(&o));
    assert!(d.terminate().success());
    assert!(!d.sock.exists(), "the socket outlived the daemon");
    // A world-reachable TCP listener is refused.
    let o = d.engine.berth(&["daemon", "--host", "tcp://0.0.0.0:2375"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("loopback"), "{}", stderr(&o));
}
