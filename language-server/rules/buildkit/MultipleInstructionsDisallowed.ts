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
        const list: Instruction[] = s.instructions.filter((i) => i.name === kw);
        for (const i of list.slice(0, -1)) {
          out.push({ start: i.start, end: i.lineSpans[0].end, message: `Multiple ${kw} instructions should not be used in the same stage because only the last one will be used` });
        }
      }
    }
    return out;
  },
};
