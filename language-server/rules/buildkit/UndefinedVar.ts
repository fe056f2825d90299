import { definitionsByStage, isImplicitlyDefined, resolveVar, visibleNames, type Model, type VarDef } from '../../model/model';
import { buildkitUrl, suggest, type Finding, type Rule } from '../rule';

/** The stage's base is fully known (scratch or a chain of local stages ending in scratch). */
function baseKnown(model: Model, stage: number, depth = 0): boolean {
  const s = model.stages[stage];
  if (!s || depth > 50) return false;
  if (s.parent !== undefined && s.parent < stage) return baseKnown(model, s.parent, depth + 1);
  return s.image?.value.toLowerCase() === 'scratch';
}

export const UndefinedVar: Rule = {
  name: 'UndefinedVar', family: 'buildkit', severity: 'warning',
  description: 'Variables should be defined before their use', url: buildkitUrl('UndefinedVar'),
  check({ model }) {
    const out: Finding[] = [];
    let byStage: Map<number, VarDef[]> | undefined;
    for (const r of model.refs) {
      if (!r.expanded || r.stage < 0 || r.inst.name === 'FROM' || r.modifier !== '') continue;
      if (resolveVar(model, r.name, r.stage, r.order) || isImplicitlyDefined(model, r.name, r.stage, r.order)) continue;
      byStage ??= definitionsByStage(model);
      const s = suggest(r.name, visibleNames(byStage, r.stage, r.order));
      // the base image's environment is unknown offline: only report what is certainly wrong
      if (!s && !baseKnown(model, r.stage)) continue;
      const message = `Usage of undefined variable '$${r.name}'` + (s ? ` (did you mean $${s}?)` : '');
      out.push(s ? { ...r.span, message, fixes: [{ title: `Change to $${s}`, edits: [{ ...r.nameSpan, newText: s }] }] } : { ...r.span, message });
    }
    return out;
  },
};
