/**
 * Whether a desktop VS Code can open a window here (test/e2e/electron.ts), as a pure
 * function of the platform, the environment and where `xvfb-run` is, so it is unit-tested.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Set in the environment of the run under xvfb-run, so it never wraps itself twice. */
export const UNDER_XVFB = 'BERTH_ELECTRON_UNDER_XVFB';

export type DisplayPlan =
  | { kind: 'direct' }
  | { kind: 'xvfb'; xvfbRun: string }
  | { kind: 'skip'; reason: string };

export function displayPlan(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, xvfbRun: string | undefined): DisplayPlan {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return { kind: 'direct' };
  if (env[UNDER_XVFB]) return { kind: 'skip', reason: 'xvfb-run started this run but no DISPLAY is set in it' };
  if (xvfbRun) return { kind: 'xvfb', xvfbRun };
  return {
    kind: 'skip',
    reason: 'no display: DISPLAY is not set and xvfb-run is not installed (`apt-get install xvfb`), and a desktop VS Code cannot start without an X server',
  };
}

/** The first executable `name` on `pathVar` (PATH), if any. */
export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch { /* not here */ }
  }
  return undefined;
}
