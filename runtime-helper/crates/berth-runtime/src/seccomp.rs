//! The default seccomp profile, with Docker's semantics: everything not allowed fails
//! with EPERM; some syscalls are allowed only with the capability that makes them safe;
//! clone may not create namespaces, and clone3 reports ENOSYS so libcs fall back to clone.
use crate::seccomp_bpf::{self, ret_errno, ArgTest, Policy, Rule, RET_ALLOW};
use crate::seccomp_table::{ALWAYS, BY_CAP};
use crate::{Result, RuntimeError};
use libc::sock_filter;
use std::collections::{BTreeMap, BTreeSet, HashSet};

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// clone flags that create namespaces (CLONE_NEWNS..CLONE_NEWNET, CLONE_NEWCGROUP).
const CLONE_NS_FLAGS: u64 = 0x7E02_0000;
/// personality(2) values Docker lets through.
const PERSONALITIES: &[u32] = &[0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];
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

/// Compiles the profile into one BPF program (a search over syscall numbers, see
/// seccomp_bpf). clone3 answers ENOSYS unless CAP_SYS_ADMIN: libcs then fall back to
/// clone, whose flags the filter can see.
pub fn compile(caps: &HashSet<String>) -> Result<Vec<sock_filter>> {
    let mut rules: BTreeMap<u32, Rule> = unconditional(caps)
        .map(|(_, nr)| (*nr as u32, Rule::Always(RET_ALLOW)))
        .collect();
    // AF_ALG (38) and AF_VSOCK (40) stay blocked.
    rules.insert(
        libc::SYS_socket as u32,
        Rule::AllowIfAny(vec![
            (0, ArgTest::Lt(38)),
            (0, ArgTest::Eq(39)),
            (0, ArgTest::Gt(40)),
        ]),
    );
    rules.insert(
        libc::SYS_personality as u32,
        Rule::AllowIfAny(PERSONALITIES.iter().map(|p| (0, ArgTest::Eq(*p))).collect()),
    );
    if caps.contains("CAP_SYS_ADMIN") {
        rules.insert(libc::SYS_clone as u32, Rule::Always(RET_ALLOW));
        rules.insert(libc::SYS_clone3 as u32, Rule::Always(RET_ALLOW));
    } else {
        rules.insert(
            libc::SYS_clone as u32,
            Rule::AllowIfAny(vec![(
                0,
                ArgTest::MaskedEq {
                    mask: CLONE_NS_FLAGS,
                    value: 0,
                },
            )]),
        );
        rules.insert(
            libc::SYS_clone3 as u32,
            Rule::Always(ret_errno(libc::ENOSYS)),
        );
    }
    let prog = seccomp_bpf::compile(&Policy {
        arch: AUDIT_ARCH_X86_64,
        default: ret_errno(libc::EPERM),
        rules,
    });
    if prog.len() > u16::MAX as usize {
        return Err(RuntimeError::Seccomp(format!(
            "the filter has {} instructions",
            prog.len()
        )));
    }
    Ok(prog)
}

