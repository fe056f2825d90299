import type { Instruction } from '../../syntax/ast';
import { buildkitUrl, type Finding, type Rule } from '../rule';

export const InvalidDefinitionDescription: Rule = {
  name: 'InvalidDefinitionDescription', family: 'buildkit', severity: 'warning', experimental: true,
  description: 'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`', url: buildkitUrl('InvalidDefinitionDescription'),
  check({ model, df }) {
    const out: Finding[] = [];
    const checkOne = (inst: Instruction, name: string): void => {
      const c = inst.prevComments[0];
      if (!c || df.directives.some((d) => d.start === c.start)) return;
      const first = c.text.split(/\s+/)[0];
      if (first === name) return;
      out.push({ start: c.start, end: c.end, message: 'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.' });
    };
    for (const s of model.stages) if (s.name) checkOne(s.from, s.nameWord?.value ?? s.name);
    for (const i of df.instructions) {
      if (i.name === 'ARG' && i.args.length === 1) checkOne(i, i.args[0].value.split('=')[0]);
    }
    return out;
  },
};
