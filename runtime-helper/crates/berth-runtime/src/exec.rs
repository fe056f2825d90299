//! Runs another process in a running container (`exec`): join its cgroup and
//! namespaces, then the same final steps as the init (user, seccomp, capabilities).
use crate::init::{become_process, ProcessPlan};
use crate::spawn::{
    await_exec, channels, child_fail, join_cgroup_and_setsid, setup_stdio, Spawned, Stdio,
};
use crate::{Result, RuntimeError};
use berth_cgroups::Cgroup;
use nix::sched::CloneFlags;
use nix::unistd::{fork, ForkResult};
use oci_spec::runtime::Spec;
use std::os::fd::OwnedFd;

pub struct ExecRequest<'a> {
    /// Host PID of the container's init.
    pub init_pid: i32,
    /// The container's spec: capabilities, seccomp and no_new_privs come from it.
    pub spec: &'a Spec,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: String,
    pub tty: bool,
    /// The pty's size (rows, columns) when `tty`, set before the process starts.
    pub console_size: Option<(u16, u16)>,
    pub stdio: Stdio,
    pub cgroup: Option<&'a Cgroup>,
}

const NAMESPACES: &[(&str, CloneFlags)] = &[
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("net", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    // Mount last: after it the host's /proc is gone from view.
    ("mnt", CloneFlags::CLONE_NEWNS),
];

/// Starts the process; the caller waits for it. The caller must be single-threaded.
pub fn exec_in(req: ExecRequest) -> Result<Spawned> {
    let open = |ns: &str| -> Result<OwnedFd> {
        let p = format!("/proc/{}/ns/{ns}", req.init_pid);
        std::fs::File::open(&p)
            .map(OwnedFd::from)
            .map_err(|e| RuntimeError::sys("open", p, e))
    };
    let pid_ns = open("pid")?;
    let others: Vec<(OwnedFd, CloneFlags)> = NAMESPACES
        .iter()
        .map(|(n, f)| open(n).map(|fd| (fd, *f)))
        .collect::<Result<_>>()?;
    let ch = channels(req.tty)?;
    let own_pid_ns = std::fs::File::open("/proc/self/ns/pid")
        .map_err(|e| RuntimeError::sys("open", "/proc/self/ns/pid", e))?;
    nix::sched::setns(&pid_ns, CloneFlags::CLONE_NEWPID)
        .map_err(|e| RuntimeError::sys("setns", "pid", e))?;
    // SAFETY: the caller is single-threaded; the child execs or _exits.
    match unsafe { fork() }.map_err(|e| RuntimeError::sys("fork", "", e))? {
        ForkResult::Child => {
            let sock = ch.child_sock();
            let err = exec_child(&req, others, sock).unwrap_err();
            child_fail(&ch.err_w, err)
        }
        ForkResult::Parent { child } => {
            // A process whose children would land in another PID namespace cannot
            // create threads (EINVAL); the caller needs threads to copy stdio.
            let _ = nix::sched::setns(&own_pid_ns, CloneFlags::CLONE_NEWPID);
            drop(req);
            await_exec(child, ch)
        }
    }
}

fn exec_child(
    req: &ExecRequest,
    nss: Vec<(OwnedFd, CloneFlags)>,
    pty: Option<OwnedFd>,
) -> Result<std::convert::Infallible> {
    crate::security::reset_signals();
    setup_stdio(if req.tty { &Stdio::Null } else { &req.stdio })?;
    // Join before setns(CLONE_NEWCGROUP) below, as the init does before its unshare.
    join_cgroup_and_setsid(req.cgroup)?;
    for (fd, flag) in &nss {
        nix::sched::setns(fd, *flag)
            .map_err(|e| RuntimeError::sys("setns", format!("{flag:?}"), e))?;
    }
    drop(nss);
    let plan = ProcessPlan {
        args: req.args.clone(),
        env: req.env.clone(),
        cwd: req.cwd.clone(),
        user: req.user.clone(),
        pty,
        console_size: req.console_size,
    };
    become_process(req.spec, plan)
}
