//! A seccomp policy compiled to one classic-BPF program that finds the syscall by binary
//! search over ranges of syscall numbers.
//!
//! seccompiler, like libseccomp without its tree option, emits a linear chain: about
//! 1,600 instructions for Docker's profile, which the kernel took ~1 ms to accept at
//! every container start (it converts and JITs the program, then runs it once per syscall
//! number to build its cache of always-allowed calls). The same policy as a search is a
//! few hundred instructions, accepted in a fraction of that, and a syscall is decided in
//! ~10 comparisons instead of up to ~800.
use libc::sock_filter;
use std::collections::BTreeMap;

pub const RET_ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
pub const RET_KILL_PROCESS: u32 = libc::SECCOMP_RET_KILL_PROCESS;

pub fn ret_errno(errno: i32) -> u32 {
    libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA)
}

/// A test on one syscall argument. The 32-bit tests look at the low 32 bits only (the
/// kernel truncates `int` arguments the same way).
#[derive(Debug, Clone, Copy)]
pub enum ArgTest {
    Lt(u32),
    Eq(u32),
    Gt(u32),
    /// `arg & mask == value` on all 64 bits.
    MaskedEq {
        mask: u64,
        value: u64,
    },
}

#[derive(Debug, Clone)]
pub enum Rule {
    /// The same return value whatever the arguments.
    Always(u32),
    /// Allowed when any of the tests holds on its argument (index 0..6); else the
    /// policy's default.
    AllowIfAny(Vec<(u8, ArgTest)>),
}

pub struct Policy {
    /// AUDIT_ARCH_*; a syscall from another ABI kills the process.
    pub arch: u32,
    /// For every syscall not in `rules`.
    pub default: u32,
    pub rules: BTreeMap<u32, Rule>,
}

// Classic BPF opcodes (linux/bpf_common.h).
const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const JGT_K: u16 = (libc::BPF_JMP | libc::BPF_JGT | libc::BPF_K) as u16;
const JA: u16 = (libc::BPF_JMP | libc::BPF_JA) as u16;
const AND_K: u16 = (libc::BPF_ALU | libc::BPF_AND | libc::BPF_K) as u16;
const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

// Offsets in struct seccomp_data (little-endian: an argument's low word comes first).
const NR: u32 = 0;
const ARCH: u32 = 4;
fn arg_lo(i: u8) -> u32 {
    16 + 8 * i as u32
}

fn insn(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// Compiles `p`. The program is at most a few thousand instructions for any policy of
/// real syscalls, well under the kernel's 4,096.
pub fn compile(p: &Policy) -> Vec<sock_filter> {
    let mut out = vec![
        insn(LD_W_ABS, 0, 0, ARCH),
        insn(JEQ_K, 1, 0, p.arch),
        insn(RET_K, 0, 0, RET_KILL_PROCESS),
        insn(LD_W_ABS, 0, 0, NR),
    ];
    // The number line cut into runs that end the same way: (first number, leaf).
    let mut runs: Vec<(u32, Leaf)> = Vec::new();
    fn push<'a>(runs: &mut Vec<(u32, Leaf<'a>)>, start: u32, leaf: Leaf<'a>) {
        match (runs.last(), &leaf) {
            (Some((_, Leaf::Ret(prev))), Leaf::Ret(k)) if prev == k => {}
            _ => runs.push((start, leaf)),
        }
    }
    let mut next = Some(0u32);
    for (&nr, rule) in &p.rules {
        if let Some(n) = next.filter(|&n| n < nr) {
            push(&mut runs, n, Leaf::Ret(p.default));
        }
        push(
            &mut runs,
            nr,
            match rule {
                Rule::Always(k) => Leaf::Ret(*k),
                Rule::AllowIfAny(tests) => Leaf::Tests(tests),
            },
        );
        next = nr.checked_add(1);
    }
    if let Some(n) = next {
        push(&mut runs, n, Leaf::Ret(p.default));
    }
    search(&mut out, &runs, p.default);
    out
}

enum Leaf<'a> {
    Ret(u32),
    Tests(&'a [(u8, ArgTest)]),
}

/// Emits the search over `runs` (sorted by first number, the first starting at 0) with
/// the syscall number in the accumulator.
fn search(out: &mut Vec<sock_filter>, runs: &[(u32, Leaf)], default: u32) {
    if runs.len() == 1 {
        leaf(out, &runs[0].1, default);
        return;
    }
    let mid = runs.len() / 2;
    // nr >= first of the upper half: jump over the lower half (with a 32-bit JA, as the
    // lower half can be longer than a conditional jump's 255).
    out.push(insn(JGE_K, 0, 1, runs[mid].0));
    let ja = out.len();
    out.push(insn(JA, 0, 0, 0));
    search(out, &runs[..mid], default);
    out[ja].k = (out.len() - ja - 1) as u32;
    search(out, &runs[mid..], default);
}

