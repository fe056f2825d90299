import { type Finding, type Rule } from '../rule';

export const InstructionBeforeFrom: Rule = {
  name: 'InstructionBeforeFrom', family: 'syntax', severity: 'error',
  description: 'Only ARG may come before the first FROM',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      if (i.name === 'FROM') break;
      if (i.name !== 'ARG') out.push({ ...i.keywordSpan, message: `${i.name} is not allowed before the first FROM: no build stage in current context` });
    }
    return out;
  },
};
