import type { Instruction } from '../../syntax/ast';
import type { Finding, Rule } from '../rule';
import { insertAfterCommand, mentions, runCommands, runs } from './shell';

export function aptInstalls(inst: Instruction): string[][] {
  if (!mentions(inst, 'apt-get')) return [];
  return runCommands(inst).filter((c) => {
    const k = c.indexOf('apt-get');
    return k >= 0 && c.indexOf('install', k + 1) > k;
  });
}

/** `apt-get … install` in an instruction's text, also across continuation lines (global: insertAfterCommand runs it with exec) */
export const APT_GET_INSTALL = /\bapt-get\b(?:[^&;|\n]|\\\r?\n)*?\binstall\b/g;

const YES = /^-[a-zA-Z]*y[a-zA-Z]*$/;
const isYes = (w: string): boolean => YES.test(w) || w === '--yes' || w === '-qq' || w.startsWith('--assume-yes');
const lacksYes = (c: string[]): boolean => !c.some(isYes);

export const AptGetYes: Rule = {
  name: 'AptGetYes', family: 'best-practice', severity: 'warning',
  description: 'Use the -y switch to avoid manual input: apt-get -y install <package> (hadolint DL3014)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (aptInstalls(i).some(lacksYes)) {
        const at = insertAfterCommand(df, i, APT_GET_INSTALL, lacksYes, ' -y', 'Add -y to apt-get install');
        out.push({ ...at, message: 'Use the -y switch to avoid manual input: apt-get -y install <package>' });
      }
    }
    return out;
  },
};
