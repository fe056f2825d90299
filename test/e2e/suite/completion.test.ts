import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, openScratch } from './util';

async function labelsAt(editor: vscode.TextEditor, pos: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider', editor.document.uri, pos);
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

const bare = (label: string) => label.replace(/=.*$/, '');

describe('completion', () => {
  afterEach(closeAllEditors);

  it('after RUN --mount= lists the mount keys (type and the keys of the default bind mount)', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN --mount=\n');
    const labels = (await labelsAt(editor, new vscode.Position(1, 'RUN --mount='.length))).map(bare);
    for (const key of ['type', 'target', 'source', 'from', 'readonly']) {
      assert.ok(labels.includes(key), `mount key ${key} offered; got ${JSON.stringify(labels)}`);
    }
    assert.ok(!labels.includes('FROM'), 'no instructions offered inside a flag value');
  });

  it('after RUN --mount=type=cache, lists the cache mount keys', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN --mount=type=cache,\n');
    const labels = (await labelsAt(editor, new vscode.Position(1, 'RUN --mount=type=cache,'.length))).map(bare);
    for (const key of ['target', 'id', 'sharing', 'mode', 'uid', 'gid']) {
      assert.ok(labels.includes(key), `cache mount key ${key} offered; got ${JSON.stringify(labels)}`);
    }
    assert.ok(!labels.includes('type'), 'type is not offered twice');
  });

  it('after RUN --mount=type=secret, lists the secret mount keys', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN --mount=type=secret,\n');
    const labels = (await labelsAt(editor, new vscode.Position(1, 'RUN --mount=type=secret,'.length))).map(bare);
    for (const key of ['id', 'target', 'required', 'env']) {
      assert.ok(labels.includes(key), `secret mount key ${key} offered; got ${JSON.stringify(labels)}`);
    }
  });

  it('after RUN --mount=type= lists the mount types', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN --mount=type=\n');
    const labels = await labelsAt(editor, new vscode.Position(1, 'RUN --mount=type='.length));
    for (const t of ['bind', 'cache', 'tmpfs', 'secret', 'ssh']) {
      assert.ok(labels.includes(t), `mount type ${t} offered; got ${JSON.stringify(labels)}`);
    }
  });

  it('at the start of a line lists instructions', async () => {
    const editor = await openScratch('FROM alpine:3.20\n\n');
    const labels = await labelsAt(editor, new vscode.Position(1, 0));
    for (const i of ['RUN', 'COPY', 'WORKDIR', 'ENTRYPOINT']) assert.ok(labels.includes(i), `${i} offered; got ${JSON.stringify(labels)}`);
  });
});
