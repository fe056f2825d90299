import type { Finding, Rule } from '../rule';
import { aptInstalls } from './AptGetYes';
import { findIn, runs } from './shell';

export const AptNoInstallRecommends: Rule = {
  name: 'AptNoInstallRecommends', family: 'best-practice', severity: 'information',
  description: 'Avoid additional packages by specifying --no-install-recommends (hadolint DL3015)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      for (const c of aptInstalls(i)) {
        if (!c.some((w) => w === '--no-install-recommends' || w.includes('Install-Recommends=false'))) {
          out.push({ ...findIn(df, i, /apt-get\b[^&;|\n]*\binstall\b/), message: 'Avoid additional packages by specifying --no-install-recommends' });
          break; // once per RUN
        }
      }
    }
    return out;
  },
};
