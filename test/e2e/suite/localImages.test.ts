/**
 * Local image names in completion, end to end: a tiny image imported into a temp store
 * with the real berth binary, the engine settings pointed at it, `berth.refreshLocalImages`,
 * then completion after `FROM ` offers it. Needs runtime-helper/target/release/berth.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAllEditors, openScratch, waitFor } from './util';

const IMAGE = 'berth-e2e/local:1';

async function labelsAt(editor: vscode.TextEditor, pos: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider', editor.document.uri, pos);
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

async function setEngine(enginePath: string | undefined, root: string | undefined): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('berth');
  await cfg.update('engine.path', enginePath, vscode.ConfigurationTarget.Workspace);
  await cfg.update('engine.root', root, vscode.ConfigurationTarget.Workspace);
}

describe('local images in completion', () => {
  let tmp = '';
  let berth = '';

  before(function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    berth = path.join(ext.extensionPath, 'runtime-helper', 'target', 'release', 'berth');
    if (!fs.existsSync(berth)) {
      console.log(`skipping: ${berth} is not built (cd runtime-helper && cargo build --release)`);
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-images-'));
    const rootfs = path.join(tmp, 'rootfs');
    fs.mkdirSync(rootfs);
    fs.writeFileSync(path.join(rootfs, 'hello.txt'), 'hello\n');
    execFileSync('tar', ['-C', rootfs, '-cf', path.join(tmp, 'rootfs.tar'), '.']);
    execFileSync(berth, ['--root', path.join(tmp, 'store'), 'import', path.join(tmp, 'rootfs.tar'), IMAGE], { stdio: 'pipe' });
  });

  after(async () => {
    await setEngine(undefined, undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(closeAllEditors);

  it('after Berth: Refresh Local Images, completion after FROM lists an image of the engine store', async () => {
    await setEngine(berth, path.join(tmp, 'store'));
    const editor = await openScratch('FROM \n');
    await vscode.commands.executeCommand('berth.refreshLocalImages');
    const labels = await labelsAt(editor, new vscode.Position(0, 'FROM '.length));
    assert.ok(labels.includes(IMAGE), `${IMAGE} offered; got ${JSON.stringify(labels)}`);
  });

  it('a restarted language server is sent the list without another refresh', async () => {
    await setEngine(berth, path.join(tmp, 'store'));
    const editor = await openScratch('FROM \n');
    await vscode.commands.executeCommand('berth.restartLanguageServer');
    // The list is sent once the new client has started, so poll rather than ask once.
    await waitFor(`${IMAGE} offered by the new server`, async () =>
      ((await labelsAt(editor, new vscode.Position(0, 5))).includes(IMAGE) ? true : undefined), 30_000);
  });

  it('an engine that cannot be run empties the list, and the refresh still finishes', async () => {
    await setEngine(berth, path.join(tmp, 'store'));
    const editor = await openScratch('FROM \n');
    await vscode.commands.executeCommand('berth.refreshLocalImages');
    assert.ok((await labelsAt(editor, new vscode.Position(0, 5))).includes(IMAGE), 'listed while the engine works');
    await setEngine(path.join(tmp, 'no-such-berth'), path.join(tmp, 'store'));
    await vscode.commands.executeCommand('berth.refreshLocalImages');
    const labels = await labelsAt(editor, new vscode.Position(0, 5));
    assert.ok(!labels.includes(IMAGE), `${IMAGE} no longer offered; got ${JSON.stringify(labels)}`);
    assert.ok(labels.includes('scratch'), 'completion itself still works');
  });
});
