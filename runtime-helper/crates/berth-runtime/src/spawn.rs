//! Forks the container's init into its namespaces and waits until it has exec'd (or
//! failed): the caller only ever sees a running container or an error with a kind.
use crate::init::{become_process, dup_onto, ProcessPlan};
use crate::{fdpass, net, rootfs, LinuxSyscall, Result, Rootfs, RuntimeError, Syscall};
use berth_cgroups::{Cgroup, Layout, Resources};
use nix::sched::CloneFlags;
use nix::unistd::{fork, ForkResult, Pid};
use oci_spec::runtime::{LinuxNamespaceType, Spec};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

/// The container's stdio.
pub enum Stdio {
    /// /dev/null on all three.
    Null,
    Pipes {
        stdin: Option<OwnedFd>,
        stdout: OwnedFd,
        stderr: OwnedFd,
    },
    /// A pty allocated inside the container; the master comes back in [`Spawned`].
    Pty,
}

pub struct Launch<'a> {
    pub spec: &'a Spec,
    pub rootfs: &'a Rootfs,
    /// The cgroup the init joins before it enters its cgroup namespace.
    pub cgroup: Option<&'a Cgroup>,
    /// Limits to create `cgroup` with, while the init starts (its first steps do not
    /// need it); None: the cgroup exists already.
    pub create_cgroup: Option<&'a Resources>,
    /// Files made for this start (e.g. /etc/hosts), see [`crate::GeneratedFile`].
    pub generated: &'a [crate::GeneratedFile],
    /// The host's cgroup layout, for the container's read-only cgroupfs.
    pub cgroup_layout: Option<Layout>,
    pub stdio: Stdio,
}

#[derive(Debug)]
pub struct Spawned {
    /// Host PID of the container's process.
    pub pid: Pid,
    pub pty_master: Option<OwnedFd>,
}

pub(crate) fn namespace_flags(spec: &Spec) -> CloneFlags {
    let mut flags = CloneFlags::empty();
    let nss = spec
        .linux()
        .as_ref()
        .and_then(|l| l.namespaces().clone())
        .unwrap_or_default();
    for ns in nss {
        // Joining an existing namespace by path is not supported; only fresh ones.
        if ns.path().is_none() && ns.typ() != LinuxNamespaceType::User {
            flags |= CloneFlags::from_bits_truncate(ns.typ() as i32);
        }
    }
    flags
}

pub(crate) struct Channels {
    pub err_r: OwnedFd,
    pub err_w: OwnedFd,
    pub sock: Option<(OwnedFd, OwnedFd)>,
}

impl Channels {
    /// The forked child's copy of its end of the pty socket, if there is one.
    pub(crate) fn child_sock(&self) -> Option<OwnedFd> {
        self.sock
            .as_ref()
            .map(|(_, theirs)| theirs.try_clone().expect("dup socket"))
    }
}

pub(crate) fn channels(pty: bool) -> Result<Channels> {
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| RuntimeError::sys("pipe", "", e))?;
    let sock = if pty {
        Some(
            nix::sys::socket::socketpair(
                nix::sys::socket::AddressFamily::Unix,
                nix::sys::socket::SockType::Stream,
                None,
                nix::sys::socket::SockFlag::SOCK_CLOEXEC,
            )
            .map_err(|e| RuntimeError::sys("socketpair", "", e))?,
        )
    } else {
        None
    };
    Ok(Channels { err_r, err_w, sock })
}

/// Parent side after fork: the pty master if asked, then EOF on the error pipe (exec
/// closed it) or an error message from the child.
pub(crate) fn await_exec(pid: Pid, ch: Channels) -> Result<Spawned> {
    let Channels { err_r, err_w, sock } = ch;
    drop(err_w);
    let mut master = None;
    if let Some((ours, theirs)) = sock {
        drop(theirs);
        master = fdpass::recv_fd(&ours)?;
    }
    let mut msg = String::new();
    let _ = std::fs::File::from(err_r).read_to_string(&mut msg);
    if !msg.is_empty() {
        let _ = nix::sys::wait::waitpid(pid, None);
        return Err(RuntimeError::decode(&msg));
    }
    Ok(Spawned {
        pid,
        pty_master: master,
    })
}

pub(crate) fn child_fail(err_w: &OwnedFd, e: RuntimeError) -> ! {
    let _ = std::fs::File::from(err_w.try_clone().expect("dup error pipe"))
        .write_all(e.encode().as_bytes());
    // SAFETY: _exit skips destructors and atexit handlers that belong to the parent.
    unsafe { libc::_exit(1) }
}

/// Moves the calling (forked) process into `cgroup`, if any, then makes it a session
/// leader. Callers run this before they enter or create a cgroup namespace
/// (CLONE_NEWCGROUP), so that the namespace's root is the container's cgroup.
pub(crate) fn join_cgroup_and_setsid(cgroup: Option<&Cgroup>) -> Result<()> {
    if let Some(cg) = cgroup {
        cg.join_self()
            .map_err(|e| RuntimeError::cgroup("join cgroup", cg.rel(), e))?;
    }
    nix::unistd::setsid().map_err(|e| RuntimeError::sys("setsid", "", e))?;
    Ok(())
}

