import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, openScratch } from './util';

async function hoverText(editor: vscode.TextEditor, pos: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

describe('hover', () => {
  afterEach(closeAllEditors);

  it('on an instruction shows its documentation', async () => {
    const editor = await openScratch('FROM alpine:3.20\nWORKDIR /app\n');
    const text = await hoverText(editor, new vscode.Position(1, 2));
    assert.match(text, /WORKDIR/);
    assert.match(text, /working directory/i);
  });

  it('on a RUN flag shows the flag documentation', async () => {
    const editor = await openScratch('FROM alpine:3.20\nRUN --mount=type=cache,target=/root/.cache make\n');
    const text = await hoverText(editor, new vscode.Position(1, 'RUN --mo'.length));
    assert.match(text, /mount/i);
    assert.ok(text.length > 'mount'.length + 10, `more than the flag name: ${JSON.stringify(text)}`);
  });

  it('on a variable shows the value of its ARG', async () => {
    const editor = await openScratch('ARG VERSION=3.20\nFROM alpine:${VERSION}\n');
    const text = await hoverText(editor, new vscode.Position(1, 'FROM alpine:${VE'.length));
    assert.match(text, /3\.20/);
  });
});
