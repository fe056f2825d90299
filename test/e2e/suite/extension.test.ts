import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAllEditors, codeOf, diagnosticsWhere, openScratch, workspaceFile } from './util';

describe('the extension', () => {
  afterEach(closeAllEditors);

  it('gives Dockerfile, Containerfile.* and *.dockerfile the dockerfile language and activates', async () => {
    for (const name of ['Dockerfile', 'Containerfile.dev', 'app.dockerfile']) {
      const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
      assert.equal(doc.languageId, 'dockerfile', name);
    }
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    await ext.activate();
    assert.ok(ext.isActive);
  });

  it('registers its commands under the berth. prefix', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['berth.restartLanguageServer', 'berth.showLanguageServerOutput']) assert.ok(all.includes(c), c);
  });

  it('after berth.restartLanguageServer the new server answers edits', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN echo ok\n');
    const uri = editor.document.uri;
    await vscode.commands.executeCommand('berth.restartLanguageServer');
    await editor.edit((b) => b.insert(new vscode.Position(2, 0), 'MAINTAINER someone\n'));
    const ds = await diagnosticsWhere(uri, 'MaintainerDeprecated after the restart',
      (d) => d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
    assert.equal(ds.find((x) => codeOf(x) === 'MaintainerDeprecated')?.range.start.line, 2);
  });
});
