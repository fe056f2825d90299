//! An adversarial image and a careless user against the runtime (issue 9, items 1, 3, 4):
//! symlinks planted at every path the runtime creates, opens or mounts in the rootfs,
//! hostile /etc/passwd and /etc/group, odd user and group ids. Each case ends either in a
//! clear error or in a run that stays inside the container, and never changes the host:
//! the harmless sysctl fs.lease-break-time stands for any host file (restored on drop),
//! planted links point at "bait" paths on the host that must stay untouched, and no
//! mount may appear on the host.
//!
//! Root only, on the real kernel: without root `Engine::new` fails the test.
mod common;
use common::*;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const SYSCTL: &str = "/proc/sys/fs/lease-break-time";
/// What an attack writes; the sysctl never holds it otherwise.
const EVIL: &str = "77";

/// Holds the sysctl's value from before the test and puts it back when dropped, whatever
/// the test did.
struct SysctlGuard {
    saved: String,
}

impl SysctlGuard {
    fn new() -> SysctlGuard {
        let mut saved = fs::read_to_string(SYSCTL).unwrap().trim().to_string();
        if saved == EVIL {
            // Left over by an earlier broken run: back to the kernel's default.
            fs::write(SYSCTL, "45").unwrap();
            saved = "45".into();
        }
        SysctlGuard { saved }
    }

    #[track_caller]
    fn assert_unchanged(&self) {
        let now = fs::read_to_string(SYSCTL).unwrap().trim().to_string();
        assert_eq!(now, self.saved, "the container changed the host's {SYSCTL}");
    }
}

impl Drop for SysctlGuard {
    fn drop(&mut self) {
        let _ = fs::write(SYSCTL, &self.saved);
    }
}

/// A busybox image called `name` whose rootfs `plant` changes first.
fn image(e: &Engine, name: &str, plant: impl FnOnce(&Path)) {
    let rootfs = e.dir.path().join(format!("img-{name}"));
    make_rootfs(&rootfs);
    plant(&rootfs);
    let tar = e.dir.path().join(format!("img-{name}.tar"));
    tar_dir(&rootfs, &tar);
    e.ok(&["import", tar.to_str().unwrap(), name]);
    fs::remove_dir_all(&rootfs).unwrap();
    fs::remove_file(&tar).unwrap();
}

/// Replaces `path` in a rootfs (file, directory or link) with a symlink to `target`.
fn plant_link(rootfs: &Path, path: &str, target: impl AsRef<Path>) {
    let p = rootfs.join(path.trim_start_matches('/'));
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    match fs::symlink_metadata(&p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(&p).unwrap(),
        Ok(_) => fs::remove_file(&p).unwrap(),
        Err(_) => {}
    }
    symlink(target, &p).unwrap();
}

/// Host directories a planted link points at; nothing may be created in them or mounted
/// on them.
struct Bait {
    dir: PathBuf,
}

