/** Light shell helpers for best-practice rules (no shell parser needed). */
import type { Dockerfile, Instruction, Span } from '../../syntax/ast';
import type { Fix } from '../rule';

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

/**
 * The RUN instructions, including ONBUILD RUN triggers (the sub-instruction, whose spans are
 * document offsets too), in document order.
 */
export function runs(df: Dockerfile): Instruction[] {
  const out: Instruction[] = [];
  for (const i of df.instructions) {
    if (i.name === 'RUN') out.push(i);
    else if (i.name === 'ONBUILD' && i.sub?.name === 'RUN') out.push(i.sub);
  }
  return out;
}

const CONTINUATION = /\\\r?\n/g;
const WORDS = /\s+/;

/**
 * The first command in the instruction's text that matches `re` (a global regex that
 * starts at the command word, e.g. /\bapk\s+add\b/g) and for which `bad(words)` holds, the
 * words running from the match to the next && || ; | or end of line; the match's span.
 * Used to point at (and fix) the offending command rather than the first similar one.
 * Returns undefined if none is found in the text (e.g. the match spans a continuation).
 */
function findCommand(df: Dockerfile, inst: Instruction, re: RegExp, bad: (words: string[]) => boolean): Span | undefined {
  const text = df.text.slice(inst.start, inst.end);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let e = m.index + m[0].length;
    // the command ends at an operator or at a newline that is not a continuation
    while (e < text.length) {
      const c = text[e];
      if (c === ';' || c === '|' || (c === '&' && text[e + 1] === '&')) break;
      if (c === '\n') {
        let b = e - 1;
        if (text[b] === '\r') b--;
        if (text[b] !== '\\' && text[b] !== df.escape) break;
      }
      e++;
    }
    const words = text.slice(m.index, e).replace(CONTINUATION, ' ').trim().split(WORDS);
    if (bad(words)) return { start: inst.start + m.index, end: inst.start + m.index + m[0].length };
    // one look per command: another match inside the same command would scan (and split) the
    // same tail again, quadratic in a long command full of matches
    re.lastIndex = e;
  }
  return undefined;
}

/**
 * Where a RUN rule reports: the first command matching `re` (global) for which `bad` holds,
 * with a fix that inserts `insert` right after the match (e.g. ' -y' after `apt-get install`).
 * No fix for JSON form (the words are quoted strings there) or when the command is not found
 * in the text (the span is then the first match, else the keyword).
 */
export function insertAfterCommand(
  df: Dockerfile, inst: Instruction, re: RegExp, bad: (words: string[]) => boolean, insert: string, title: string,
): Span & { fixes?: Fix[] } {
  const hit = findCommand(df, inst, re, bad);
  if (!hit) {
    re.lastIndex = 0;
    const span = findIn(df, inst, re);
    re.lastIndex = 0;
    return span;
  }
  if (inst.json) return hit;
  return { start: hit.start, end: hit.end, fixes: [{ title, edits: [{ start: hit.end, end: hit.end, newText: insert }] }] };
}
