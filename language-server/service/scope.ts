/** What is visible at a position: variables, stages. */
import { AFTER_ALL, BUILTIN_ARGS, COMMON_ENV, stageAt, type Model, type VarDef } from '../model/model';
import type { Instruction } from '../syntax/ast';

export interface VisibleVar {
  name: string;
  def?: VarDef;
  builtin?: string;
}

export function visibleVars(model: Model, inst: Instruction | undefined, offset: number): VisibleVar[] {
  const o = inst ? model.order.get(inst) : undefined;
  const stage = stageAt(model, offset);
  const order = o ? (offset > (inst?.end ?? 0) ? o.order + 1 : o.order) : AFTER_ALL;
  const inFrom = inst?.name === 'FROM' || stage < 0;
  const out = new Map<string, VisibleVar>();
  if (inFrom) {
    for (const d of model.defs) if (d.stage === -1 && (!inst || d.order < order)) out.set(d.name, { name: d.name, def: d });
    for (const [k, v] of Object.entries(BUILTIN_ARGS)) if (!out.has(k)) out.set(k, { name: k, builtin: v });
    return [...out.values()];
  }
  const parent = model.stages[stage]?.parent;
  if (parent !== undefined) for (const d of model.defs) if (d.stage === parent && d.kind === 'ENV') out.set(d.name, { name: d.name, def: d });
  for (const d of model.defs) if (d.stage === stage && d.order < order) out.set(d.name, { name: d.name, def: d });
  for (const e of COMMON_ENV) if (!out.has(e)) out.set(e, { name: e, builtin: 'environment variable usually set by the base image' });
  return [...out.values()];
}

/** Names of stages defined before the stage containing the offset. */
export function earlierStages(model: Model, offset: number): string[] {
  const at = stageAt(model, offset);
  const cur = at < 0 ? model.stages.length : at;
  const out: string[] = [];
  for (const s of model.stages) if (s.index < cur && s.name) out.push(s.nameWord?.value ?? s.name);
  return out;
}
