/**
 * `npm run test:electron`: the same mocha suite as test/e2e/run.mjs, run through
 * @vscode/test-electron in a desktop VS Code. Uses BERTH_VSCODE_EXECUTABLE when set,
 * else tries to download VS Code (cached under ~/.cache/berth-e2e/vscode); when none can
 * be had (no network to update.code.visualstudio.com), it says so and exits 0.
 * On Linux a desktop VS Code needs a display: with no DISPLAY (nor WAYLAND_DISPLAY) it runs
 * itself again under `xvfb-run -a`, and without xvfb-run it says so and exits 0, before any
 * download.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { UNDER_XVFB, displayPlan, findOnPath } from './display';
import type { SuiteResult } from './suite/index';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CACHE = process.env.BERTH_E2E_CACHE || path.join(os.homedir(), '.cache', 'berth-e2e');

async function desktopVSCode(): Promise<string | undefined> {
  const given = process.env.BERTH_VSCODE_EXECUTABLE;
  if (given) return given;
  try {
    return await downloadAndUnzipVSCode({ version: 'stable', cachePath: path.join(CACHE, 'vscode'), timeout: 20_000 });
  } catch (e) {
    console.log(`test:electron skipped: no desktop VS Code could be downloaded (${e instanceof Error ? e.message : String(e)}).`);
    console.log('Set BERTH_VSCODE_EXECUTABLE to a VS Code binary to run this suite, or use `node test/e2e/run.mjs` (code-server).');
    return undefined;
  }
}

/** This script again, under `xvfb-run -a` (a free display number); its exit code. */
function underXvfb(xvfbRun: string): Promise<number> {
  console.log(`test:electron: no DISPLAY, running under ${xvfbRun}`);
  return new Promise((resolve) => {
    const child = spawn(xvfbRun, ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, __filename, ...process.argv.slice(2)], {
      stdio: 'inherit', env: { ...process.env, [UNDER_XVFB]: '1' },
    });
    child.on('error', (e) => {
      console.error(`could not start ${xvfbRun}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const display = displayPlan(process.platform, process.env, findOnPath('xvfb-run', process.env.PATH));
  if (display.kind === 'skip') {
    console.log(`test:electron skipped: ${display.reason}.`);
    console.log('Set DISPLAY, or install xvfb, to run this suite; or use `node test/e2e/run.mjs` (code-server with headless Chromium, no display needed).');
    return 0;
  }
  if (display.kind === 'xvfb') return underXvfb(display.xvfbRun);
  const vscodeExecutablePath = await desktopVSCode();
  if (!vscodeExecutablePath) return 0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-electron-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'ws'), ws, { recursive: true });
  const resultFile = path.join(tmp, 'mocha-results.json');
  let code: number;
  try {
    code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out', 'test', 'e2e', 'suite', 'index.js'),
      extensionTestsEnv: { E2E_RESULT_FILE: resultFile },
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(tmp, 'user-data')}`],
    });
  } catch (e) {
    console.error(`VS Code exited with a failure: ${e instanceof Error ? e.message : String(e)}`);
    code = 1;
  }
  let summary: SuiteResult | undefined;
  try { summary = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as SuiteResult; } catch { /* none written */ }
  if (summary) {
    for (const t of summary.tests.filter((x) => x.state === 'failed')) console.log(`  FAIL ${t.title}\n${t.error ?? ''}`);
    console.log(`e2e (electron): ${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ''}`);
  }
  const ok = code === 0 && !!summary && summary.failed === 0 && summary.passed > 0;
  if (ok) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`logs kept in ${tmp}`);
  return ok ? 0 : 1;
}

main().then((c) => { process.exitCode = c; }, (e: unknown) => { console.error(e); process.exitCode = 1; });
