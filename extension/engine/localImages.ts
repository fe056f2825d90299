/**
 * The local images, read from the `berth` CLI (`berth images --format json`) until the
 * extension talks to a `berth daemon`. No `vscode` import, so it is unit-tested with
 * plain Node. Never throws and never hangs: any failure (binary missing, non-zero exit,
 * bad JSON, timeout) is an empty list and a one-line reason for the output channel.
 */
import { execFile } from 'node:child_process';

export interface LocalImagesOptions {
  /** The `berth` binary: a path, or a name looked up on PATH. */
  enginePath: string;
  /** The store root (`--root`); empty means berth's own default (BERTH_ROOT or /var/lib/berth). */
  root: string;
  /** Give up (and kill the process) after this long. */
  timeoutMs: number;
}

export interface LocalImagesResult {
  /** `name:tag` references as a user writes them (`alpine:3.20`, `me/app:1`). */
  images: string[];
  /** Why the list is empty, when it is because something failed. */
  error?: string;
}

/**
 * The short name docker prints for a full reference, or undefined for what completion
 * should not offer: untagged (`<none>`), digest references, and anything without a tag.
 */
function familiarTagged(ref: string): string | undefined {
  if (ref.includes('<none>') || ref.includes('@')) return undefined;
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  // A colon before the last slash is a registry port (localhost:5000/app), not a tag.
  if (colon <= lastSlash || colon === ref.length - 1) return undefined;
  for (const prefix of ['docker.io/library/', 'docker.io/']) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

/**
 * The `name:tag` references in the output of `berth images --format json` (an array of
 * `{ RepoTags: string[], ... }`), deduplicated, in berth's order (newest first).
 * Entries of the wrong shape are skipped; output that is not a JSON array throws.
 */
export function parseImagesJson(text: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`berth images printed no JSON: ${JSON.stringify(text.trim().slice(0, 80))}`);
  }
  if (!Array.isArray(data)) throw new Error('berth images printed JSON that is not an array');
  const images = new Set<string>();
  for (const image of data) {
    const tags: unknown = image && typeof image === 'object' ? (image as { RepoTags?: unknown }).RepoTags : undefined;
    if (!Array.isArray(tags)) continue;
    for (const tag of tags) {
      const name = typeof tag === 'string' ? familiarTagged(tag) : undefined;
      if (name) images.add(name);
    }
  }
  return [...images];
}

/** The first line of the process's error output, which is where berth says what failed. */
function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
}

/** Run `berth [--root R] images --format json` and parse its output. */
export function listLocalImages(opts: LocalImagesOptions): Promise<LocalImagesResult> {
  const args = [...(opts.root ? ['--root', opts.root] : []), 'images', '--format', 'json'];
  const command = `${opts.enginePath} ${args.join(' ')}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: LocalImagesResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let child: ReturnType<typeof execFile> | undefined;
    // Our own timer rather than execFile's `timeout`: execFile only calls back once the
    // output pipes close, which a grandchild that inherited them can put off for ever.
    const timer = setTimeout(() => {
      child?.kill('SIGKILL');
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      finish({ images: [], error: `\`${command}\` did not finish within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    try {
      child = execFile(opts.enginePath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, windowsHide: true },
        (err, stdout, stderr) => {
          if (err) {
            const code = (err as NodeJS.ErrnoException).code;
            const why = code === 'ENOENT' ? 'not found (set berth.engine.path)'
              : code === 'EACCES' ? 'not executable'
                : firstLine(stderr) || err.message;
            finish({ images: [], error: `\`${command}\` failed: ${why}` });
            return;
          }
          try {
            finish({ images: parseImagesJson(stdout) });
          } catch (e) {
            finish({ images: [], error: `\`${command}\`: ${(e as Error).message}` });
          }
        });
    } catch (e) {
      // execFile throws synchronously for some bad arguments (e.g. an empty path).
      finish({ images: [], error: `\`${command}\` could not be run: ${(e as Error).message}` });
    }
  });
}