pub(crate) fn setup_stdio(stdio: &Stdio) -> Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| RuntimeError::sys("open", "/dev/null", e))?;
    match stdio {
        Stdio::Null | Stdio::Pty => {
            for t in 0..3 {
                dup_onto(&null, t)?;
            }
        }
        Stdio::Pipes {
            stdin,
            stdout,
            stderr,
        } => {
            match stdin {
                Some(s) => dup_onto(s, 0)?,
                None => dup_onto(&null, 0)?,
            }
            dup_onto(stdout, 1)?;
            dup_onto(stderr, 2)?;
        }
    }
    Ok(())
}

/// Starts the container's init. The calling process must be single-threaded, and it
/// enters a new PID namespace for its children: call this once per process (the shim).
pub fn spawn(launch: Launch) -> Result<Spawned> {
    let flags = namespace_flags(launch.spec);
    let pty = launch
        .spec
        .process()
        .as_ref()
        .and_then(|p| p.terminal())
        .unwrap_or(false);
    let ch = channels(pty)?;
    let (gate_r, gate_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| RuntimeError::sys("pipe", "", e))?;
    if flags.contains(CloneFlags::CLONE_NEWPID) {
        nix::sched::unshare(CloneFlags::CLONE_NEWPID)
            .map_err(|e| RuntimeError::sys("unshare pid", "", e))?;
    }
    // SAFETY: the caller is single-threaded (documented above); the child only runs
    // async-signal-safe-enough code of ours and then execs or _exits.
    match unsafe { fork() }.map_err(|e| RuntimeError::sys("fork", "", e))? {
        ForkResult::Child => {
            drop(gate_w);
            let sock = ch.child_sock();
            let flags = flags - CloneFlags::CLONE_NEWPID;
            let err = init_main(&launch, flags, sock, gate_r).unwrap_err();
            child_fail(&ch.err_w, err)
        }
        ForkResult::Parent { child } => {
            drop(gate_r);
            // While the child builds the filesystem, the parent creates the cgroup and
            // moves the child into its cgroup2 part, whose move waits for an RCU grace
            // period (see add_to_v2); both costs are hidden that way. The child joins
            // the v1 hierarchies itself (see V1Joiner::join_self) once the gate opens.
            if let Some(cg) = launch.cgroup {
                let made = launch.create_cgroup.map_or(Ok(()), |res| cg.make(res));
                let joined = made
                    .map_err(|e| ("create cgroup", e))
                    .and_then(|()| cg.add_to_v2(child.as_raw()).map_err(|e| ("join cgroup", e)));
                if let Err((op, e)) = joined {
                    drop(gate_w);
                    let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                    let _ = nix::sys::wait::waitpid(child, None);
                    return Err(RuntimeError::cgroup(op, cg.rel(), e));
                }
            }
            let _ = nix::unistd::write(&gate_w, b"j");
            drop(gate_w);
            drop(launch);
            await_exec(child, ch)
        }
    }
}

fn init_main(
    launch: &Launch,
    flags: CloneFlags,
    pty: Option<OwnedFd>,
    cgroup_gate: OwnedFd,
) -> Result<std::convert::Infallible> {
    crate::security::reset_signals();
    // What the rootfs setup creates (directories, files, device nodes) gets exactly the
    // mode it asks for.
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    setup_stdio(&launch.stdio)?;
    // The cgroup is joined later (enter_cgroup, at the cgroupfs mount or below), when the
    // parent has made it; its v1 hierarchies are opened now, while the host's mounts
    // are still visible. The cgroup namespace comes after the join: its root is the
    // cgroup we are in when it is created.
    let joiner = match launch.cgroup {
        Some(cg) => Some(
            cg.v1_joiner()
                .map_err(|e| RuntimeError::cgroup("join cgroup", cg.rel(), e))?,
        ),
        None => None,
    };
    nix::unistd::setsid().map_err(|e| RuntimeError::sys("setsid", "", e))?;
    let cgroup_ns = flags.contains(CloneFlags::CLONE_NEWCGROUP);
    let mut sys = LinuxSyscall::new(launch.cgroup_layout.clone()).with_cgroup_gate(
        cgroup_gate,
        joiner,
        cgroup_ns,
    );
    sys.unshare(flags - CloneFlags::CLONE_NEWCGROUP)?;
    if flags.contains(CloneFlags::CLONE_NEWNET) {
        net::loopback_up()?;
    }
    if flags.contains(CloneFlags::CLONE_NEWUTS) {
        if let Some(h) = launch.spec.hostname() {
            sys.sethostname(h)?;
        }
    }
    rootfs::setup_rootfs(&mut sys, launch.spec, launch.rootfs, launch.generated)?;
    sys.enter_cgroup()?;
    if let Some(sock) = &pty {
        // The init's pty doubles as the container's console, as in Docker.
        let name = crate::init::setup_pty(sock, crate::init::console_size(launch.spec))?;
        sys.bind_console(std::path::Path::new(&name))?;
    }
    let plan = ProcessPlan::from_spec(launch.spec)?;
    drop(sys);
    become_process(launch.spec, plan)
}
