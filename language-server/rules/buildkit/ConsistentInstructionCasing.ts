import type { Instruction } from '../../syntax/ast';
import { buildkitUrl, type Finding, type Rule } from '../rule';

export const ConsistentInstructionCasing: Rule = {
  name: 'ConsistentInstructionCasing', family: 'buildkit', severity: 'warning',
  description: 'All commands within the Dockerfile should use the same casing (either upper or lower)', url: buildkitUrl('ConsistentInstructionCasing'),
  check({ df }) {
    let upper = 0;
    let lower = 0;
    const count = (i: Instruction): void => {
      // i.name is the upper-cased keyword: no new string for the common all-caps case
      if (i.keyword === i.name) upper++;
      else if (i.keyword === i.keyword.toLowerCase()) lower++;
    };
    for (const i of df.instructions) {
      count(i);
      if (i.sub) count(i.sub);
    }
    const majority = lower > upper ? 'lowercase' : 'uppercase';
    const out: Finding[] = [];
    const check = (i: Instruction): void => {
      const want = majority === 'lowercase' ? i.keyword.toLowerCase() : i.name;
      if (i.keyword === want) return;
      out.push({ ...i.keywordSpan, message: `Command '${i.keyword}' should match the case of the command majority (${majority})`, fixes: [{ title: `Change to '${want}'`, edits: [{ ...i.keywordSpan, newText: want }] }] });
    };
    for (const i of df.instructions) {
      check(i);
      if (i.sub) check(i.sub);
    }
    return out;
  },
};
