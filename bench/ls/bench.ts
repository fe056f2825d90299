/**
 * Benchmark: Berth's Dockerfile language server vs dockerfile-language-server-nodejs
 * 0.15.0 on the same machine, over stdio, on a generated 2,000-line Dockerfile.
 * Measures didOpen -> publishDiagnostics, completion p50/p95 over 50 positions,
 * semanticTokens/full, and the server's RSS. Prints numbers and ratios.
 *   cd bench/ls && npm install && cd ../.. && npx tsc -p . && node out/bench/ls/bench.js
 * Our server is started with the Node flags the extension passes (SERVER_EXEC_ARGV);
 * rcjsuen's as its clients start it (no flags), or with the same flags if
 * BENCH_SAME_FLAGS=1. BENCH_RUNS=n (default 3) runs each server n times, alternating, and
 * prints the median over runs with the [min-max] spread: the machine is shared and noisy.
 * BENCH_IDLE_S=n reads each server's RSS a second time after n seconds without requests.
 * BENCH_STEADY_OPENS=n (default 35) more opens after the measured ones, reported apart.
 * BENCH_COMPARE=<other build>/language-server/server.js runs that build in rcjsuen's place
 * (A/B of two builds: e.g. `git worktree add /tmp/old <rev>` and `npx tsc -p .` there).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  createProtocolConnection, PublishDiagnosticsNotification, StreamMessageReader, StreamMessageWriter,
  type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { SERVER_EXEC_ARGV } from '../../language-server/execArgv';
import { generateDockerfile } from './gen';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BENCH_DIR = path.join(REPO, 'bench', 'ls');

interface Server {
  name: string;
  cmd: string[];
}

interface Result {
  /** server CPU time (user+system) per operation, from /proc: independent of machine load */
  cpu: { open: number; completion: number; tokens: number };
  openToDiagnostics: number[];
  /** opens after the measured ones (BENCH_STEADY_OPENS, default 35): the steady state */
  steadyOpens: number[];
  coldOpen: number;
  completion: number[];
  semanticTokens: number[];
  rssMiB: number;
  /** RSS again after BENCH_IDLE_S seconds without requests (NaN when not measured) */
  rssIdleMiB: number;
  diagnostics: number;
  /** initialize request round trip (includes any warm-up the server does there) */
  initialize: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
/** opens after the 15 measured ones, reported apart */
const STEADY_OPENS = Number(process.env.BENCH_STEADY_OPENS ?? 35);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const median = (xs: number[]): number => percentile(xs, 50);

