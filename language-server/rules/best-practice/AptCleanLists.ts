import type { Finding, Rule } from '../rule';
import { aptInstalls } from './AptGetYes';
import { findIn, runScript, runs } from './shell';

export const AptCleanLists: Rule = {
  name: 'AptCleanLists', family: 'best-practice', severity: 'information',
  description: 'Delete the apt-get lists after installing something (hadolint DL3009)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      const script = runScript(i);
      if (aptInstalls(i).length === 0) continue;
      if (/rm\s+(-\w+\s+)*[^&;|\n]*\/var\/lib\/apt\/lists/.test(script)) continue;
      if (i.flags.some((f) => f.name === 'mount' && f.value !== undefined && /\/var\/lib\/apt/.test(f.value))) continue;
      out.push({ ...findIn(df, i, /apt-get\b[^&;|\n]*\binstall\b/), message: 'Delete the apt-get lists after installing something: rm -rf /var/lib/apt/lists/* (or use a cache mount)' });
    }
    return out;
  },
};
