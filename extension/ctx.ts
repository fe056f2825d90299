/**
 * The extension's context: settings, the output channel, the language client and the
 * sync of local image names to it (localImagesSync.ts), with two disposal scopes. The
 * extension scope (VS Code's `context.subscriptions`) lives as long as the extension;
 * the client scope is emptied on every stop, so restarting the language server leaks no
 * listeners, channels or processes.
 */
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { SERVER_EXEC_ARGV } from '../language-server/execArgv';
import { LANGUAGE_ID, LocalImagesNotification } from '../language-server/protocol';
import { Config } from './config';
import { listLocalImages } from './engine/localImages';
import { LocalImagesSync } from './localImagesSync';

/** The server's entry, relative to the extension root (built by `tsc -p .`). */
const SERVER_MODULE = 'out/language-server/server.js';
/** `berth images` reads a few small files; longer than this means something is stuck. */
const ENGINE_TIMEOUT_MS = 5_000;

export class Ctx {
  readonly config = new Config();
  readonly output: vscode.OutputChannel;
  readonly localImages: LocalImagesSync;
  private client: LanguageClient | undefined;
  private readonly clientScope: vscode.Disposable[] = [];
  /** start/stop/restart run one at a time, in call order. */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('Berth Dockerfile Language Server');
    this.pushExtensionCleanup(this.output);
    this.pushExtensionCleanup({ dispose: () => void this.stop() });
    this.localImages = new LocalImagesSync({
      read: () => listLocalImages({ enginePath: this.config.enginePath, root: this.config.engineRoot, timeoutMs: ENGINE_TIMEOUT_MS }),
      canSend: () => this.client?.isRunning() ?? false,
      send: (images) => this.sendLocalImages(images),
      log: (line) => this.output.appendLine(line),
    });
    this.pushExtensionCleanup(vscode.workspace.onDidChangeConfiguration((e) => {
      if (this.config.engineChanged(e)) void this.localImages.refresh();
    }));
    this.pushExtensionCleanup(vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor?.document.languageId === LANGUAGE_ID) void this.localImages.refreshIfStale();
    }));
  }

  /** Owned until the extension is deactivated. */
  pushExtensionCleanup(d: vscode.Disposable): void {
    this.extension.subscriptions.push(d);
  }

  /** Owned by the current language client; disposed when it stops. */
  pushClientCleanup(d: vscode.Disposable): void {
    this.clientScope.push(d);
  }

  start(): Promise<void> {
    return this.serialized(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.serialized(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.serialized(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  private serialized(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    if (this.client || !this.config.languageServerEnabled) return;
    const module = this.extension.asAbsolutePath(SERVER_MODULE);
    // The server's own Node flags first (measured in bench/ls), then the user's.
    const execArgv = [...SERVER_EXEC_ARGV, ...this.config.languageServerArgs];
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { execArgv } },
      debug: { module, transport: TransportKind.ipc, options: { execArgv } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: LANGUAGE_ID }],
      synchronize: { configurationSection: Config.serverSection },
      outputChannel: this.output,
    };
    const client = new LanguageClient('berth', 'Berth Dockerfile Language Server', serverOptions, clientOptions);
    this.client = client;
    this.pushClientCleanup({ dispose: () => void client.dispose() });
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`language server failed to start: ${String(e)}`);
      await this.doStop();
      throw e;
    }
    // A new server process knows no images yet.
    void this.localImages.refresh();
  }

  private async sendLocalImages(images: string[]): Promise<void> {
    const client = this.client;
    if (!client?.isRunning()) return;
    // A client stopped meanwhile rejects; its successor gets its own list on start.
    await client.sendNotification(LocalImagesNotification, { images }).catch(() => undefined);
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) await client.stop().catch(() => undefined);
    for (const d of this.clientScope.splice(0)) d.dispose();
  }
}
