import { BUILTIN_ARGS, definitionsByStage, isImplicitlyDefined, resolveVar, visibleNames } from '../../model/model';
import { buildkitUrl, suggest, type Finding, type Rule } from '../rule';

export const UndefinedArgInFrom: Rule = {
  name: 'UndefinedArgInFrom', family: 'buildkit', severity: 'warning',
  description: 'FROM command must use declared ARGs', url: buildkitUrl('UndefinedArgInFrom'),
  check({ model }) {
    const out: Finding[] = [];
    let candidates: string[] | undefined;
    for (const r of model.refs) {
      if (r.inst.name !== 'FROM') continue;
      if (resolveVar(model, r.name, r.stage, r.order) || isImplicitlyDefined(model, r.name, r.stage, r.order)) continue;
      // the global ARGs (all of them precede every FROM), nearest first, and the predefined ones
      candidates ??= visibleNames(definitionsByStage(model), -1, r.order).concat(Object.keys(BUILTIN_ARGS));
      const s = suggest(r.name, candidates);
      const message = `FROM argument '${r.name}' is not declared` + (s ? ` (did you mean ${s}?)` : '');
      out.push(s ? { ...r.span, message, fixes: [{ title: `Change to ${s}`, edits: [{ ...r.nameSpan, newText: s }] }] } : { ...r.span, message });
    }
    return out;
  },
};