/// Installs the program on the calling thread. Needs CAP_SYS_ADMIN or no_new_privs,
/// which it does not set itself.
pub fn install(prog: &[sock_filter]) -> Result<()> {
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `fprog` points at a live filter of `len` instructions; the kernel copies it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const _,
        )
    };
    if rc != 0 {
        return Err(RuntimeError::Seccomp(
            std::io::Error::last_os_error().to_string(),
        ));
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
        let prog = compile(&caps).unwrap();
        let mut admin = caps.clone();
        admin.insert("CAP_SYS_ADMIN".into());
        assert!(allowed_names(&admin).contains("mount"));
        assert!(!allowed_names(&caps).contains("mount"));
        let nr = |n: i64| n as u32;
        let run = |p: &[sock_filter], n: i64, arg0: u64| {
            seccomp_bpf::run(p, nr(n), AUDIT_ARCH_X86_64, [arg0, 0, 0, 0, 0, 0])
        };
        assert_eq!(run(&prog, libc::SYS_mount, 0), ret_errno(libc::EPERM));
        assert_eq!(run(&prog, libc::SYS_clone3, 0), ret_errno(libc::ENOSYS));
        let admin_prog = compile(&admin).unwrap();
        assert_eq!(run(&admin_prog, libc::SYS_mount, 0), RET_ALLOW);
        assert_eq!(run(&admin_prog, libc::SYS_clone3, 0), RET_ALLOW);
        // Far smaller than seccompiler's linear chain of ~1,600 (see seccomp_bpf).
        assert!(prog.len() < 400, "{} instructions", prog.len());
    }

    /// The profile as seccompiler compiles it (a linear chain, plus a second filter for
    /// clone3's ENOSYS): the reference the search program must agree with.
    fn seccompiler_programs(caps: &HashSet<String>) -> Vec<seccompiler::BpfProgram> {
        use seccompiler::{
            SeccompAction, SeccompCmpArgLen::*, SeccompCmpOp, SeccompCondition, SeccompFilter,
            SeccompRule, TargetArch,
        };
        let rule = |len, op, v| {
            SeccompRule::new(vec![SeccompCondition::new(0, len, op, v).unwrap()]).unwrap()
        };
        let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
            unconditional(caps).map(|(_, nr)| (*nr, vec![])).collect();
        rules.insert(
            libc::SYS_socket,
            vec![
                rule(Dword, SeccompCmpOp::Lt, 38),
                rule(Dword, SeccompCmpOp::Eq, 39),
                rule(Dword, SeccompCmpOp::Gt, 40),
            ],
        );
        let pers = PERSONALITIES.iter();
        rules.insert(
            libc::SYS_personality,
            pers.map(|p| rule(Dword, SeccompCmpOp::Eq, *p as u64))
                .collect(),
        );
        let admin = caps.contains("CAP_SYS_ADMIN");
        if admin {
            rules.insert(libc::SYS_clone, vec![]);
            rules.insert(libc::SYS_clone3, vec![]);
        } else {
            let ns = SeccompCmpOp::MaskedEq(CLONE_NS_FLAGS);
            rules.insert(libc::SYS_clone, vec![rule(Qword, ns, 0)]);
        }
        let eperm = SeccompAction::Errno(libc::EPERM as u32);
        let f = SeccompFilter::new(rules, eperm, SeccompAction::Allow, TargetArch::x86_64);
        let mut progs = vec![f.unwrap().try_into().unwrap()];
        if !admin {
            let clone3 = BTreeMap::from([(libc::SYS_clone3, vec![])]);
            let enosys = SeccompAction::Errno(libc::ENOSYS as u32);
            let f = SeccompFilter::new(clone3, SeccompAction::Allow, enosys, TargetArch::x86_64);
            progs.push(f.unwrap().try_into().unwrap());
        }
        progs
    }

    /// What the kernel returns for several filters: the most restrictive action, the
    /// latest filter's on a tie (kernel/seccomp.c, seccomp_run_filters).
    fn run_all(progs: &[seccompiler::BpfProgram], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
        let mut ret = RET_ALLOW;
        for p in progs.iter().rev() {
            // seccompiler's sock_filter has the kernel's layout.
            let p: Vec<sock_filter> = p
                .iter()
                .map(|f| sock_filter {
                    code: f.code,
                    jt: f.jt,
                    jf: f.jf,
                    k: f.k,
                })
                .collect();
            let cur = seccomp_bpf::run(&p, nr, arch, args);
            let action = |r: u32| (r & libc::SECCOMP_RET_ACTION_FULL) as i32;
            if action(cur) < action(ret) {
                ret = cur;
            }
        }
        ret
    }

    #[test]
    fn decides_like_seccompilers_program_for_every_syscall() {
        let default: HashSet<String> = DEFAULT_CAPS.iter().map(|s| s.to_string()).collect();
        let mut admin = default.clone();
        admin.insert("CAP_SYS_ADMIN".into());
        admin.insert("CAP_SYS_PTRACE".into());
        let args0: Vec<u64> = (0..64)
            .chain([0x8, 0x20000, 0x20008, 0xffff_ffff, 1 << 32, (1 << 32) | 39])
            .chain([
                0x11,
                0x0002_0000,
                0x1000_0000,
                0x4000_0000,
                0x7E02_0000 << 8,
            ])
            .collect();
        for caps in [&default, &admin] {
            let ours = compile(caps).unwrap();
            let theirs = seccompiler_programs(caps);
            for nr in (0..1024).chain([0x4000_0000, 0x4000_0001, u32::MAX]) {
                for arch in [AUDIT_ARCH_X86_64, 0x4000_0003] {
                    let special = [libc::SYS_socket, libc::SYS_personality, libc::SYS_clone]
                        .contains(&(nr as i64));
                    let args: &[u64] = if special { &args0 } else { &[0] };
                    for &a in args {
                        let a = [a, 0, 0, 0, 0, 0];
                        assert_eq!(
                            seccomp_bpf::run(&ours, nr, arch, a),
                            run_all(&theirs, nr, arch, a),
                            "nr {nr} arch {arch:#x} args {a:?}"
                        );
                    }
                }
            }
        }
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
