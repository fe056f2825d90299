import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAllEditors, codeOf, diagnosticsWhere, extensionReady, openScratch, waitFor, workspaceFile } from './util';

/** PIDs of language server processes that are children of this extension host (Linux /proc). */
function serverProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('out/language-server/server.js')) pids.push(Number(entry));
    } catch { /* the process went away */ }
  }
  return pids;
}

async function serverCount(n: number): Promise<number[]> {
  return waitFor(`${n} language server process(es)`, () => {
    const pids = serverProcesses();
    return pids.length === n ? pids : undefined;
  });
}

describe('the extension', () => {
  afterEach(closeAllEditors);

  it('gives Dockerfile, Dockerfile.*, Containerfile, Containerfile.* and *.dockerfile the dockerfile language and activates', async () => {
    for (const name of ['Dockerfile', 'Dockerfile.dev', 'Containerfile', 'Containerfile.dev', 'app.dockerfile']) {
      const doc = await vscode.workspace.openTextDocument(workspaceFile(name));
      assert.equal(doc.languageId, 'dockerfile', name);
    }
    await extensionReady();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
  });

  it('registers its commands under the berth. prefix', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['berth.restartLanguageServer', 'berth.showLanguageServerOutput', 'berth.refreshLocalImages']) assert.ok(all.includes(c), c);
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

  it('restarting the language server, in turn or all at once, leaves exactly one server process', async function () {
    if (process.platform !== 'linux') this.skip();
    await openScratch('FROM alpine:3.20\n');
    const [first] = await serverCount(1);
    for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('berth.restartLanguageServer');
    const [now] = await serverCount(1);
    assert.notEqual(now, first, 'a new server process runs');
    // and three restarts at once (e.g. several setting changes) still end with one
    await Promise.all([1, 2, 3].map(() => vscode.commands.executeCommand('berth.restartLanguageServer')));
    const [last] = await serverCount(1);
    assert.notEqual(last, now, 'a new server process runs');
  });

  it('berth.languageServer.enabled=false stops the server and true starts it again', async function () {
    if (process.platform !== 'linux') this.skip();
    const editor = await openScratch('FROM alpine:3.20\n');
    await serverCount(1);
    const cfg = () => vscode.workspace.getConfiguration('berth');
    try {
      await cfg().update('languageServer.enabled', false, vscode.ConfigurationTarget.Workspace);
      await serverCount(0);
    } finally {
      await cfg().update('languageServer.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await serverCount(1);
    await editor.edit((b) => b.insert(new vscode.Position(1, 0), 'MAINTAINER x\n'));
    await diagnosticsWhere(editor.document.uri, 'MaintainerDeprecated from the restarted server',
      (d) => d.some((x) => codeOf(x) === 'MaintainerDeprecated'));
  });
});
