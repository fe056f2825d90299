import type { Instruction } from '../../syntax/ast';
import type { Finding, Rule } from '../rule';
import { findIn, mentions, runCommands, runs } from './shell';

export function aptInstalls(inst: Instruction): string[][] {
  if (!mentions(inst, 'apt-get')) return [];
  return runCommands(inst).filter((c) => {
    const k = c.indexOf('apt-get');
    return k >= 0 && c.slice(k + 1).includes('install');
  });
}

export const AptGetYes: Rule = {
  name: 'AptGetYes', family: 'best-practice', severity: 'warning',
  description: 'Use the -y switch to avoid manual input: apt-get -y install <package> (hadolint DL3014)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      for (const c of aptInstalls(i)) {
        const yes = c.some((w) => /^-[a-zA-Z]*y[a-zA-Z]*$/.test(w) || w === '--yes' || w === '--assume-yes' || w === '-qq' || w.startsWith('--assume-yes'));
        if (!yes) {
          out.push({ ...findIn(df, i, /apt-get\b[^&;|\n]*\binstall\b/), message: 'Use the -y switch to avoid manual input: apt-get -y install <package>' });
          break; // once per RUN
        }
      }
    }
    return out;
  },
};
