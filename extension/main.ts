/**
 * Entry point: build the context, register the command table, start the language
 * client, and restart it when a setting that needs a restart changes. Nothing else.
 */
import * as vscode from 'vscode';
import { COMMAND_PREFIX, commands } from './commands';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const c = new Ctx(context);
  ctx = c;
  for (const [name, factory] of Object.entries(commands)) {
    c.pushExtensionCleanup(vscode.commands.registerCommand(COMMAND_PREFIX + name, factory(c)));
  }
  c.pushExtensionCleanup(vscode.workspace.onDidChangeConfiguration((e) => {
    if (c.config.needsRestart(e)) void c.restart();
  }));
  await c.start().catch((e: unknown) => {
    void vscode.window.showErrorMessage(`Berth: the Dockerfile language server did not start: ${String(e)}`);
  });
}

export async function deactivate(): Promise<void> {
  await ctx?.stop();
  ctx = undefined;
}
