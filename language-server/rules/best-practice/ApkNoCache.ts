import type { Finding, Rule } from '../rule';
import { insertAfterCommand, mentions, runCommands, runs } from './shell';

const APK_ADD = /\bapk\s+add\b/g;
const CACHE_MOUNT = /\/var\/cache\/apk/;
const noCache = (c: string[]): boolean => !c.includes('--no-cache');

export const ApkNoCache: Rule = {
  name: 'ApkNoCache', family: 'best-practice', severity: 'information',
  description: 'Use apk add --no-cache to keep the package index out of the image (hadolint DL3019)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (!mentions(i, 'apk')) continue;
      if (i.flags.some((f) => f.name === 'mount' && f.value !== undefined && CACHE_MOUNT.test(f.value))) continue;
      const bad = runCommands(i).some((c) => {
        const k = c.indexOf('apk');
        return k >= 0 && c[k + 1] === 'add' && noCache(c);
      });
      if (bad) out.push({ ...insertAfterCommand(df, i, APK_ADD, noCache, ' --no-cache', 'Add --no-cache to apk add'), message: 'Use apk add --no-cache (or a cache mount on /var/cache/apk) to keep the package index out of the image' });
    }
    return out;
  },
};
