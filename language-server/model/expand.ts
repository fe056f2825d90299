/** Expands $VAR / ${VAR:-x} in a FROM image with the global ARG defaults (BuildKit's shell-lexer subset). */
import { BUILTIN_ARGS, scanVars, type Model } from './model';
import type { Instruction } from '../syntax/ast';

/** All global ARGs' values (a later definition of a name wins) and the order of the last one. */
const allGlobals = new WeakMap<Model, { values: Map<string, string>; last: number }>();

/**
 * The global ARGs defined before `order`. Every FROM comes after all of them, so the map of
 * them all is built once per model, not once per FROM (quadratic in a file of thousands).
 */
function globalsBefore(model: Model, order: number): Map<string, string> {
  let all = allGlobals.get(model);
  if (!all) {
    all = { values: new Map(), last: -1 };
    for (const d of model.defs) {
      if (d.stage !== -1) continue;
      all.values.set(d.name, d.value ?? '');
      all.last = d.order;
    }
    allGlobals.set(model, all);
  }
  if (order > all.last) return all.values;
  const some = new Map<string, string>();
  for (const d of model.defs) if (d.stage === -1 && d.order < order) some.set(d.name, d.value ?? '');
  return some;
}

/** The expanded string, or undefined if a variable is neither declared nor predefined. */
export function expandWithGlobals(model: Model, inst: Instruction, value: string): string | undefined {
  const order = model.order.get(inst)?.order ?? 0;
  const globals = globalsBefore(model, order);
  let unknown = false;
  let result = '';
  let last = 0;
  scanVars(value, 0, value.length, model.df.escape, (name, st, ns, e, modifier) => {
    result += value.slice(last, st);
    last = e;
    const v = globals.get(name);
    if (v === undefined && !(name in BUILTIN_ARGS) && !modifier.endsWith('-')) unknown = true;
    let val = v ?? '';
    const inner = value.slice(ns + name.length, e - 1);
    if (modifier.endsWith('-') && (val === '' && (modifier === ':-' || v === undefined))) val = inner.slice(modifier.length);
    else if (modifier.endsWith('+')) val = (modifier === ':+' ? val !== '' : v !== undefined) ? inner.slice(modifier.length) : '';
    result += val;
  });
  result += value.slice(last);
  return unknown ? undefined : result;
}
