/**
 * The command table: every command is `(ctx) => handler`, registered under `berth.`
 * by main.ts. package.json's `contributes.commands` lists the same names.
 */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

export const commands: Record<string, CommandFactory> = {
  restartLanguageServer: (ctx) => async () => {
    await ctx.restart();
    void vscode.window.setStatusBarMessage('Berth: Dockerfile language server restarted', 3000);
  },
  showLanguageServerOutput: (ctx) => () => ctx.output.show(true),
  refreshLocalImages: (ctx) => () => ctx.localImages.refresh(),
};

export const COMMAND_PREFIX = 'berth.';