fn leaf(out: &mut Vec<sock_filter>, leaf: &Leaf, default: u32) {
    match leaf {
        Leaf::Ret(k) => out.push(insn(RET_K, 0, 0, *k)),
        Leaf::Tests(tests) => {
            for (arg, test) in tests.iter() {
                out.push(insn(LD_W_ABS, 0, 0, arg_lo(*arg)));
                match *test {
                    // Each test falls through to the next when it fails.
                    ArgTest::Lt(v) => out.push(insn(JGE_K, 1, 0, v)),
                    ArgTest::Eq(v) => out.push(insn(JEQ_K, 0, 1, v)),
                    ArgTest::Gt(v) => out.push(insn(JGT_K, 0, 1, v)),
                    ArgTest::MaskedEq { mask, value } => {
                        out.push(insn(AND_K, 0, 0, mask as u32));
                        out.push(insn(JEQ_K, 0, 4, value as u32));
                        out.push(insn(LD_W_ABS, 0, 0, arg_lo(*arg) + 4));
                        out.push(insn(AND_K, 0, 0, (mask >> 32) as u32));
                        out.push(insn(JEQ_K, 0, 1, (value >> 32) as u32));
                    }
                }
                out.push(insn(RET_K, 0, 0, RET_ALLOW));
            }
            out.push(insn(RET_K, 0, 0, default));
        }
    }
}

/// Runs a program the way the kernel does, for tests: the instructions this module and
/// seccompiler emit, on (nr, arch, args).
#[cfg(test)]
pub fn run(prog: &[sock_filter], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
    let mut data = [0u8; 64];
    data[0..4].copy_from_slice(&nr.to_le_bytes());
    data[4..8].copy_from_slice(&arch.to_le_bytes());
    for (i, a) in args.iter().enumerate() {
        data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
    }
    let (mut a, mut pc) = (0u32, 0usize);
    loop {
        let f = prog[pc];
        pc += 1;
        let jump = |cond: bool| if cond { f.jt as usize } else { f.jf as usize };
        match f.code {
            LD_W_ABS => {
                let o = f.k as usize;
                a = u32::from_le_bytes(data[o..o + 4].try_into().expect("4 bytes"));
            }
            JEQ_K => pc += jump(a == f.k),
            JGE_K => pc += jump(a >= f.k),
            JGT_K => pc += jump(a > f.k),
            JA => pc += f.k as usize,
            AND_K => a &= f.k,
            RET_K => return f.k,
            c => panic!("opcode {c:#x} at {} not handled", pc - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARCH: u32 = 0xc000_003e;

    fn policy(rules: &[(u32, Rule)]) -> Policy {
        Policy {
            arch: ARCH,
            default: ret_errno(libc::EPERM),
            rules: rules.iter().cloned().collect(),
        }
    }

    #[test]
    fn every_number_gets_its_rule_and_the_rest_the_default() {
        let eperm = ret_errno(libc::EPERM);
        let enosys = ret_errno(libc::ENOSYS);
        let mut rules: Vec<(u32, Rule)> = (0..300)
            .filter(|n| n % 7 != 3 && !(100..140).contains(n))
            .map(|n| (n, Rule::Always(RET_ALLOW)))
            .collect();
        rules.push((120, Rule::Always(enosys)));
        rules.push((450, Rule::Always(RET_ALLOW)));
        rules.push((0x4000_0000, Rule::Always(RET_ALLOW)));
        let p = policy(&rules);
        let prog = compile(&p);
        for nr in (0..1000).chain([0x3fff_ffff, 0x4000_0000, 0x4000_0001, u32::MAX]) {
            let want = p.rules.get(&nr).map_or(eperm, |r| match r {
                Rule::Always(k) => *k,
                Rule::AllowIfAny(_) => unreachable!(),
            });
            assert_eq!(run(&prog, nr, ARCH, [0; 6]), want, "nr {nr}");
        }
        assert_eq!(run(&prog, 1, 0x4000_0003, [0; 6]), RET_KILL_PROCESS);
        // ~90 runs: 3 instructions a run at most, plus the prologue.
        assert!(prog.len() < 300, "{} instructions", prog.len());
    }

    #[test]
    fn argument_tests() {
        let p = policy(&[
            (
                41,
                Rule::AllowIfAny(vec![
                    (0, ArgTest::Lt(38)),
                    (0, ArgTest::Eq(39)),
                    (0, ArgTest::Gt(40)),
                ]),
            ),
            (
                56,
                Rule::AllowIfAny(vec![(
                    0,
                    ArgTest::MaskedEq {
                        mask: 0x7E02_0000,
                        value: 0,
                    },
                )]),
            ),
            (57, Rule::Always(RET_ALLOW)),
        ]);
        let prog = compile(&p);
        let eperm = ret_errno(libc::EPERM);
        for (domain, want) in [
            (0, RET_ALLOW),
            (37, RET_ALLOW),
            (38, eperm),
            (39, RET_ALLOW),
        ] {
            assert_eq!(run(&prog, 41, ARCH, [domain, 0, 0, 0, 0, 0]), want);
        }
        assert_eq!(run(&prog, 41, ARCH, [40, 0, 0, 0, 0, 0]), eperm);
        assert_eq!(run(&prog, 41, ARCH, [41, 0, 0, 0, 0, 0]), RET_ALLOW);
        // Only the low 32 bits count for a 32-bit test.
        assert_eq!(run(&prog, 41, ARCH, [(1 << 32) | 38, 0, 0, 0, 0, 0]), eperm);
        assert_eq!(run(&prog, 56, ARCH, [0x11, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, 56, ARCH, [0x2000_0000, 0, 0, 0, 0, 0]), eperm);
        assert_eq!(
            run(&prog, 57, ARCH, [0x2000_0000, 0, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(run(&prog, 55, ARCH, [0; 6]), eperm);
    }
}
