/** Light shell helpers for best-practice rules (no shell parser needed). */
import type { Dockerfile, Instruction, Span } from '../../syntax/ast';

const scripts = new WeakMap<Instruction, string>();
const commands = new WeakMap<Instruction, string[][]>();

/** The script a RUN executes: shell form text, heredoc bodies, or the JSON words joined. */
export function runScript(inst: Instruction): string {
  const hit = scripts.get(inst);
  if (hit !== undefined) return hit;
  const s = computeScript(inst);
  scripts.set(inst, s);
  return s;
}

function computeScript(inst: Instruction): string {
  if (!inst.json && inst.heredocs.length === 0) return inst.rest;
  const parts: string[] = [];
  if (inst.json) parts.push(inst.args.map((a) => a.value).join(' '));
  else parts.push(inst.rest);
  for (const h of inst.heredocs) parts.push(h.content);
  return parts.join('\n');
}

/** Whether the RUN's script contains `word` anywhere: a cheap test before splitting it into commands. */
export function mentions(inst: Instruction, word: string): boolean {
  return runScript(inst).includes(word);
}

/** Simple commands of a RUN, computed once per instruction. */
export function runCommands(inst: Instruction): string[][] {
  let c = commands.get(inst);
  if (!c) {
    c = simpleCommands(runScript(inst));
    commands.set(inst, c);
  }
  return c;
}

/** Simple commands of a script: split on && || ; | and newlines. */
function simpleCommands(script: string): string[][] {
  if (script.length === 0) return [];
  return script
    .replace(/\\\n/g, ' ')
    .split(/&&|\|\||;|\||\n/)
    .map((c) => c.trim().split(/\s+/).filter(Boolean))
    .filter((c) => c.length > 0);
}

/** Span of the first match of `re` in the instruction's text (document offsets). */
export function findIn(df: Dockerfile, inst: Instruction, re: RegExp): Span {
  const text = df.text.slice(inst.start, inst.end);
  const m = re.exec(text);
  if (!m) return { start: inst.keywordSpan.start, end: inst.keywordSpan.end };
  return { start: inst.start + m.index, end: inst.start + m.index + m[0].length };
}

export function runs(df: Dockerfile): Instruction[] {
  const out: Instruction[] = [];
  for (const i of df.instructions) if (i.name === 'RUN') out.push(i);
  return out;
}
