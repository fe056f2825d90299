import { BUILTIN_ARGS, isImplicitlyDefined, resolveVar } from '../../model/model';
import { buildkitUrl, suggest, type Finding, type Rule } from '../rule';

export const UndefinedArgInFrom: Rule = {
  name: 'UndefinedArgInFrom', family: 'buildkit', severity: 'warning',
  description: 'FROM command must use declared ARGs', url: buildkitUrl('UndefinedArgInFrom'),
  check({ model }) {
    const out: Finding[] = [];
    for (const r of model.refs) {
      if (r.inst.name !== 'FROM') continue;
      if (resolveVar(model, r.name, r.stage, r.order) || isImplicitlyDefined(model, r.name, r.stage, r.order)) continue;
      const globals = model.defs.filter((d) => d.stage === -1).map((d) => d.name).concat(Object.keys(BUILTIN_ARGS));
      const s = suggest(r.name, globals);
      const message = `FROM argument '${r.name}' is not declared` + (s ? ` (did you mean ${s}?)` : '');
      out.push(s ? { ...r.span, message, fixes: [{ title: `Change to ${s}`, edits: [{ ...r.nameSpan, newText: s }] }] } : { ...r.span, message });
    }
    return out;
  },
};
