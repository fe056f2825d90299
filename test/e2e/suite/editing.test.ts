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

  it('semantic tokens give a stage name the same type where it is declared and where it is used', async () => {
    const editor = await openFixtureCopy();
    const uri = editor.document.uri;
    const legend = await vscode.commands.executeCommand<vscode.SemanticTokensLegend>('vscode.provideDocumentSemanticTokensLegend', uri);
    const tokens = await vscode.commands.executeCommand<vscode.SemanticTokens>('vscode.provideDocumentSemanticTokens', uri);
    assert.ok(legend && tokens, 'the server provides semantic tokens');
    // decode the relative (line, char, length, type, modifiers) quintuples
    const decoded: { line: number; char: number; length: number; type: string; modifiers: string[] }[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl, dc, length, type, mods] = tokens.data.slice(i, i + 5);
      line += dl;
      char = dl === 0 ? char + dc : dc;
      decoded.push({ line, char, length, type: legend.tokenTypes[type],
        modifiers: legend.tokenModifiers.filter((_, bit) => (mods & (1 << bit)) !== 0) });
    }
    const tokenAt = (l: number, word: string) => {
      const c = editor.document.lineAt(l).text.indexOf(word);
      return decoded.find((t) => t.line === l && t.char === c && t.length === word.length);
    };
    const declared = tokenAt(1, 'Builder');
    const used = tokenAt(10, 'Builder');
    assert.ok(declared, `a token on the stage name: ${JSON.stringify(decoded.filter((t) => t.line === 1))}`);
    assert.ok(used, `a token on COPY --from=Builder: ${JSON.stringify(decoded.filter((t) => t.line === 10))}`);
    assert.equal(used.type, declared.type);
    assert.ok(declared.modifiers.includes('declaration'), `declaration modifier: ${declared.modifiers.join(',')}`);
    assert.ok(!used.modifiers.includes('declaration'));
  });

  it('image references are document links', async () => {
    const editor = await openFixtureCopy();
    const links = await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', editor.document.uri);
    const golang = links.find((l) => l.range.start.line === 1);
    assert.ok(golang, `a link on line 2: ${JSON.stringify(links.map((l) => l.range.start.line))}`);
    assert.match(editor.document.getText(golang.range), /^golang/);
    assert.match(String(golang.target), /golang/);
  });
});
