import type { Instruction } from '../../syntax/ast';
import { buildkitUrl, type Finding, type Rule } from '../rule';

const ONCE = ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'];

export const MultipleInstructionsDisallowed: Rule = {
  name: 'MultipleInstructionsDisallowed', family: 'buildkit', severity: 'warning',
  description: 'Multiple instructions of the same type should not be used in the same stage', url: buildkitUrl('MultipleInstructionsDisallowed'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      for (const kw of ONCE) {
        // every one but the last of its kind in the stage: one walk, no filtered copies
        let prev: Instruction | undefined;
        for (const i of s.instructions) {
          if (i.name !== kw) continue;
          if (prev) out.push({ start: prev.start, end: prev.firstLineEnd, message: `Multiple ${kw} instructions should not be used in the same stage because only the last one will be used` });
          prev = i;
        }
      }
    }
    return out;
  },
};
