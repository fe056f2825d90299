// Phase 2 of the e2e run (called by run.mjs): Playwright drives code-server's workbench
// with the extension loaded, the way a user would. Each check keeps a screenshot on
// failure. Returns [{ title, state: 'passed' | 'failed', error? }].
import fs from 'node:fs';
import path from 'node:path';
import { workbenchUrl } from '../../scripts/code-server.mjs';

const WAIT = 60_000; // a deadline against hangs, not a speed assertion

export async function runUiTests({ browser, port, root, ws, fixtures, tmp, log }) {
  fs.cpSync(fixtures, ws, { recursive: true });
  const context = browser.contexts()[0] ?? await browser.newContext();
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  const consoleLog = fs.createWriteStream(path.join(tmp, 'ui-console.log'));
  await page.exposeFunction('codeAutomationLog', (type, args) => { consoleLog.write(`${JSON.stringify(args)}\n`); });
  await page.exposeFunction('codeAutomationExit', () => {});
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(root)]];
  await page.goto(workbenchUrl(port, ws, payload));

  const results = [];
  async function check(title, fn) {
    try {
      await fn();
      results.push({ title: `UI: ${title}`, state: 'passed' });
    } catch (e) {
      const shot = path.join(tmp, `ui-${results.length + 1}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      results.push({ title: `UI: ${title}`, state: 'failed', error: `${e?.message ?? e}\nscreenshot: ${shot}` });
    }
  }

  /** Opens the quick input with `key`, types `query` and accepts the row showing `label`. */
  async function quickPick(key, query, label) {
    await page.keyboard.press(key);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: WAIT });
    await input.fill(query);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout: WAIT });
    await page.keyboard.press('Enter');
  }

  const runCommand = (label) => quickPick('F1', `>${label}`, label);

  async function openFile(name) {
    await quickPick('Control+P', name, name);
    await page.locator(`.tab.active[data-resource-name="${name}"]`).waitFor({ timeout: WAIT });
  }

  /** The rendered line of the editor that contains `text`. */
  const viewLine = (text) => page.locator('.editor-instance .view-line', { hasText: text }).first();

  /** The class (mtkN: the token's colour) of the rendered token spans making up `text`. */
  async function tokenClass(lineText, token) {
    const spans = viewLine(lineText).locator('span > span');
    const all = await spans.evaluateAll((els) => els.map((e) => ({ text: (e.textContent ?? '').replace(/\u00a0/g, ' '), cls: e.className })));
    const hit = all.find((s) => s.text.trim() === token) ?? all.find((s) => s.text.includes(token));
    if (!hit) throw new Error(`no token ${JSON.stringify(token)} on the line ${JSON.stringify(lineText)}: ${JSON.stringify(all)}`);
    return hit.cls;
  }

  /** The TextMate scopes VS Code reports for the token at `token` (Inspect Editor Tokens and Scopes). */
  async function scopesAt(lineText, token) {
    const span = viewLine(lineText).locator('span > span', { hasText: token }).first();
    const box = await span.boundingBox();
    if (!box) throw new Error(`token ${token} is not visible`);
    await page.mouse.click(box.x + Math.min(4, box.width / 2), box.y + box.height / 2);
    await runCommand('Developer: Inspect Editor Tokens and Scopes');
    const widget = page.locator('.token-inspect-widget');
    await widget.waitFor({ state: 'visible', timeout: WAIT });
    await page.locator('.token-inspect-widget', { hasText: 'textmate scopes' }).waitFor({ timeout: WAIT });
    const text = await widget.innerText();
    await page.keyboard.press('Escape');
    return text;
  }

  try {
    await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
    await page.locator('.explorer-folders-view, .activitybar').first().waitFor({ timeout: WAIT });
    log('UI: workbench loaded');

    await check('the Problems panel lists the Dockerfile\'s mistakes by rule name, and the editor underlines them', async () => {
      await openFile('Dockerfile');
      await page.locator('.editor-instance .view-line', { hasText: 'MAINTAINER' }).waitFor({ timeout: WAIT });
      await runCommand('View: Focus Problems');
      const panel = page.locator('.markers-panel');
      await panel.waitFor({ state: 'visible', timeout: WAIT });
      for (const rule of ['MaintainerDeprecated', 'FromAsCasing', 'StageNameCasing', 'UndefinedVar', 'JSONArgsRecommended']) {
        await panel.locator('.monaco-list-row', { hasText: rule }).first().waitFor({ timeout: WAIT });
      }
      const maintainer = await panel.locator('.monaco-list-row', { hasText: 'MaintainerDeprecated' }).first().innerText();
      if (!/\[Ln 3, Col \d+\]/.test(maintainer)) throw new Error(`MaintainerDeprecated row is not at line 3: ${JSON.stringify(maintainer)}`);
      const squiggles = page.locator('.editor-instance [class*="squiggly-"]');
      try {
        await squiggles.first().waitFor({ state: 'attached', timeout: 10_000 });
      } catch {
        const classes = await page.locator('.editor-instance .view-overlays div, .editor-instance .lines-content div').evaluateAll(
          (els) => [...new Set(els.flatMap((e) => [...e.classList]))].join(' '));
        throw new Error(`no squiggles in the editor; overlay classes: ${classes}`);
      }
    });

    await check('the editor colours the Dockerfile with Berth\'s grammar (stage names, flags, shell and Python heredocs)', async () => {
      await openFile('Dockerfile');
      const line = 'golang:1.22 as Builder';
      await viewLine(line).waitFor({ timeout: WAIT });
      const from = await tokenClass(line, 'FROM');
      const stage = await tokenClass(line, 'Builder');
      const plain = await tokenClass('COPY . .', '. .');
      if (from === plain) throw new Error(`FROM is not coloured (${from}, plain text is ${plain})`);
      if (stage === plain || stage === from) throw new Error(`the stage name has no colour of its own (${stage}; FROM ${from}; plain ${plain})`);
      const stageScopes = await scopesAt(line, 'Builder');
      if (!stageScopes.includes('entity.name.function.stage.dockerfile')) throw new Error(`scopes at Builder: ${stageScopes}`);
      const flagScopes = await scopesAt('COPY --from=Builder', '--from');
      if (!flagScopes.includes('variable.parameter.flag.dockerfile')) throw new Error(`scopes at --from: ${flagScopes}`);
      const shellScopes = await scopesAt('if [ -x', 'if');
      if (!shellScopes.includes('meta.embedded.block.shell') || !/keyword\.control\.[\w.]*shell/.test(shellScopes)) {
        throw new Error(`scopes at the heredoc's if: ${shellScopes}`);
      }
      const pythonScopes = await scopesAt('with open(', 'with');
      if (!pythonScopes.includes('meta.embedded.block.python') || !/keyword\.control\.[\w.]*python/.test(pythonScopes)) {
        throw new Error(`scopes at the python heredoc's with: ${pythonScopes}`);
      }
    });
    await check('typing RUN --mount= in the editor pops up the mount keys', async () => {
      await openFile('app.dockerfile');
      await viewLine('FROM alpine').click();
      await page.keyboard.press('End');
      await page.keyboard.press('Enter');
      await page.keyboard.type('RUN --mount=');
      const widget = page.locator('.editor-widget.suggest-widget');
      await widget.waitFor({ state: 'visible', timeout: WAIT });
      for (const key of ['type', 'target', 'source']) {
        await widget.locator('.monaco-list-row', { hasText: key }).first().waitFor({ timeout: WAIT });
      }
      await page.keyboard.press('Escape');
    });
  } catch (e) {
    const shot = path.join(tmp, 'ui-setup.png');
    await page.screenshot({ path: shot }).catch(() => {});
    results.push({ title: 'UI: workbench set-up', state: 'failed', error: `${e?.message ?? e}\nscreenshot: ${shot}` });
  } finally {
    await page.close().catch(() => {});
    consoleLog.end();
  }
  return results;
}
