/**
 * When to re-read the local images and send them to the language server
 * (`berth/localImages`, offered by completion after FROM and --from=). Ctx calls
 * `refresh()` when the client starts, on `berth.refreshLocalImages` and when the engine
 * settings change, and `refreshIfStale()` when a Dockerfile editor becomes active.
 * No `vscode` import: reading, sending and logging are passed in, so the policy is
 * unit-tested with plain Node.
 */
import type { LocalImagesResult } from './engine/localImages';

/** Reading images costs a process start; re-read on editor switches at most this often. */
export const STALE_MS = 30_000;

export interface LocalImagesSyncDeps {
  /** Read the images with the current settings (never rejects; see engine/localImages.ts). */
  read: () => Promise<LocalImagesResult>;
  /** Whether a language server is running to receive the list. */
  canSend: () => boolean;
  send: (images: string[]) => Promise<void>;
  /** One line in the output channel. */
  log: (line: string) => void;
  now?: () => number;
}

export class LocalImagesSync {
  /** When the last refresh was asked for (-Infinity: never); a slow or failing one counts too. */
  private lastAsked = -Infinity;
  /** Reads run one at a time, in call order, so the last list sent follows the latest settings. */
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly deps: LocalImagesSyncDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Re-read the images and send them; resolves once this read's list has been sent. */
  refresh(): Promise<void> {
    this.lastAsked = this.now();
    const next = this.queue.then(() => this.readAndSend());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Refresh unless the last one was asked for less than STALE_MS ago. */
  refreshIfStale(): Promise<void> {
    return this.now() - this.lastAsked >= STALE_MS ? this.refresh() : Promise.resolve();
  }

  private async readAndSend(): Promise<void> {
    // Without a server nobody would see the list; starting one sends a fresh list.
    if (!this.deps.canSend()) return;
    const { images, error } = await this.deps.read();
    // A failure empties the list: a stale list would offer images that may be gone.
    if (error) this.deps.log(`local images: ${error}`);
    await this.deps.send(images);
  }
}
