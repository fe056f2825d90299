/** Semantic tokens (full and range), computed in one pass over the tree. */
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver-types';
import type { Instruction, Span } from '../syntax/ast';
import type { ParsedDocument } from './document';

export const TOKEN_TYPES = ['keyword', 'parameter', 'variable', 'string', 'comment', 'namespace', 'class', 'property', 'macro', 'number', 'operator', 'label'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'deprecated', 'readonly', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];
const T = new Map<string, number>(TOKEN_TYPES.map((t, i) => [t, i]));
const DECL = 1;
const DEPRECATED = 2;
const READONLY = 4;

interface Tok {
  start: number;
  end: number;
  type: number;
  mods: number;
}

function collect(doc: ParsedDocument, from: number, to: number): Tok[] {
  const df = doc.df;
  const m = doc.model;
  const toks: Tok[] = [];
  const add = (s: Span, type: TokenType, mods = 0): void => {
    if (s.end > s.start && s.end >= from && s.start <= to) toks.push({ start: s.start, end: s.end, type: T.get(type) as number, mods });
  };
  for (const d of df.directives) add(d, 'macro');
  for (const c of df.comments) if (!df.directives.some((d) => d.start === c.start)) add(c, 'comment');
  const stageNames = new Map<number, Span>();
  for (const s of m.stages) {
    if (s.nameWord) stageNames.set(s.nameWord.start, s.nameWord);
    if (s.image && !s.image.value.includes('$')) add(s.image, s.parent !== undefined ? 'namespace' : 'class');
    if (s.asWord) add(s.asWord, 'keyword');
  }
  for (const sp of stageNames.values()) add(sp, 'namespace', DECL);
  for (const r of m.stageRefs) if (r.kind !== 'from') add(r.span, 'namespace');
  const inst = (i: Instruction): void => {
    if (i.end < from || i.start > to) return;
    add(i.keywordSpan, 'keyword', i.name === 'MAINTAINER' ? DEPRECATED : 0);
    for (const f of i.flags) add({ start: f.start, end: f.nameSpan.end }, 'parameter');
    if (i.name === 'EXPOSE') for (const a of i.args) if (/^\d/.test(a.value)) add(a, 'number');
    if (i.name === 'LABEL') for (const p of i.pairs) add(p.key, 'property', DECL);
    if (i.name === 'HEALTHCHECK' && i.args[0]) add(i.args[0], 'keyword');
    for (const h of i.heredocs) {
      add(h.nameSpan, 'label');
      if (h.terminatorSpan) add(h.terminatorSpan, 'label');
    }
    if (i.sub) inst(i.sub);
  };
  for (const i of df.instructions) inst(i);
  for (const d of m.defs) add(d.nameSpan, 'variable', DECL | (d.kind === 'ARG' ? READONLY : 0));
  for (const r of m.refs) add(r.span, 'variable');
  return toks;
}

/** Encodes tokens; multi-line tokens are split per line. Overlaps keep the earlier token. */
export function semanticTokens(doc: ParsedDocument, range?: { start: { line: number; character: number }; end: { line: number; character: number } }): SemanticTokens {
  const from = range ? doc.offsetAt(range.start) : 0;
  const to = range ? doc.offsetAt(range.end) : doc.text.length;
  const toks = collect(doc, from, to).sort((a, b) => a.start - b.start || b.end - a.end);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  let lastEnd = -1;
  const starts = doc.df.lineStarts;
  for (const t of toks) {
    if (t.start < lastEnd) continue;
    lastEnd = t.end;
    let s = t.start;
    let line = doc.positionAt(s).line;
    while (s < t.end) {
      const lineEnd = line + 1 < starts.length ? starts[line + 1] - 1 : doc.text.length;
      const e = Math.min(t.end, lineEnd);
      if (e > s) {
        const ch = s - starts[line];
        data.push(line - prevLine, line === prevLine ? ch - prevChar : ch, e - s, t.type, t.mods);
        prevLine = line;
        prevChar = ch;
      }
      line++;
      if (line >= starts.length) break;
      s = starts[line];
    }
  }
  return { data };
}
