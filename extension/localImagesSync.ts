/**
 * Keeps the language server's list of local images (`berth/localImages`, offered by
 * completion after FROM and --from=) in step with the engine: read when the client
 * starts, on `berth.refreshLocalImages`, when the engine settings change, and when a
 * Dockerfile editor becomes active and the last read is older than STALE_MS.
 * A failed read sends an empty list and writes one line to the output channel; it never
 * shows a popup.
 */
import * as vscode from 'vscode';
import { LANGUAGE_ID } from '../language-server/protocol';
import type { Config } from './config';
import { listLocalImages } from './engine/localImages';

/** Reading images costs a process start; re-read on editor switches at most this often. */
const STALE_MS = 30_000;
/** `berth images` reads a few small files; longer than this means something is stuck. */
const TIMEOUT_MS = 5_000;

export class LocalImagesSync {
  /** When the last read started (0: never), so a slow or failing read is not retried at once. */
  private lastStarted = 0;
  /** Reads run one at a time, in call order, so the last list sent follows the latest settings. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: Config,
    private readonly output: vscode.OutputChannel,
    /** Sends the list to the language server (if it is running). */
    private readonly send: (images: string[]) => Promise<void>,
  ) {}

  /** Re-read the images and send them; resolves once this read's list has been sent. */
  refresh(): Promise<void> {
    const next = this.queue.then(() => this.readAndSend());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Listeners that refresh on engine setting changes and on switching to a stale Dockerfile. */
  listen(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (this.config.engineChanged(e)) void this.refresh();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor?.document.languageId === LANGUAGE_ID && Date.now() - this.lastStarted > STALE_MS) void this.refresh();
      }),
    );
  }

  private async readAndSend(): Promise<void> {
    // Without a server nobody would see the list; starting it sends a fresh one.
    if (!this.config.languageServerEnabled) return;
    this.lastStarted = Date.now();
    const { images, error } = await listLocalImages({
      enginePath: this.config.enginePath, root: this.config.engineRoot, timeoutMs: TIMEOUT_MS,
    });
    if (error) this.output.appendLine(`local images: ${error}`);
    await this.send(images);
  }
}
