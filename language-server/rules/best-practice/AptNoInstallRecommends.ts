import type { Finding, Rule } from '../rule';
import { APT_GET_INSTALL, aptInstalls } from './AptGetYes';
import { insertAfterCommand, runs } from './shell';

const isNoRecommends = (w: string): boolean => w === '--no-install-recommends' || w.includes('Install-Recommends=false');
const lacksNoRecommends = (c: string[]): boolean => !c.some(isNoRecommends);

export const AptNoInstallRecommends: Rule = {
  name: 'AptNoInstallRecommends', family: 'best-practice', severity: 'information',
  description: 'Avoid additional packages by specifying --no-install-recommends (hadolint DL3015)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (aptInstalls(i).some(lacksNoRecommends)) {
        const at = insertAfterCommand(df, i, APT_GET_INSTALL, lacksNoRecommends, ' --no-install-recommends', 'Add --no-install-recommends to apt-get install');
        out.push({ ...at, message: 'Avoid additional packages by specifying --no-install-recommends' });
      }
    }
    return out;
  },
};
