//! The default seccomp profile, with Docker's semantics: everything not allowed fails
//! with EPERM; some syscalls are allowed only with the capability that makes them safe;
//! clone may not create namespaces, and clone3 reports ENOSYS so libcs fall back to clone.
use crate::seccomp_table::{ALWAYS, BY_CAP};
use crate::{Result, RuntimeError};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// clone flags that create namespaces (CLONE_NEWNS..CLONE_NEWNET, CLONE_NEWCGROUP).
const CLONE_NS_FLAGS: u64 = 0x7E02_0000;
/// personality(2) values Docker lets through.
const PERSONALITIES: &[u64] = &[0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];
/// Allowed on amd64 only, or on every kernel this engine runs on (>= 4.8).
const ARCH_AND_KERNEL: &[(&str, i64)] = &[
    ("arch_prctl", libc::SYS_arch_prctl),
    ("modify_ldt", libc::SYS_modify_ldt),
    ("process_vm_readv", libc::SYS_process_vm_readv),
    ("process_vm_writev", libc::SYS_process_vm_writev),
    ("ptrace", libc::SYS_ptrace),
];

/// The syscalls allowed without conditions for a container holding `caps`, as (name,
/// number), except clone and clone3, which `compile` handles itself.
fn unconditional(
    caps: &HashSet<String>,
) -> impl Iterator<Item = &'static (&'static str, i64)> + '_ {
    let by_cap = BY_CAP
        .iter()
        .filter(|(cap, _)| caps.contains(*cap))
        .flat_map(|(_, list)| list.iter());
    ALWAYS.iter().chain(ARCH_AND_KERNEL).chain(by_cap)
}

/// The names of the syscalls allowed without conditions for a container holding `caps`.
pub fn allowed_names(caps: &HashSet<String>) -> BTreeSet<&'static str> {
    let mut out: BTreeSet<&str> = unconditional(caps).map(|(n, _)| *n).collect();
    if caps.contains("CAP_SYS_ADMIN") {
        out.insert("clone");
        out.insert("clone3");
    }
    out
}

/// Compiles the profile into two BPF programs, to be installed in order. The second one
/// only turns clone3 into ENOSYS: when two filters both return ERRNO the kernel uses the
/// most recently installed one's errno, which seccompiler's single match action can't say.
pub fn compile(caps: &HashSet<String>) -> Result<Vec<BpfProgram>> {
    let err = |e: seccompiler::BackendError| RuntimeError::Seccomp(e.to_string());
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        unconditional(caps).map(|(_, nr)| (*nr, vec![])).collect();
    let cond = |idx: u8, len: SeccompCmpArgLen, op: SeccompCmpOp, v: u64| {
        SeccompCondition::new(idx, len, op, v).map_err(err)
    };
    let rule = |c: SeccompCondition| SeccompRule::new(vec![c]).map_err(err);
    use SeccompCmpArgLen::{Dword, Qword};
    // AF_ALG (38) and AF_VSOCK (40) stay blocked.
    rules.insert(
        libc::SYS_socket,
        vec![
            rule(cond(0, Dword, SeccompCmpOp::Lt, 38)?)?,
            rule(cond(0, Dword, SeccompCmpOp::Eq, 39)?)?,
            rule(cond(0, Dword, SeccompCmpOp::Gt, 40)?)?,
        ],
    );
    let mut pers = Vec::new();
    for p in PERSONALITIES {
        pers.push(rule(cond(0, Dword, SeccompCmpOp::Eq, *p)?)?);
    }
    rules.insert(libc::SYS_personality, pers);
    let sys_admin = caps.contains("CAP_SYS_ADMIN");
    if sys_admin {
        rules.insert(libc::SYS_clone, vec![]);
        rules.insert(libc::SYS_clone3, vec![]);
    } else {
        rules.insert(
            libc::SYS_clone,
            vec![rule(cond(
                0,
                Qword,
                SeccompCmpOp::MaskedEq(CLONE_NS_FLAGS),
                0,
            )?)?],
        );
    }
    let arch = TargetArch::x86_64;
    let main = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::EPERM as u32),
        SeccompAction::Allow,
        arch,
    )
    .map_err(err)?;
    let mut progs = vec![BpfProgram::try_from(main).map_err(err)?];
    if !sys_admin {
        let clone3 = SeccompFilter::new(
            BTreeMap::from([(libc::SYS_clone3, vec![])]),
            SeccompAction::Allow,
            SeccompAction::Errno(libc::ENOSYS as u32),
            arch,
        )
        .map_err(err)?;
        progs.push(BpfProgram::try_from(clone3).map_err(err)?);
    }
    Ok(progs)
}

/// Installs the programs on the calling thread. Needs CAP_SYS_ADMIN or no_new_privs;
/// unlike seccompiler's apply_filter it does not force no_new_privs on.
pub fn install(progs: &[BpfProgram]) -> Result<()> {
    for p in progs {
        let prog = libc::sock_fprog {
            len: p.len() as u16,
            filter: p.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: `prog` points at a live filter of `len` instructions; the kernel copies it.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &prog as *const _,
            )
        };
        if rc != 0 {
            return Err(RuntimeError::Seccomp(
                std::io::Error::last_os_error().to_string(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::DEFAULT_CAPS;

    #[test]
    fn compiles_for_default_and_privileged_caps() {
        let caps: HashSet<String> = DEFAULT_CAPS.iter().map(|s| s.to_string()).collect();
        assert_eq!(compile(&caps).unwrap().len(), 2);
        let mut admin = caps.clone();
        admin.insert("CAP_SYS_ADMIN".into());
        assert_eq!(compile(&admin).unwrap().len(), 1);
        assert!(allowed_names(&admin).contains("mount"));
        assert!(!allowed_names(&caps).contains("mount"));
    }

    #[test]
    fn numbers_are_unique() {
        let mut seen = BTreeMap::new();
        for (n, nr) in ALWAYS.iter().chain(ARCH_AND_KERNEL) {
            if let Some(prev) = seen.insert(*nr, *n) {
                panic!("{n} and {prev} share number {nr}");
            }
        }
    }
}
