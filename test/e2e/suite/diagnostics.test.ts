import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DiagnosticSource } from '../../../language-server/protocol';
import { closeAllEditors, codeOf, diagnosticsWhere, openScratch, openWorkspaceFile } from './util';

/** The mistakes in test/fixtures/ws/Dockerfile: rule name -> 0-based line. */
const EXPECTED: Record<string, number> = {
  FromAsCasing: 1,
  StageNameCasing: 1,
  MaintainerDeprecated: 2,
  UndefinedVar: 9,
  JSONArgsRecommended: 16,
};

describe('diagnostics', () => {
  afterEach(closeAllEditors);

  it('a Dockerfile with mistakes gets one diagnostic per mistake, with the rule name as code', async () => {
    const uri = (await openWorkspaceFile('Dockerfile')).document.uri;
    const ds = await diagnosticsWhere(uri, `diagnostics ${Object.keys(EXPECTED).join(', ')}`,
      (d) => Object.keys(EXPECTED).every((rule) => d.some((x) => codeOf(x) === rule)));
    for (const [rule, line] of Object.entries(EXPECTED)) {
      const lines = ds.filter((x) => codeOf(x) === rule).map((x) => x.range.start.line);
      assert.deepEqual(lines, [line], `${rule} is reported once, on line ${line + 1}`);
    }
    const undefinedVar = ds.find((x) => codeOf(x) === 'UndefinedVar');
    assert.match(undefinedVar?.message ?? '', /APP_ROTO/);
    for (const d of ds) assert.ok(d.source, `diagnostic ${codeOf(d)} says which rule family it comes from`);
    for (const d of ds.filter((x) => codeOf(x) in EXPECTED)) assert.equal(d.source, DiagnosticSource.buildkit, codeOf(d));
  });

  it('fixing a mistake removes its diagnostic and keeps the others', async () => {
    const editor = await openScratch('FROM alpine:3.20 as base\nMAINTAINER someone\nCMD run --fast\n');
    const uri = editor.document.uri;
    await diagnosticsWhere(uri, 'MaintainerDeprecated and FromAsCasing',
      (d) => ['MaintainerDeprecated', 'FromAsCasing'].every((r) => d.some((x) => codeOf(x) === r)));
    await editor.edit((b) => b.replace(new vscode.Range(1, 0, 1, 'MAINTAINER someone'.length), 'LABEL org.opencontainers.image.authors=someone'));
    const after = await diagnosticsWhere(uri, 'MaintainerDeprecated to go away',
      (d) => !d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    assert.ok(after.some((x) => codeOf(x) === 'FromAsCasing'), 'FromAsCasing is still reported');
    assert.ok(after.some((x) => codeOf(x) === 'JSONArgsRecommended'), 'JSONArgsRecommended is still reported');
  });

  it('a clean Dockerfile gets no BuildKit check diagnostics', async () => {
    const editor = await openScratch('FROM alpine:3.20 AS base\nRUN ["echo", "ok"]\nCMD ["echo", "done"]\n');
    // Wait for the server to have answered this document at all: an edit that adds a
    // mistake must show up, then removing it must leave the file clean.
    await editor.edit((b) => b.insert(new vscode.Position(3, 0), 'MAINTAINER x\n'));
    await diagnosticsWhere(editor.document.uri, 'MaintainerDeprecated', (d) => d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    await editor.edit((b) => b.delete(new vscode.Range(3, 0, 4, 0)));
    const ds = await diagnosticsWhere(editor.document.uri, 'MaintainerDeprecated to go away',
      (d) => !d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    const buildkit = ds.filter((x) => x.source === DiagnosticSource.buildkit);
    assert.deepEqual(buildkit.map(codeOf), []);
  });

  it('the berth.dockerfile.rules setting changes a rule\'s severity and turns it off', async () => {
    const editor = await openScratch('FROM alpine:3.20\nMAINTAINER someone\n');
    const uri = editor.document.uri;
    const maintainer = (ds: vscode.Diagnostic[]) => ds.find((x) => codeOf(x) === 'MaintainerDeprecated');
    const warning = await diagnosticsWhere(uri, 'MaintainerDeprecated', (d) => !!maintainer(d));
    assert.notEqual(maintainer(warning)?.severity, vscode.DiagnosticSeverity.Error);
    const rules = (value: Record<string, string> | undefined) =>
      vscode.workspace.getConfiguration('berth.dockerfile').update('rules', value, vscode.ConfigurationTarget.Workspace);
    try {
      await rules({ MaintainerDeprecated: 'error' });
      await diagnosticsWhere(uri, 'MaintainerDeprecated as an error',
        (d) => maintainer(d)?.severity === vscode.DiagnosticSeverity.Error);
      await rules({ MaintainerDeprecated: 'off' });
      await diagnosticsWhere(uri, 'MaintainerDeprecated to be off', (d) => !maintainer(d));
    } finally {
      await rules(undefined);
    }
    await diagnosticsWhere(uri, 'MaintainerDeprecated back with the default severity',
      (d) => maintainer(d)?.severity === vscode.DiagnosticSeverity.Warning);
  });
});
