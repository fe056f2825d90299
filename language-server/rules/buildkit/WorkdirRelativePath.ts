import { buildkitUrl, type Finding, type Rule } from '../rule';

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || p.startsWith('$') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\');
}

export const WorkdirRelativePath: Rule = {
  name: 'WorkdirRelativePath', family: 'buildkit', severity: 'warning',
  description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes', url: buildkitUrl('WorkdirRelativePath'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      let set = false;
      for (const i of s.instructions) {
        if (i.name !== 'WORKDIR' || i.rest === '') continue;
        if (!set && !isAbsolutePath(i.rest)) out.push({ ...i.restSpan, message: `Relative workdir '${i.rest}' can have unexpected results if the base image changes` });
        set = true;
      }
    }
    return out;
  },
};
