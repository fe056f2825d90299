/** Helpers shared by the e2e tests (they run inside VS Code's extension host). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** The copy of test/fixtures/ws the runner opened as the workspace. */
export function workspaceFile(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/**
 * Poll `probe` until it returns something other than undefined. The deadline is a
 * safety net against hangs, not an assertion about speed.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>,
  deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const EXTENSION_ID = 'berth.berth';

/**
 * Wait for the extension's activate() to finish. It ends once the language client has
 * started, so requests made after this reach the server (opening a Dockerfile starts
 * the activation, but a request made right then would find no provider yet).
 */
export async function extensionReady(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  await ext.activate();
}

/** Open a workspace file in an editor and wait for the extension to be ready. */
export async function openWorkspaceFile(name: string): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(name)));
  await extensionReady();
  return editor;
}

let scratchCount = 0;

/** Write `content` to a new file in the workspace and open it in an editor. */
export async function openScratch(content: string, name = `scratch-${++scratchCount}.dockerfile`): Promise<vscode.TextEditor> {
  await vscode.workspace.fs.writeFile(workspaceFile(name), Buffer.from(content, 'utf8'));
  const editor = await openWorkspaceFile(name);
  assert.equal(editor.document.languageId, 'dockerfile');
  return editor;
}

/** The diagnostic's code as a string (VS Code may wrap it in { value, target }). */
export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

/** Wait until the document's diagnostics satisfy `ok`, and return them. */
export async function diagnosticsWhere(uri: vscode.Uri, what: string,
  ok: (ds: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  try {
    return await waitFor(what, () => {
      const ds = vscode.languages.getDiagnostics(uri);
      return ok(ds) ? ds : undefined;
    });
  } catch (e) {
    const seen = vscode.languages.getDiagnostics(uri).map((d) => `${codeOf(d)}@${d.range.start.line + 1}`);
    throw new Error(`${(e as Error).message}; the document has [${seen.join(', ')}]`);
  }
}

/** Close every editor, throwing away unsaved changes (no "save?" dialog). */
export async function closeAllEditors(): Promise<void> {
  const tabs = () => vscode.window.tabGroups.all.reduce((n, g) => n + g.tabs.length, 0);
  for (let n = tabs(); n > 0;) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    const left = tabs();
    if (left >= n) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      break;
    }
    n = left;
  }
}
