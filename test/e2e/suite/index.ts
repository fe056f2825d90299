/**
 * The extension-tests entry: VS Code's extension host loads this module (its
 * extensionTestsPath) and calls run(). Runs every *.test.js next to it with mocha.
 * When E2E_RESULT_FILE is set (test/e2e/run.mjs sets it), writes a JSON summary of every
 * test there, so the runner can report without scraping the workbench's console.
 */
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export interface TestResult { title: string; state: 'passed' | 'failed' | 'pending'; error?: string }
export interface SuiteResult { passed: number; failed: number; skipped: number; tests: TestResult[] }

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  const results: TestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const summary: SuiteResult = {
        passed: results.filter((r) => r.state === 'passed').length,
        failed: results.filter((r) => r.state === 'failed').length,
        skipped: results.filter((r) => r.state === 'pending').length,
        tests: results,
      };
      const out = process.env.E2E_RESULT_FILE;
      if (out) fs.writeFileSync(out, JSON.stringify(summary, null, 2));
      if (failures > 0) reject(new Error(`${failures} tests failed.`));
      else if (summary.passed === 0) reject(new Error('no tests ran'));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed' }));
    runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'pending' }));
    runner.on('fail', (t, err: unknown) => results.push({
      title: t.fullTitle(), state: 'failed',
      error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err),
    }));
  });
}
