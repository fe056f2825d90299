import type { Finding, Rule } from '../rule';
import { findIn, mentions, runCommands, runs } from './shell';

export const ApkNoCache: Rule = {
  name: 'ApkNoCache', family: 'best-practice', severity: 'information',
  description: 'Use apk add --no-cache to keep the package index out of the image (hadolint DL3019)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (!mentions(i, 'apk')) continue;
      if (i.flags.some((f) => f.name === 'mount' && f.value !== undefined && /\/var\/cache\/apk/.test(f.value))) continue;
      const bad = runCommands(i).some((c) => {
        const k = c.indexOf('apk');
        return k >= 0 && c[k + 1] === 'add' && !c.includes('--no-cache');
      });
      if (bad) out.push({ ...findIn(df, i, /\bapk\s+add\b/), message: 'Use apk add --no-cache (or a cache mount on /var/cache/apk) to keep the package index out of the image' });
    }
    return out;
  },
};