/** CPU time (ms) the process has used so far. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (100 Hz)
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** 50 positions of different kinds: line starts, flags, mount keys, variables, stage names. */
function completionPositions(text: string): { line: number; character: number }[] {
  const lines = text.split('\n');
  const out: { line: number; character: number }[] = [];
  const want: [RegExp, (m: RegExpExecArray) => number][] = [
    [/^$/, () => 0],
    [/--mount=type=cache,/, (m) => m.index + m[0].length],
    [/--mount=/, (m) => m.index + m[0].length],
    [/\$\{COMPONENT/, (m) => m.index + 2],
    [/ \$APP_HOME/, (m) => m.index + 2],
    [/--from=/, (m) => m.index + m[0].length],
    [/^COPY --/, () => 7],
    [/^RUN /, () => 2],
  ];
  for (let k = 0; out.length < 50 && k < 50; k++) {
    for (const [re, col] of want) {
      if (out.length >= 50) break;
      let seen = 0;
      for (let l = 0; l < lines.length; l++) {
        const m = re.exec(lines[l]);
        if (!m) continue;
        if (seen++ === k * 3) {
          out.push({ line: l, character: col(m) });
          break;
        }
      }
    }
  }
  return out.slice(0, 50);
}

async function run(server: Server, text: string, budgetMs: number): Promise<Result> {
  const proc = spawn(server.cmd[0], server.cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr.on('data', () => undefined);
  const conn: ProtocolConnection = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiting = new Map<string, (p: PublishDiagnosticsParams) => void>();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const w = waiting.get(p.uri);
    if (w) {
      waiting.delete(p.uri);
      w(p);
    }
  });
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  conn.onRequest('client/registerCapability', () => null);
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();
  const tInit = now();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: null,
    capabilities: {
      workspace: { configuration: true },
      textDocument: {
        publishDiagnostics: { versionSupport: true },
        completion: { completionItem: { snippetSupport: true } },
        semanticTokens: { requests: { full: true, range: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'] },
      },
    },
  });
  const initialize = now() - tInit;
  await conn.sendNotification('initialized', {});
  const res: Result = { cpu: { open: 0, completion: 0, tokens: 0 }, coldOpen: 0, openToDiagnostics: [], steadyOpens: [], completion: [], semanticTokens: [], rssMiB: 0, rssIdleMiB: NaN, diagnostics: 0, initialize };
  const pid = proc.pid as number;
  let c0 = cpuMs(pid);

  // didOpen -> diagnostics (a fresh URI each time, so nothing is cached). The first open
  // is the cold one; then WARMUP unmeasured opens, then 15 measured, then the next ones.
  const openOnce = async (uri: string): Promise<number> => {
    const got = new Promise<PublishDiagnosticsParams>((r) => waiting.set(uri, r));
    const t0 = now();
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dockerfile', version: 1, text } });
    const p = await got;
    res.diagnostics = p.diagnostics.length;
    return now() - t0;
  };
  res.coldOpen = await openOnce('file:///bench/0/Dockerfile'); // kept open for the requests below
  const warmups = Number(process.env.BENCH_WARMUP_OPENS ?? 10);
  for (let k = 0; k < warmups; k++) {
    const uri = `file:///bench/warm-${k}/Dockerfile`;
    await openOnce(uri);
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  c0 = cpuMs(pid);
  const start = now();
  for (let k = 1; k <= 15 && (k < 3 || now() - start < budgetMs); k++) {
    const uri = `file:///bench/${k}/Dockerfile`;
    res.openToDiagnostics.push(await openOnce(uri));
    // one document open at a time, as in an editor
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  res.cpu.open = (cpuMs(pid) - c0) / res.openToDiagnostics.length;
  // then more opens, reported apart: how fast a server is once its JIT has settled
  const st0 = now();
  for (let k = 0; k < STEADY_OPENS && (k < 5 || now() - st0 < budgetMs); k++) {
    const uri = `file:///bench/steady-${k}/Dockerfile`;
    res.steadyOpens.push(await openOnce(uri));
    await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }
  const uri = 'file:///bench/0/Dockerfile';
  c0 = cpuMs(pid);
  // completion at 50 positions
  for (const position of completionPositions(text)) {
    const t0 = now();
    await conn.sendRequest('textDocument/completion', { textDocument: { uri }, position });
    res.completion.push(now() - t0);
  }
  res.cpu.completion = (cpuMs(pid) - c0) / res.completion.length;
  // semanticTokens/full after an edit (a new version must be parsed again)
  c0 = cpuMs(pid);
  const st = now();
  for (let k = 0; k < 15 && (k < 1 || now() - st < budgetMs); k++) {
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 + k }, contentChanges: [{ text: text + `# edit ${k}\n` }] });
    const t0 = now();
    await conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri } });
    res.semanticTokens.push(now() - t0);
  }
  res.cpu.tokens = (cpuMs(pid) - c0) / res.semanticTokens.length;
  res.rssMiB = rssMiB(pid);
  // an editor's server is idle most of the time: V8 shrinks its heap some seconds after the
  // last allocation, so the second reading shows what a server keeps at rest
  const idleS = Number(process.env.BENCH_IDLE_S ?? 0);
  if (idleS > 0) {
    await new Promise((r) => setTimeout(r, idleS * 1000));
    res.rssIdleMiB = rssMiB(pid);
  }
  const exited = new Promise((r) => proc.on('exit', r));
  try {
    await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
    await conn.sendNotification('exit');
  } catch {
    // gone
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  conn.dispose();
  if (proc.exitCode === null) proc.kill();
  return res;
}

