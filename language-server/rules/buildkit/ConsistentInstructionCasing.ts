import type { Instruction } from '../../syntax/ast';
import { buildkitUrl, type Finding, type Rule } from '../rule';

export const ConsistentInstructionCasing: Rule = {
  name: 'ConsistentInstructionCasing', family: 'buildkit', severity: 'warning',
  description: 'All commands within the Dockerfile should use the same casing (either upper or lower)', url: buildkitUrl('ConsistentInstructionCasing'),
  check({ df }) {
    const all: Instruction[] = [];
    for (const i of df.instructions) {
      all.push(i);
      if (i.sub) all.push(i.sub);
    }
    let upper = 0;
    let lower = 0;
    for (const i of all) {
      // i.name is the upper-cased keyword: no new string for the common all-caps case
      if (i.keyword === i.name) upper++;
      else if (i.keyword === i.keyword.toLowerCase()) lower++;
    }
    const majority = lower > upper ? 'lowercase' : 'uppercase';
    const out: Finding[] = [];
    for (const i of all) {
      const want = majority === 'lowercase' ? i.keyword.toLowerCase() : i.name;
      if (i.keyword === want) continue;
      out.push({ ...i.keywordSpan, message: `Command '${i.keyword}' should match the case of the command majority (${majority})`, fixes: [{ title: `Change to '${want}'`, edits: [{ ...i.keywordSpan, newText: want }] }] });
    }
    return out;
  },
};