impl Bait {
    fn new(e: &Engine) -> Bait {
        let dir = e.dir.path().join("bait");
        for d in ["proc", "dev", "sys", "etc", "data", "work", "pts", "shm"] {
            fs::create_dir_all(dir.join(d)).unwrap();
        }
        fs::write(dir.join("etc/passwd"), "hostonly:x:4242:4242::/:/bin/sh\n").unwrap();
        fs::write(dir.join("etc/group"), "hostgrp:x:4242:\n").unwrap();
        Bait { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    #[track_caller]
    fn assert_untouched(&self) {
        for d in ["proc", "dev", "sys", "data", "work", "pts", "shm"] {
            let n: Vec<_> = fs::read_dir(self.dir.join(d))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert!(
                n.is_empty(),
                "created through a planted link: bait/{d}: {n:?}"
            );
        }
        let n = fs::read_dir(self.dir.join("etc")).unwrap().count();
        assert_eq!(n, 2, "created through a planted link in bait/etc");
        let mounts = host_mounts_under(&self.dir);
        assert!(mounts.is_empty(), "host mounts on bait: {mounts:?}");
    }
}

/// Runs berth; a run that takes longer than `secs` is killed (by its PID) and fails the
/// test: a hostile file must never make the engine hang.
#[track_caller]
fn berth_within(e: &Engine, secs: u64, args: &[&str]) -> Output {
    let child = e
        .cmd(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            panic!("berth {args:?} still running after {secs} s");
        }
    }
}

/// A clear error from the runtime: exit 125, one line, mentioning `needle`.
#[track_caller]
fn refused(o: &Output, needle: &str) {
    assert_eq!(code(o), 125, "stdout: {}\nstderr: {}", stdout(o), stderr(o));
    let err = stderr(o);
    assert_eq!(err.trim().lines().count(), 1, "one line expected: {err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

// ---- item 1: the masked paths, and planted links at the system mounts ----

/// The reproduction: /dev -> / makes the /dev tmpfs land where lookups do not
/// see it, /dev/null is then the image's /null -> a host sysctl, and the masks bound
/// from it make /proc/keys a writable window onto the sysctl.
#[test]
fn masked_paths_cannot_become_a_host_sysctl() {
    let guard = SysctlGuard::new();
    let e = Engine::new();
    image(&e, "devroot", |r| {
        plant_link(r, "/dev", "/");
        plant_link(r, "/null", SYSCTL);
    });
    let attack = format!(
        "for f in /proc/keys /proc/timer_list /proc/interrupts /proc/kcore /dev/null; do echo {EVIL} > $f; done; true"
    );
    for opts in [
        &[][..],
        &[
            "--read-only",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
        ][..],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(opts);
        args.extend_from_slice(&["devroot", "sh", "-c", &attack]);
        let o = berth_within(&e, 60, &args);
        guard.assert_unchanged();
        refused(&o, "/dev");
        assert_stderr_contains(&o, "symlink");
    }
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

/// The same attack on a well-formed image: the masks hide /proc/keys & co. behind our
/// own /dev/null, so writes go nowhere, whatever the image's /dev/null or /null are.
#[test]
fn masks_are_our_own_null_device() {
    let guard = SysctlGuard::new();
    let e = Engine::new();
    image(&e, "nulllink", |r| {
        plant_link(r, "/null", SYSCTL);
        plant_link(r, "/dev/null", SYSCTL);
    });
    let o = berth_within(
        &e,
        60,
        &[
            "run",
            "--rm",
            "nulllink",
            "sh",
            "-c",
            &format!("echo {EVIL} > /proc/keys; echo {EVIL} > /proc/timer_list; stat -c '%t:%T %F' /proc/keys /dev/null; cat /proc/keys | wc -c"),
        ],
    );
    guard.assert_unchanged();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "1:3 character special file\n1:3 character special file\n0\n"
    );
}

/// /proc, /sys, /dev, /dev/pts, /dev/shm as links (absolute to host bait paths, relative
/// to other places in the image): the system mounts refuse a symlinked mount point, as
/// runc does for /proc and /sys, rather than mount somewhere a lookup would not see.
#[test]
fn symlinked_system_mount_points_are_refused() {
    let guard = SysctlGuard::new();
    let e = Engine::new();
    let bait = Bait::new(&e);
    for (name, path, target) in [
        ("lproc", "/proc", bait.path("proc")),
        ("lsys", "/sys", bait.path("sys")),
        ("ldev", "/dev", bait.path("dev")),
        ("lprocrel", "/proc", PathBuf::from("tmp")),
        ("ldevrel", "/dev", PathBuf::from("../tmp")),
        ("lsysproc", "/sys", PathBuf::from("/proc")),
        ("lprocsys", "/proc", PathBuf::from("/proc/sys/fs")),
    ] {
        image(&e, name, |r| plant_link(r, path, &target));
        let o = berth_within(&e, 60, &["run", "--rm", name, "true"]);
        refused(&o, path);
        assert_stderr_contains(&o, "symlink");
    }
    // /dev/pts and /dev/shm live in the container's fresh /dev: links the image has
    // there are covered by it and do nothing.
    image(&e, "lpts", |r| {
        plant_link(r, "/dev/pts", bait.path("pts"));
        plant_link(r, "/dev/shm", bait.path("shm"));
        plant_link(r, "/dev/mqueue", bait.path("data"));
    });
    let o = berth_within(
        &e,
        60,
        &[
            "run",
            "--rm",
            "lpts",
            "sh",
            "-c",
            "stat -f -c %t /dev/pts /dev/shm /dev/mqueue; touch /dev/shm/x",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // devpts, tmpfs, mqueue
    assert_eq!(stdout(&o), "1cd1\n1021994\n19800202\n");
    bait.assert_untouched();
    guard.assert_unchanged();
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

// ---- generated files, -v targets, workdir: links followed inside the root only ----

/// Plants `target` as a symlink at `path` in the writable layer of the stopped container
/// `name`: what a container can do to itself for its next start. (Links in the image
/// itself at /etc/hosts & co. are covered by the engine's init layer.)
fn plant_in_upper(e: &Engine, name: &str, path: &str, target: impl AsRef<Path>) {
    let id = e.inspect(name, "{{.Id}}");
    let upper = e.root.join("containers").join(id).join("upper");
    plant_link(&upper, path, target);
}

/// /etc/hosts, /etc/resolv.conf and /etc/hostname as links, planted by the container in
/// its own writable layer for its next start. Docker follows such a link inside the
/// container's root (Ubuntu's resolv.conf is one); so do we, never out of the root, never
/// through /proc links, and never onto procfs, sysfs or cgroupfs.
#[test]
fn generated_files_follow_links_only_inside_the_root() {
    let guard = SysctlGuard::new();
    let e = Engine::new();
    let bait = Bait::new(&e);
    for f in ["hosts", "resolv.conf", "hostname"] {
        // Absolute link to a host path: resolved in the root, the file is made there.
        let name = format!("out-{}", f.replace('.', "-"));
        let host_file = bait.path("data").join(f);
        let script = format!("cat /etc/{f} > /dev/null && cat {}", host_file.display());
        let o = e.berth(&[
            "run",
            "--name",
            &name,
            "--hostname",
            "confined",
            "busybox",
            "sh",
            "-c",
            &script,
        ]);
        assert_eq!(code(&o), 1, "{f}: {}", stderr(&o));
        plant_in_upper(&e, &name, &format!("/etc/{f}"), &host_file);
        e.ok(&["start", &name]);
        assert_eq!(
            e.ok(&["wait", &name]).trim(),
            "0",
            "{}",
            e.ok(&["logs", &name])
        );
        if f == "hostname" {
            assert_eq!(e.ok(&["logs", &name]), "confined\n");
        }
        e.ok(&["rm", &name]);
        bait.assert_untouched();
        // Onto a host sysctl through /proc, through a /proc link, onto sysfs.
        for (tag, path, target) in [
            ("sysctl", format!("/etc/{f}"), PathBuf::from(SYSCTL)),
            ("procdir", "/etc".to_string(), PathBuf::from("/proc/sys/fs")),
            (
                "magic",
                format!("/etc/{f}"),
                PathBuf::from("/proc/1/root/x"),
            ),
            ("sysfs", format!("/etc/{f}"), PathBuf::from("/sys/kernel/x")),
        ] {
            let name = format!("{tag}-{}", f.replace('.', "-"));
            e.ok(&["run", "--name", &name, "busybox", "true"]);
            plant_in_upper(&e, &name, &path, &target);
            let o = berth_within(&e, 60, &["start", &name]);
            assert_eq!(code(&o), 1, "{name}: {}", stderr(&o));
            assert_stderr_contains(&o, "refusing /etc/");
            assert_eq!(e.inspect(&name, "{{.State.Status}}"), "exited");
            assert!(e
                .inspect(&name, "{{.State.Error}}")
                .contains("refusing /etc/"));
            guard.assert_unchanged();
            e.ok(&["rm", &name]);
        }
    }
    guard.assert_unchanged();
    bait.assert_untouched();
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

/// `-v` targets: a link in the image is followed inside the root (as Docker does with
/// /var/run -> /run), never onto the host, /proc or /sys.
#[test]
fn bind_targets_follow_links_only_inside_the_root() {
    let guard = SysctlGuard::new();
    let e = Engine::new();
    let bait = Bait::new(&e);
    let src = e.dir.path().join("vol");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("marker"), "vol\n").unwrap();
    let src_file = e.dir.path().join("volfile");
    fs::write(&src_file, "file\n").unwrap();
    let data_link = bait.path("data");
    image(&e, "vlinks", |r| {
        plant_link(r, "/data", &data_link);
        plant_link(r, "/rel", "tmp");
        plant_link(r, "/tosys", "/proc/sys/fs");
        plant_link(r, "/tosysfile", SYSCTL);
        plant_link(r, "/magic", "/proc/self/cwd");
        plant_link(r, "/tosysfs", "/sys/kernel");
        plant_link(r, "/toroot", "../..");
    });
    let v = |s: &Path, d: &str| format!("{}:{d}", s.display());
    // Followed inside the root: the volume shows at the link's target in the container.
    let o = berth_within(
        &e,
        60,
        &[
            "run",
            "--rm",
            "-v",
            &v(&src, "/data"),
            "-v",
            &v(&src, "/rel/sub"),
            "vlinks",
            "sh",
            "-c",
            &format!("cat {}/marker /tmp/sub/marker", data_link.display()),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "vol\nvol\n");
    bait.assert_untouched();
    for (vol, dest) in [
        (&src_file, "/tosysfile"),
        (&src, "/tosys"),
        (&src, "/tosys/sub"),
        (&src, "/magic"),
        (&src, "/magic/x"),
        (&src, "/tosysfs/sub"),
        (&src, "/toroot"),
    ] {
        let o = berth_within(
            &e,
            60,
            &["run", "--rm", "-v", &v(vol, dest), "vlinks", "true"],
        );
        refused(&o, dest);
        guard.assert_unchanged();
    }
    bait.assert_untouched();
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

/// The working directory: a link in the image is followed inside the root (Docker's
/// WORKDIR through a link works), a missing one is made inside it, and /proc magic links
/// (an fd the engine holds, CVE-2024-21626) are refused, in run and in exec.
#[test]
fn workdir_stays_inside_the_root() {
    let e = Engine::new();
    let bait = Bait::new(&e);
    let work = bait.path("work");
    image(&e, "wlink", |r| plant_link(r, "/w", &work));
    let o = berth_within(&e, 60, &["run", "--rm", "-w", "/w/sub", "wlink", "pwd"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), work.join("sub").to_str().unwrap());
    bait.assert_untouched();
    for fd in 3..12 {
        let w = format!("/proc/self/fd/{fd}");
        let o = berth_within(&e, 60, &["run", "--rm", "-w", &w, "wlink", "pwd"]);
        refused(&o, &w);
    }
    let o = berth_within(
        &e,
        60,
        &["run", "--rm", "-w", "/proc/1/cwd", "wlink", "pwd"],
    );
    refused(&o, "/proc/1/cwd");
    let id = e.run_detached(&["wlink", "sleep", "300"]);
    for fd in 3..12 {
        let w = format!("/proc/self/fd/{fd}");
        let o = berth_within(&e, 60, &["exec", "-w", &w, &id, "pwd"]);
        refused(&o, &w);
    }
    let o = berth_within(&e, 60, &["exec", "-w", "/w/x/y", &id, "pwd"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), work.join("x/y").to_str().unwrap());
    bait.assert_untouched();
    e.ok(&["rm", "-f", &id]);
}

// ---- item 4: hostile /etc/passwd and /etc/group ----

/// The ways a hostile image can shape /etc/passwd or /etc/group.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// A link to /dev/zero: an endless read.
    Zero,
    /// A FIFO: a blocking open or read.
    Fifo,
    /// 24 MiB of entries, none of them the user asked for.
    Huge,
    Dir,
    /// A /proc magic link.
    Magic,
    /// A device whose open has side effects.
    Tty,
    /// A link to itself.
    Loop,
    /// An absolute link to the host's copy (bait): followed inside the root, it finds
    /// nothing there.
    HostLink,
}

const HOSTILE: [Hostile; 8] = [
    Hostile::Zero,
    Hostile::Fifo,
    Hostile::Huge,
    Hostile::Dir,
    Hostile::Magic,
    Hostile::Tty,
    Hostile::Loop,
    Hostile::HostLink,
];

impl Hostile {
    fn plant(self, rootfs: &Path, path: &str, bait: &Bait) {
        let f = rootfs.join(path.trim_start_matches('/'));
        match self {
            Hostile::Zero => plant_link(rootfs, path, "/dev/zero"),
            Hostile::Fifo => {
                fs::remove_file(&f).unwrap();
                nix::unistd::mkfifo(&f, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
            }
            Hostile::Huge => fs::write(f, "x:x:1:1::/:/bin/sh\n".repeat(20 << 16)).unwrap(),
            Hostile::Dir => {
                fs::remove_file(&f).unwrap();
                fs::create_dir(&f).unwrap();
            }
            Hostile::Magic => plant_link(rootfs, path, "/proc/self/fd/0"),
            Hostile::Tty => plant_link(rootfs, path, "/dev/tty"),
            Hostile::Loop => plant_link(rootfs, path, path),
            Hostile::HostLink => plant_link(rootfs, path, bait.path(path.trim_start_matches('/'))),
        }
    }
}

#[test]
fn hostile_passwd_and_group_in_run() {
    let e = Engine::new();
    let bait = Bait::new(&e);
    for file in ["/etc/passwd", "/etc/group"] {
        for hostile in HOSTILE {
            let name = format!("{hostile:?}-{}", &file[5..]).to_lowercase();
            image(&e, &name, |r| hostile.plant(r, file, &bait));
            let user = if file == "/etc/passwd" {
                "hostonly"
            } else {
                "nobody:hostgrp"
            };
            let started = Instant::now();
            // --memory bounds the damage should a read ever be unbounded again.
            let o = berth_within(
                &e,
                30,
                &[
                    "run", "--name", &name, "--memory", "256m", "-u", user, &name, "id",
                ],
            );
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{name} took {:?}",
                started.elapsed()
            );
            match hostile {
                Hostile::HostLink => refused(&o, "unable to find"),
                _ => refused(&o, &format!("refusing {file}")),
            }
            // The container is left Exited with the error, not Created.
            assert_eq!(e.inspect(&name, "{{.State.Status}}"), "exited", "{name}");
            assert!(!e.inspect(&name, "{{.State.Error}}").is_empty(), "{name}");
            e.ok(&["rm", &name]);
        }
    }
    bait.assert_untouched();
}

/// The same files planted by the container itself while it runs, then `exec -u`. (The
/// container plants them from its own loop, driven through a volume: every exec reads
/// /etc/passwd, so none could restore it.)
#[test]
fn hostile_passwd_and_group_in_exec() {
    let e = Engine::new();
    let ctl = e.dir.path().join("ctl");
    fs::create_dir_all(&ctl).unwrap();
    let vol = format!("{}:/ctl", ctl.display());
    let id = e.run_detached(&[
        "--memory",
        "256m",
        "-v",
        &vol,
        "busybox",
        "sh",
        "-c",
        "while :; do if [ -f /ctl/cmd ]; then sh /ctl/cmd; rm /ctl/cmd; fi; sleep 0.05; done",
    ]);
    let in_container = |script: &str| {
        fs::write(ctl.join("cmd.tmp"), script).unwrap();
        fs::rename(ctl.join("cmd.tmp"), ctl.join("cmd")).unwrap();
        let t = Instant::now();
        while ctl.join("cmd").exists() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the container loop is stuck"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    in_container("cp /etc/passwd /etc/passwd.real");
    for file in ["/etc/passwd", "/etc/group"] {
        let user = if file == "/etc/passwd" {
            "alice"
        } else {
            "alice:wheel"
        };
        for plant in [
            format!("rm -rf {file}; ln -s /dev/zero {file}"),
            format!("rm -rf {file}; mkfifo {file}"),
            format!("rm -rf {file}; dd if=/dev/zero of={file} bs=1M count=24 2>/dev/null"),
            format!("rm -rf {file}; mkdir {file}"),
            format!("rm -rf {file}; ln -s /proc/self/fd/0 {file}"),
            format!("rm -rf {file}; ln -s /proc/1/root/etc/passwd.real {file}"),
        ] {
            in_container(&plant);
            let started = Instant::now();
            let o = berth_within(&e, 30, &["exec", "-u", user, &id, "id"]);
            assert!(started.elapsed() < Duration::from_secs(20), "{plant}");
            refused(&o, file);
        }
        let good = if file == "/etc/passwd" { PASSWD } else { GROUP };
        in_container(&format!(
            "rm -rf {file}; printf '{}' > {file}",
            good.replace('\n', "\\n")
        ));
        assert_eq!(e.ok(&["exec", "-u", user, &id, "id", "-u"]).trim(), "1000");
    }
    e.ok(&["rm", "-f", &id]);
}

/// A passwd file linked elsewhere inside the image is fine (followed in the root).
#[test]
fn passwd_linked_inside_the_image_is_followed() {
    let e = Engine::new();
    image(&e, "plink", |r| {
        fs::rename(r.join("etc/passwd"), r.join("etc/passwd.real")).unwrap();
        symlink("passwd.real", r.join("etc/passwd")).unwrap();
    });
    let o = berth_within(&e, 60, &["run", "--rm", "-u", "alice", "plink", "id", "-u"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "1000\n");
}

// ---- item 3: ids out of range ----

#[test]
fn user_and_group_ids_out_of_range_are_refused() {
    let e = Engine::new();
    image(&e, "oddids", |r| {
        fs::write(
            r.join("etc/passwd"),
            format!("{PASSWD}evil:x:4294967295:0::/:/bin/sh\nevilgid:x:1000:4294967295::/:/bin/sh\nbig:x:2147483648:0::/:/bin/sh\n"),
        )
        .unwrap();
        fs::write(
            r.join("etc/group"),
            format!("{GROUP}evilgrp:x:4294967295:\nbiggrp:x:2147483648:alice\n"),
        )
        .unwrap();
    });
    for u in [
        "4294967295",
        "2147483648",
        "-1",
        "99999999999999999999",
        "nobody:4294967295",
        "0:-1",
        "0:2147483648",
        "evil",
        "evilgid",
        "big",
        "nobody:evilgrp",
        "alice",
    ] {
        let user = format!("--user={u}");
        let o = berth_within(&e, 60, &["run", "--rm", &user, "oddids", "id"]);
        refused(&o, "out of range");
        assert_stderr_contains(&o, "2147483647");
    }
    // Names with ':' split at the first one; the rest is a group that does not exist.
    let o = berth_within(&e, 60, &["run", "--rm", "-u", "a:b:c", "oddids", "id"]);
    refused(&o, "unable to find");
    // The largest id works.
    assert_eq!(
        e.ok(&["run", "--rm", "-u", "2147483647:2147483647", "oddids", "id"])
            .trim(),
        "uid=2147483647 gid=2147483647"
    );
    // And exec goes through the same check.
    let id = e.run_detached(&["oddids", "sleep", "300"]);
    for u in ["4294967295", "nobody:4294967295", "evil", "-1"] {
        let user = format!("--user={u}");
        let o = berth_within(&e, 60, &["exec", &user, &id, "id"]);
        refused(&o, "out of range");
    }
    e.ok(&["rm", "-f", &id]);
    assert!(e.container_ids().is_empty(), "{:?}", e.container_ids());
}

/// `exec -t` in a container that made /dev/ptmx and /dev/console links to the fds an
/// exec'd process holds before it execs: the pty is opened without those paths.
#[test]
fn exec_tty_ignores_a_planted_ptmx() {
    let e = Engine::new();
    let id = e.run_detached(&["busybox", "sleep", "300"]);
    e.ok(&[
        "exec",
        &id,
        "sh",
        "-c",
        "rm -f /dev/ptmx && ln -s /proc/self/fd/5 /dev/ptmx && ls -l /dev/ptmx",
    ]);
    let o = berth_within(&e, 30, &["exec", "-t", &id, "tty"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("/dev/pts/"), "{}", stdout(&o));
    e.ok(&["rm", "-f", &id]);
}