async function main(): Promise<void> {
  const text = generateDockerfile(2000);
  fs.mkdirSync(path.join(REPO, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(REPO, 'bench', 'results', 'ls-bench.Dockerfile'), text);
  // extra node flags for both servers, e.g. BENCH_NODE_ARGS="--max-semi-space-size=1"
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const berthArgs = [...SERVER_EXEC_ARGV, ...nodeArgs];
  const berth: Server = { name: 'berth', cmd: [process.execPath, ...berthArgs, path.join(REPO, 'out', 'language-server', 'server.js'), '--stdio'] };
  const servers = [berth];
  const rcjsuen = path.join(BENCH_DIR, 'node_modules', 'dockerfile-language-server-nodejs', 'lib', 'server.js');
  const theirArgs = process.env.BENCH_SAME_FLAGS ? berthArgs : nodeArgs;
  if (fs.existsSync(rcjsuen)) servers.push({ name: 'rcjsuen 0.15.0', cmd: [process.execPath, ...theirArgs, rcjsuen, '--stdio'] });
  else console.log('dockerfile-language-server-nodejs not installed: run `npm install` in bench/ls for the comparison');

  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const results: Record<string, Result[]> = {};
  if (process.env.BENCH_ONLY_BERTH) servers.splice(1);
  // A/B of two builds of our server: another build's server.js in place of rcjsuen's, same flags
  const other = process.env.BENCH_COMPARE;
  if (other) servers.splice(1, servers.length - 1, { name: 'BENCH_COMPARE build', cmd: [process.execPath, ...berthArgs, path.resolve(other), '--stdio'] });
  for (let k = 0; k < runs; k++) {
    for (const s of servers) {
      (results[s.name] ??= []).push(await run(s, text, s === berth ? 5_000 : 60_000));
    }
  }
  const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const row = (label: string, f: (r: Result) => number, target: number | undefined, unit: string): void => {
    const per = servers.map((s) => results[s.name].map(f));
    const meds = per.map((xs) => median(xs));
    const cells = per.map((xs, i) => (runs > 1 ? `${fmt(meds[i])} [${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}]` : fmt(meds[i])));
    const ratio = meds.length > 1 ? `${(meds[1] / meds[0]).toFixed(1)}x` : '';
    const ok = target === undefined ? '' : `target <= ${target} ${unit} ${meds[0] <= target ? 'ok' : 'MISSED'}`;
    console.log(`${label.padEnd(38)} ${cells.map((c) => c.padStart(22)).join(' ')}  ${ratio.padStart(7)}  ${ok}`);
  };
  console.log(`2,000-line Dockerfile, ${text.length} bytes; columns: ${servers.map((s) => s.name).join(' | ')} | ratio (them/us)`);
  console.log(`node flags: berth [${berthArgs.join(' ')}]${servers.length > 1 ? `, rcjsuen [${theirArgs.join(' ')}]` : ''}; ${runs} run(s) per server, alternating: median over runs [min-max]`);
  console.log(`(didOpen: one cold open, then ${process.env.BENCH_WARMUP_OPENS ?? 10} unmeasured opens, then up to 15 measured, then up to ${STEADY_OPENS} more reported apart; completion and tokens on the cold-opened document)`);
  row('initialize round trip (ms)', (r) => r.initialize, undefined, 'ms');
  row('didOpen -> diagnostics (ms, cold first)', (r) => r.coldOpen, 30, 'ms');
  row('didOpen -> diagnostics (ms, median)', (r) => median(r.openToDiagnostics), 30, 'ms');
  row('didOpen -> diagnostics (ms, p95)', (r) => percentile(r.openToDiagnostics, 95), 30, 'ms');
  row('didOpen -> diagnostics (ms, best)', (r) => Math.min(...r.openToDiagnostics), 30, 'ms');
  if (STEADY_OPENS > 0) row('didOpen, the next opens (ms, median)', (r) => median(r.steadyOpens), 30, 'ms');
  row('completion p50 (ms)', (r) => percentile(r.completion, 50), 5, 'ms');
  row('completion p95 (ms)', (r) => percentile(r.completion, 95), 5, 'ms');
  row('semanticTokens/full (ms, median)', (r) => median(r.semanticTokens), 20, 'ms');
  row('semanticTokens/full (ms, p95)', (r) => percentile(r.semanticTokens, 95), 20, 'ms');
  row('RSS after the run (MiB)', (r) => r.rssMiB, 50, 'MiB');
  if (Number(process.env.BENCH_IDLE_S ?? 0) > 0) row(`RSS after ${process.env.BENCH_IDLE_S} s idle (MiB)`, (r) => r.rssIdleMiB, 50, 'MiB');
  row('server CPU per didOpen+diagnostics', (r) => r.cpu.open, 30, 'ms');
  row('server CPU per completion', (r) => r.cpu.completion, 5, 'ms');
  row('server CPU per edit+semanticTokens', (r) => r.cpu.tokens, 20, 'ms');
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average during the run: ${load} (wall-clock numbers include waiting for a CPU)`);
  console.log(`diagnostics published: ${servers.map((s) => `${s.name}=${results[s.name][0].diagnostics}`).join(', ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
