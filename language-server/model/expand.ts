/** Expands $VAR / ${VAR:-x} in a FROM image with the global ARG defaults (BuildKit's shell-lexer subset). */
import { BUILTIN_ARGS, scanVars, type Model } from './model';
import type { Instruction } from '../syntax/ast';

/** The expanded string, or undefined if a variable is neither declared nor predefined. */
export function expandWithGlobals(model: Model, inst: Instruction, value: string): string | undefined {
  const order = model.order.get(inst)?.order ?? 0;
  const globals = new Map<string, string>();
  for (const d of model.defs) if (d.stage === -1 && d.order < order) globals.set(d.name, d.value ?? '');
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
