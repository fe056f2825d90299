import { INSTRUCTION_MAP } from '../../model/instructions';
import type { Instruction } from '../../syntax/ast';
import { suggest, type Finding, type Rule } from '../rule';

export const UnknownInstruction: Rule = {
  name: 'UnknownInstruction', family: 'syntax', severity: 'error',
  description: 'The instruction is not a Dockerfile instruction',
  check({ df }) {
    const out: Finding[] = [];
    const one = (i: Instruction): void => {
      if (INSTRUCTION_MAP.has(i.name)) return;
      const s = suggest(i.name, INSTRUCTION_MAP.keys());
      const f: Finding = { ...i.keywordSpan, message: `unknown instruction: ${i.keyword}` + (s ? ` (did you mean ${s}?)` : '') };
      if (s) f.fixes = [{ title: `Change to ${s}`, edits: [{ ...i.keywordSpan, newText: s }] }];
      out.push(f);
    };
    for (const i of df.instructions) {
      one(i);
      if (i.sub) one(i.sub);
    }
    return out;
  },
};
