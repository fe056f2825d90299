import { isAbsolutePath } from '../buildkit/WorkdirRelativePath';
import type { Finding, Rule } from '../rule';

/** hadolint DL3000. The first relative WORKDIR of a stage is BuildKit's WorkdirRelativePath. */
export const AbsoluteWorkdir: Rule = {
  name: 'AbsoluteWorkdir', family: 'best-practice', severity: 'information',
  description: 'Use absolute WORKDIR paths',
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      let set = false;
      for (const i of s.instructions) {
        if (i.name !== 'WORKDIR' || i.rest === '') continue;
        if (set && !isAbsolutePath(i.rest)) out.push({ ...i.restSpan, message: `Use an absolute WORKDIR path instead of '${i.rest}'` });
        set = true;
      }
    }
    return out;
  },
};
