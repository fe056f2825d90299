#!/usr/bin/env node
// The demo's editor part: a real VS Code (code-server) on 127.0.0.1 with the Berth
// extension loaded from this checkout (as a development extension), opened on a folder.
// Prints the URL and serves until Ctrl-C.
//   node scripts/open-editor.mjs FOLDER [--port N] [--screenshot FILE]
// --screenshot opens FOLDER's Dockerfile in headless Chromium, saves a picture of the
// workbench with its Problems panel, and exits (a check that the demo really works).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer, sleep, startCodeServer, stopAll, workbenchUrl } from './code-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  port: { type: 'string', default: process.env.BERTH_DEMO_PORT ?? '8080' },
  screenshot: { type: 'string' },
} });
if (positionals.length !== 1) {
  console.error('usage: node scripts/open-editor.mjs FOLDER [--port N] [--screenshot FILE]');
  process.exit(2);
}
const folder = path.resolve(positionals[0]);
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`open-editor: --port ${values.port} is not a TCP port`);
  process.exit(2);
}
const log = (m) => console.log(`[editor] ${m}`);

await ensureCodeServer(log);
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-editor-'));
// The development-extension payload in the URL is honoured only with the smoke-test driver.
const server = await startCodeServer(state, { port, smokeTestDriver: true });
const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
const url = workbenchUrl(port, folder, [['extensionDevelopmentPath', remote(ROOT)]]);

if (values.screenshot) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('Dockerfile');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dockerfile' }).first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+Shift+M'); // the Problems panel
    await page.locator('.markers-panel .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await sleep(1000);
    await page.screenshot({ path: values.screenshot });
    log(`screenshot: ${values.screenshot}`);
  } finally {
    await browser.close();
    await stopAll();
    fs.rmSync(state, { recursive: true, force: true });
  }
} else {
  log(`VS Code (code-server) with the Berth extension, pid ${server.pid}; open this in a browser:`);
  console.log(`\n  ${url}\n`);
  log('Ctrl-C stops it.');
  server.child.on('exit', (code) => { log(`code-server exited with ${code}`); process.exit(code ?? 1); });
}
