/** The server over --node-ipc (what vscode-languageclient uses) and --stdio with initializationOptions. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createProtocolConnection, IPCMessageReader, IPCMessageWriter, PublishDiagnosticsNotification, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { TestClient } from './client';
import { SERVER_JS } from './paths';

test('--node-ipc: initialize, open, diagnostics, shutdown', async () => {
  const child = fork(SERVER_JS, ['--node-ipc'], { silent: true });
  const conn = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const got = new Promise<PublishDiagnosticsParams>((resolve) => conn.onNotification(PublishDiagnosticsNotification.type, resolve));
  conn.listen();
  try {
    const init = (await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} })) as { serverInfo?: { name: string } };
    assert.equal(init.serverInfo?.name, 'berth-dockerfile');
    await conn.sendNotification('initialized', {});
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: 'untitled:ipc', languageId: 'dockerfile', version: 1, text: 'FROM alpine:3.20 AS Build\n' } });
    const p = await got;
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['StageNameCasing']);
    await conn.sendRequest('shutdown');
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await conn.sendNotification('exit');
    assert.equal(await exited, 0);
  } finally {
    conn.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('--stdio without workspace/configuration: settings from initializationOptions', async () => {
  const c = new TestClient();
  await c.start({ settings: { rules: { StageNameCasing: 'off', FromAsCasing: 'error' } } }, false);
  try {
    const ds = await c.open('untitled:opts', 'FROM alpine:3.20 as Build\n');
    assert.deepEqual(ds.map((d) => [d.code, d.severity]), [['FromAsCasing', 1]]);
  } finally {
    await c.stop();
  }
});

test('malformed settings are ignored entry by entry', async () => {
  const c = new TestClient();
  c.settings = { rules: { StageNameCasing: 'loud', FromAsCasing: 'off', WorkdirRelativePath: 42 }, format: 'yes', diagnostics: { delay: -5 } };
  await c.start();
  try {
    const ds = await c.open('untitled:malformed', 'FROM alpine:3.20 as Build\nWORKDIR app\n');
    assert.deepEqual(ds.map((d) => [d.code, d.severity]), [['StageNameCasing', 2], ['WorkdirRelativePath', 2]]);
  } finally {
    await c.stop();
  }
});
