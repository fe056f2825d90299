import { relativeWorkdirs } from '../buildkit/WorkdirRelativePath';
import type { Finding, Rule } from '../rule';

/** hadolint DL3000. The first relative WORKDIR of a stage is BuildKit's WorkdirRelativePath. */
export const AbsoluteWorkdir: Rule = {
  name: 'AbsoluteWorkdir', family: 'best-practice', severity: 'information',
  description: 'Use absolute WORKDIR paths',
  check({ model }) {
    return relativeWorkdirs(model).filter((w) => !w.first)
      .map(({ inst: i }): Finding => ({ ...i.restSpan, message: `Use an absolute WORKDIR path instead of '${i.rest}'` }));
  },
};
