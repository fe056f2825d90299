/**
 * The ONE reader of the extension's settings. Everything else asks this class.
 * Settings under `berth.dockerfile.*` belong to the language server (declared in
 * language-server/protocol.ts, pulled by the server with workspace/configuration);
 * the keys in `RESTART_KEYS` only take effect when the language client is restarted.
 */
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../language-server/protocol';

/** Settings whose change needs a language server restart. */
const RESTART_KEYS = ['berth.languageServer.enabled', 'berth.languageServer.args'] as const;

export class Config {
  static readonly rootSection = 'berth';
  /** The section the client keeps in sync with the server (didChangeConfiguration). */
  static readonly serverSection = SETTINGS_SECTION;

  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(Config.rootSection);
  }

  /** Whether the Dockerfile language server runs at all. */
  get languageServerEnabled(): boolean {
    return this.cfg.get<boolean>('languageServer.enabled', true);
  }

  /** Extra Node arguments for the server process (e.g. --inspect=6009). */
  get languageServerArgs(): string[] {
    return this.cfg.get<string[]>('languageServer.args', []);
  }

  /** True when a change touches a key that only a restart applies. */
  needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((key) => e.affectsConfiguration(key));
  }
}
