import type { Model } from '../../model/model';
import type { Instruction } from '../../syntax/ast';
import { buildkitUrl, type Finding, type Rule } from '../rule';

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || p.startsWith('$') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\');
}

/** The relative WORKDIRs of each stage; `first` when no WORKDIR came before it in the stage. */
export function relativeWorkdirs(model: Model): { inst: Instruction; first: boolean }[] {
  const out: { inst: Instruction; first: boolean }[] = [];
  for (const s of model.stages) {
    let first = true;
    for (const i of s.instructions) {
      if (i.name !== 'WORKDIR' || i.rest === '') continue;
      if (!isAbsolutePath(i.rest)) out.push({ inst: i, first });
      first = false;
    }
  }
  return out;
}

export const WorkdirRelativePath: Rule = {
  name: 'WorkdirRelativePath', family: 'buildkit', severity: 'warning',
  description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes', url: buildkitUrl('WorkdirRelativePath'),
  check({ model }) {
    return relativeWorkdirs(model).filter((w) => w.first)
      .map(({ inst: i }): Finding => ({ ...i.restSpan, message: `Relative workdir '${i.rest}' can have unexpected results if the base image changes` }));
  },
};
