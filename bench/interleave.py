#!/usr/bin/env python3
"""Interleaved timing for the image store benchmarks: run i of every command happens
before run i+1 of any, so a machine whose load drifts (shared, busy VMs) skews all
commands alike. Usage: interleave.py RUNS PREPARE NAME=CMD [NAME=CMD ...]
Prints median / min / max wall ms and mean CPU ms (user+system, children included) per
command, and each command's median ratio to the second one."""
import os, shlex, statistics, subprocess, sys, time

runs, prepare, cmds = int(sys.argv[1]), sys.argv[2], [a.split("=", 1) for a in sys.argv[3:]]
wall = {n: [] for n, _ in cmds}
cpu = {n: [] for n, _ in cmds}
for _ in range(runs):
    for name, cmd in cmds:
        subprocess.run(prepare, shell=True, check=True)
        t = time.perf_counter()
        p = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall[name].append(time.perf_counter() - t)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{name} failed: {cmd}")
        cpu[name].append(ru.ru_utime + ru.ru_stime)
print(f"{'case':<28}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'cpu ms':>9}")
for name, _ in cmds:
    w = wall[name]
    print(f"{name:<28}{statistics.median(w)*1000:>11.0f}{min(w)*1000:>9.0f}{max(w)*1000:>9.0f}"
          f"{statistics.mean(cpu[name])*1000:>9.0f}")
ref = cmds[1][0]
for name, _ in cmds[:1]:
    print(f"  ratio {name} / {ref}: {statistics.median(wall[name]) / statistics.median(wall[ref]):.2f}")
