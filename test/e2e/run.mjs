#!/usr/bin/env node
// The VS Code e2e run: code-server (a real VS Code with a Node extension host) driven by
// headless Debian Chromium. Phase 1 runs the mocha suite (out/test/e2e/suite/) inside the
// extension host; phase 2 (ui.mjs) drives the workbench with Playwright.
// Node 24 and code-server are installed once under ~/.cache/berth-e2e/ (BERTH_E2E_CACHE),
// keyed by version. Needs `npx tsc -p .` first. Prints `e2e: N passed, N failed[, N skipped]`
// and exits non-zero on any failure or when no test ran. Every process it starts gets its
// own process group and is killed by that group; the temp dir is removed on success and
// kept (path printed) on failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUiTests } from './ui.mjs';
import { CODE_SERVER_VERSION, ensureCodeServer, own, startCodeServer, stopAll, workbenchUrl } from '../../scripts/code-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PHASE_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS || 600_000);
const VERBOSE = !!process.env.E2E_VERBOSE;

const t0 = Date.now();
const log = (m) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
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

// ---- Chromium --------------------------------------------------------------------------
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
  await page.goto(workbenchUrl(port, ws, payload));
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
  await ensureCodeServer(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'ws'), ws, { recursive: true });
  const resultFile = path.join(tmp, 'mocha-results.json');
  const tests = [];
  let failedToRun = null;
  let browser;
  try {
    const server = await startCodeServer(tmp, { smokeTestDriver: true, env: { E2E_RESULT_FILE: resultFile } });
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
