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

  /** The `berth` binary that lists local images: a path, or a name looked up on PATH. */
  get enginePath(): string {
    return this.text('engine.path') || 'berth';
  }

  /** The engine's store root (`berth --root`); empty means berth's own default. */
  get engineRoot(): string {
    return this.text('engine.root');
  }

  /** A string setting, trimmed; '' when unset or (hand-edited JSON) not a string. */
  private text(key: string): string {
    const v = this.cfg.get<unknown>(key);
    return typeof v === 'string' ? v.trim() : '';
  }

  /** True when a change touches the engine settings (the local images must be re-read). */
  engineChanged(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration('berth.engine');
  }

  /** True when a change touches a key that only a restart applies. */
  needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((key) => e.affectsConfiguration(key));
  }
}
