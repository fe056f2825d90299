import type { Finding, Rule } from '../rule';
import { findIn, mentions, runCommands, runs } from './shell';

export const NoCdInRun: Rule = {
  name: 'NoCdInRun', family: 'best-practice', severity: 'information',
  description: 'Use WORKDIR to switch to a directory (hadolint DL3003)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (mentions(i, 'cd') && runCommands(i).some((c) => c[0] === 'cd')) {
        out.push({ ...findIn(df, i, /(?<![\w-])cd\s/), message: 'Use WORKDIR to switch to a directory instead of cd' });
      }
    }
    return out;
  },
};
