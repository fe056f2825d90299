import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, codeOf, diagnosticsWhere, openScratch, workspaceFile } from './util';

/** A scratch copy of the workspace's Dockerfile (edits here do not touch other tests). */
async function openFixtureCopy(): Promise<vscode.TextEditor> {
  const text = Buffer.from(await vscode.workspace.fs.readFile(workspaceFile('Dockerfile'))).toString('utf8');
  return openScratch(text);
}

describe('editing features', () => {
  afterEach(closeAllEditors);

  it('the MaintainerDeprecated quick fix turns MAINTAINER into a LABEL and the warning goes away', async () => {
    const editor = await openFixtureCopy();
    const uri = editor.document.uri;
    const ds = await diagnosticsWhere(uri, 'MaintainerDeprecated', (d) => d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    const diag = ds.find((x) => codeOf(x) === 'MaintainerDeprecated');
    assert.ok(diag);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => /LABEL/.test(a.title) && a.edit);
    assert.ok(fix?.edit, `a LABEL quick fix among ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(editor.document.lineAt(2).text, /^LABEL org\.opencontainers\.image\.authors=.*jane@example\.com/);
    const after = await diagnosticsWhere(uri, 'MaintainerDeprecated to go away', (d) => !d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    assert.ok(after.some((x) => codeOf(x) === 'StageNameCasing'), 'the other warnings stay');
  });

  it('renaming a stage renames its COPY --from= use, and StageNameCasing goes away', async () => {
    const editor = await openFixtureCopy();
    const uri = editor.document.uri;
    await diagnosticsWhere(uri, 'StageNameCasing', (d) => d.some((x) => codeOf(x) === 'StageNameCasing'));
    const at = new vscode.Position(1, editor.document.lineAt(1).text.indexOf('Builder') + 1);
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', uri, at, 'builder');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const text = editor.document.getText();
    assert.match(text, /^FROM golang:1\.22 as builder$/m);
    assert.match(text, /^COPY --from=builder \/out\/app/m);
    assert.doesNotMatch(text, /Builder/);
    await diagnosticsWhere(uri, 'StageNameCasing to go away', (d) => !d.some((x) => codeOf(x) === 'StageNameCasing'));
  });

  it('go to definition on COPY --from=<stage> lands on the stage name', async () => {
    const editor = await openFixtureCopy();
    const line = 10;
    assert.match(editor.document.lineAt(line).text, /^COPY --from=Builder/);
    const result = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
      'vscode.executeDefinitionProvider', editor.document.uri, new vscode.Position(line, 'COPY --from=Bu'.length));
    assert.equal(result.length, 1);
    const target = result[0];
    const range = 'targetRange' in target ? (target.targetSelectionRange ?? target.targetRange) : target.range;
    assert.equal(range.start.line, 1);
    assert.equal(editor.document.getText(range), 'Builder');
  });

  it('the outline is a tree of stages with their instructions', async () => {
    const editor = await openFixtureCopy();
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
      'vscode.executeDocumentSymbolProvider', editor.document.uri);
    assert.equal(symbols.length, 2, `two stages: ${JSON.stringify(symbols.map((s) => s.name))}`);
    assert.equal(symbols[0].name, 'Builder');
    assert.ok(symbols[0].children.some((c) => c.name === 'RUN'), 'the first stage holds its RUN');
    assert.ok(symbols[1].children.some((c) => c.name === 'CMD'), 'the second stage holds its CMD');
    assert.ok(!symbols[0].children.some((c) => c.name === 'CMD'), 'CMD is not in the first stage');
  });
});
