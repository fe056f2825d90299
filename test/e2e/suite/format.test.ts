import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, openScratch } from './util';

describe('formatting', () => {
  afterEach(closeAllEditors);

  it('Format Document puts instructions at column 0 and indents continuation lines once', async () => {
    const editor = await openScratch([
      'FROM alpine:3.20',
      '   RUN apk add --no-cache curl \\',
      'git',
      '  WORKDIR /app',
      '',
    ].join('\n'));
    const before = editor.document.getText();
    await vscode.commands.executeCommand('editor.action.formatDocument');
    const after = editor.document.getText();
    assert.notEqual(after, before, 'formatting changed the text');
    const lines = after.split('\n');
    assert.equal(lines[0], 'FROM alpine:3.20');
    assert.equal(lines[1], 'RUN apk add --no-cache curl \\');
    const { insertSpaces, tabSize } = editor.options;
    const unit = insertSpaces ? ' '.repeat(Number(tabSize)) : '\t';
    assert.equal(lines[2], `${unit}git`, 'the continuation line is indented by one unit');
    assert.equal(lines[3], 'WORKDIR /app');
  });
});
