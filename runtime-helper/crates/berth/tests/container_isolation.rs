//! Isolation seen from inside a busybox container, against Docker's defaults.
mod common;
use common::*;

/// Docker's default capability set as /proc/self/status prints it.
const DOCKER_CAPEFF: &str = "00000000a80425fb";

fn status_field(status: &str, key: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no {key} in {status}"))
        .trim()
        .to_string()
}

#[test]
fn pid1_is_the_command_and_hostname_is_the_containers() {
    let e = Engine::new();
    let out = e.ok(&[
        "run",
        "--rm",
        "--hostname",
        "box1",
        "busybox",
        "sh",
        "-c",
        "echo $$; hostname; cat /proc/1/cmdline | tr '\\0' ' '",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1");
    assert_eq!(lines[1], "box1");
    assert_eq!(
        lines[2].trim(),
        "sh -c echo $$; hostname; cat /proc/1/cmdline | tr '\\0' ' '"
    );
    assert_ne!(
        nix::unistd::gethostname().unwrap().to_string_lossy(),
        "box1"
    );
}

#[test]
fn only_the_containers_own_mounts_are_visible() {
    let e = Engine::new();
    let out = e.ok(&["run", "--rm", "busybox", "cat", "/proc/self/mountinfo"]);
    let allowed = [
        "/proc",
        "/dev",
        "/sys",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/resolv.conf",
    ];
    let mut root_fs = None;
    for line in out.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let mountpoint = f[4];
        let fstype = f[f.iter().position(|x| *x == "-").unwrap() + 1];
        if mountpoint == "/" {
            root_fs = Some(fstype.to_string());
            continue;
        }
        assert!(
            allowed
                .iter()
                .any(|a| mountpoint == *a || mountpoint.starts_with(&format!("{a}/"))),
            "unexpected mount {mountpoint} ({fstype}) in the container:\n{out}"
        );
    }
    assert_eq!(root_fs.as_deref(), Some("overlay"));
    // The host's own mounts (e.g. its cgroup tmpfs at /sys/fs/cgroup/memory as a path of
    // the host) are not there: /work or /tmp would only show up through a leak.
    assert!(!out.contains(" /work") && !out.contains(" /tmp "), "{out}");
}

#[test]
fn masked_and_readonly_paths() {
    let e = Engine::new();
    let o = e.berth(&[
        "run", "--rm", "busybox", "sh", "-c",
        "for p in /proc/kcore /proc/keys /proc/timer_list; do [ -e $p ] && wc -c < $p; done; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/domainname && echo WROTE",
    ]);
    let out = stdout(&o);
    // Every masked file that exists reads as empty, masked dirs are empty.
    assert!(out.lines().all(|l| l.trim() == "0"), "{out}");
    assert!(!out.contains("WROTE"), "/proc/sys must be read-only");
    assert_stderr_contains(&o, "Read-only file system");
}

#[test]
fn default_capabilities_seccomp_and_no_new_privs() {
    let e = Engine::new();
    let st = e.ok(&["run", "--rm", "busybox", "cat", "/proc/self/status"]);
    assert_eq!(status_field(&st, "CapEff"), DOCKER_CAPEFF);
    assert_eq!(status_field(&st, "CapBnd"), DOCKER_CAPEFF);
    assert_eq!(status_field(&st, "Seccomp"), "2");
    assert_eq!(status_field(&st, "NoNewPrivs"), "0");

    let st = e.ok(&[
        "run",
        "--rm",
        "--cap-add",
        "NET_ADMIN",
        "--cap-drop",
        "chown",
        "--security-opt",
        "no-new-privileges",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    // NET_ADMIN is bit 12, CHOWN bit 0.
    assert_eq!(status_field(&st, "CapEff"), "00000000a80435fa");
    assert_eq!(status_field(&st, "NoNewPrivs"), "1");

    let st = e.ok(&[
        "run",
        "--rm",
        "--cap-drop",
        "ALL",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    assert_eq!(status_field(&st, "CapEff"), "0000000000000000");

    // ALL is every capability the engine holds (root here lacks CAP_SYS_RESOURCE, so
    // asking for the kernel's whole list failed with EPERM), and drops apply after it.
    let ours = status_field(
        &std::fs::read_to_string("/proc/self/status").unwrap(),
        "CapBnd",
    );
    let held = u64::from_str_radix(&ours, 16).unwrap();
    let st = e.ok(&[
        "run",
        "--rm",
        "--cap-add",
        "ALL",
        "--cap-drop",
        "NET_RAW",
        "busybox",
        "cat",
        "/proc/self/status",
    ]);
    let net_raw = 1u64 << 13;
    assert_eq!(
        status_field(&st, "CapEff"),
        format!("{:016x}", held & !net_raw),
        "ALL minus NET_RAW"
    );
    let o = e.berth(&[
        "run",
        "--rm",
        "--cap-add",
        "ALL",
        "--cap-drop",
        "ALL",
        "busybox",
        "true",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn seccomp_blocks_what_docker_blocks() {
    let e = Engine::new();
    // unshare(2) needs CAP_SYS_ADMIN and is not in the default allow list.
    let o = e.berth(&["run", "--rm", "busybox", "unshare", "-U", "true"]);
    assert_ne!(code(&o), 0);
    assert_stderr_contains(&o, "Operation not permitted");
}

#[test]
fn standard_device_nodes_are_there_with_docker_modes() {
    let e = Engine::new();
    // Run with a restrictive umask on the caller's side: the nodes' modes must not follow it.
    let mut cmd = e.cmd(&[
        "run",
        "--rm",
        "busybox",
        "stat",
        "-c",
        "%n %F %a %t:%T",
        "/dev/null",
        "/dev/zero",
        "/dev/full",
        "/dev/random",
        "/dev/urandom",
        "/dev/tty",
    ]);
    // SAFETY: umask is async-signal-safe and touches only the child's own state.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::umask(0o077);
            Ok(())
        });
    }
    let o = cmd.stdin(std::process::Stdio::null()).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let want = [
        "/dev/null character special file 666 1:3",
        "/dev/zero character special file 666 1:5",
        "/dev/full character special file 666 1:7",
        "/dev/random character special file 666 1:8",
        "/dev/urandom character special file 666 1:9",
        "/dev/tty character special file 666 5:0",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), want, "{out}");
}

#[test]
fn block_device_can_be_created_but_not_opened() {
    let e = Engine::new();
    let o = e.berth(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "mknod /tmp/sda b 8 0 && echo MADE && head -c1 /tmp/sda",
    ]);
    assert!(
        stdout(&o).contains("MADE"),
        "mknod is in Docker's default caps: {}",
        stderr(&o)
    );
    assert_ne!(code(&o), 0);
    assert_stderr_contains(&o, "Operation not permitted");
}

#[test]
fn two_containers_do_not_see_each_other() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    let ps = e.ok(&["run", "--rm", "busybox", "ps", "-o", "pid,comm"]);
    assert!(!ps.contains("sleep"), "{ps}");
    assert_eq!(ps.lines().count(), 2, "header + ps itself: {ps}");
    // Nor each other's IPC or network: a fresh net namespace has only lo.
    let dev = e.ok(&["run", "--rm", "busybox", "cat", "/proc/net/dev"]);
    let ifaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .map(|l| l.split(':').next().unwrap().trim())
        .collect();
    assert_eq!(ifaces, vec!["lo"]);
    let host = e.ok(&[
        "run",
        "--rm",
        "--network",
        "host",
        "busybox",
        "cat",
        "/proc/net/dev",
    ]);
    assert!(
        host.lines().count() > 3,
        "host network shows the host's interfaces: {host}"
    );
    e.ok(&["rm", "-f", &id]);
    assert_no_cgroup(&id);
}

#[test]
fn no_host_fd_reaches_the_container() {
    let e = Engine::new();
    let out = e.ok(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "ls -l /proc/self/fd /proc/1/fd",
    ]);
    // Only stdio (and the directory ls itself opened) may be there.
    for line in out.lines().filter(|l| l.contains("->")) {
        let fd: i32 = line
            .split("->")
            .next()
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap();
        let target = line.split("->").nth(1).unwrap().trim();
        assert!(
            fd <= 2 || target.starts_with("/proc"),
            "leaked fd {fd} -> {target}\n{out}"
        );
        assert!(
            !target.contains("berth") && !target.contains("memfd"),
            "{line}"
        );
    }
    let exec_out = {
        let id = e.run_detached(&["busybox", "sleep", "300"]);
        let o = e.ok(&["exec", &id, "ls", "-l", "/proc/self/fd"]);
        e.ok(&["rm", "-f", &id]);
        o
    };
    let fds = exec_out.lines().filter(|l| l.contains("->")).count();
    assert!(fds <= 4, "exec leaks fds:\n{exec_out}");
}

#[test]
fn user_by_name_and_number() {
    let e = Engine::new();
    assert_eq!(
        e.ok(&["run", "--rm", "-u", "nobody", "busybox", "id"])
            .trim(),
        "uid=65534(nobody) gid=65534(nogroup)"
    );
    assert_eq!(
        e.ok(&["run", "--rm", "-u", "alice", "busybox", "id"])
            .trim(),
        "uid=1000(alice) gid=1000(alice) groups=10(wheel)"
    );
    assert_eq!(
        e.ok(&["run", "--rm", "-u", "1234:10", "busybox", "id"])
            .trim(),
        "uid=1234 gid=10(wheel)"
    );
    assert_eq!(
        e.ok(&[
            "run",
            "--rm",
            "-u",
            "alice",
            "busybox",
            "sh",
            "-c",
            "echo $HOME"
        ])
        .trim(),
        "/home/alice"
    );
    // A non-root user keeps no effective capabilities.
    let st = e.ok(&[
        "run",
        "--rm",
        "-u",
        "1000",
        "busybox",
        "grep",
        "CapEff",
        "/proc/self/status",
    ]);
    assert!(st.contains("0000000000000000"), "{st}");
    let o = e.berth(&["run", "--rm", "-u", "mallory", "busybox", "id"]);
    assert_eq!(code(&o), 125);
    assert_stderr_contains(&o, "unable to find user mallory");
}

#[test]
fn env_workdir_entrypoint_readonly_and_binds() {
    let e = Engine::new();
    let out = e.ok(&[
        "run",
        "--rm",
        "-e",
        "FOO=bar",
        "-w",
        "/tmp/work",
        "busybox",
        "sh",
        "-c",
        "echo $FOO; pwd; echo $HOSTNAME; echo $PATH",
    ]);
    let l: Vec<&str> = out.lines().collect();
    assert_eq!(l[0], "bar");
    assert_eq!(l[1], "/tmp/work");
    assert_eq!(l[2].len(), 12);
    assert_eq!(
        l[3],
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    );
    assert_eq!(
        e.ok(&["run", "--rm", "--entrypoint", "echo", "busybox", "a", "b"])
            .trim(),
        "a b"
    );

    let o = e.berth(&[
        "run",
        "--rm",
        "--read-only",
        "busybox",
        "sh",
        "-c",
        "touch /tmp/x || echo RO; touch /dev/shm/y && echo SHM",
    ]);
    assert_eq!(stdout(&o), "RO\nSHM\n");

    let host = e.dir.path().join("vol");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("in"), "from-host").unwrap();
    let v = format!("{}:/data", host.display());
    e.ok(&[
        "run",
        "--rm",
        "-v",
        &v,
        "busybox",
        "sh",
        "-c",
        "cat /data/in > /data/out",
    ]);
    assert_eq!(
        std::fs::read_to_string(host.join("out")).unwrap(),
        "from-host"
    );
    let v_ro = format!("{}:/data:ro", host.display());
    let o = e.berth(&["run", "--rm", "-v", &v_ro, "busybox", "touch", "/data/nope"]);
    assert_ne!(code(&o), 0);
    assert!(!host.join("nope").exists());
}
