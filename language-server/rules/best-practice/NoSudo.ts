import type { Finding, Rule } from '../rule';
import { findIn, mentions, runCommands, runs } from './shell';

export const NoSudo: Rule = {
  name: 'NoSudo', family: 'best-practice', severity: 'warning',
  description: 'Do not use sudo: it has unpredictable TTY and signal-forwarding behavior (hadolint DL3004)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (mentions(i, 'sudo') && runCommands(i).some((c) => c[0] === 'sudo')) {
        out.push({ ...findIn(df, i, /\bsudo\b/), message: 'Do not use sudo; use USER to change the user instead' });
      }
    }
    return out;
  },
};
