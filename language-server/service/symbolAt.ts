/** What named thing (variable, stage, heredoc) is at an offset, and all its occurrences. */
import { resolveVar, type Model } from '../model/model';
import type { Span } from '../syntax/ast';
import type { ParsedDocument } from './document';
import { contains } from './document';

export interface Occurrence extends Span {
  write: boolean;
}

export type Target =
  | { kind: 'var'; name: string; span: Span; stage: number; order: number; isDef: boolean; inFrom: boolean }
  | { kind: 'stage'; name: string; span: Span; index?: number }
  | { kind: 'heredoc'; name: string; span: Span; use: number };

export function targetAt(doc: ParsedDocument, offset: number): Target | undefined {
  const m = doc.model;
  for (const r of m.refs) if (contains(r.nameSpan, offset) || (contains(r.span, offset) && offset > r.span.start)) return { kind: 'var', name: r.name, span: r.nameSpan, stage: r.stage, order: r.order, isDef: false, inFrom: r.inst.name === 'FROM' };
  for (const d of m.defs) if (contains(d.nameSpan, offset)) return { kind: 'var', name: d.name, span: d.nameSpan, stage: d.stage, order: d.order + 1, isDef: true, inFrom: false };
  for (const s of m.stages) if (s.nameWord && contains(s.nameWord, offset)) return { kind: 'stage', name: s.name ?? '', span: s.nameWord, index: s.index };
  for (const r of m.stageRefs) if (contains(r.span, offset)) return { kind: 'stage', name: r.name.toLowerCase(), span: r.span, index: r.target };
  for (let i = 0; i < m.heredocs.length; i++) {
    const h = m.heredocs[i];
    if (contains(h.defSpan, offset)) return { kind: 'heredoc', name: h.heredoc.name, span: h.defSpan, use: i };
    if (h.endSpan && contains(h.endSpan, offset)) return { kind: 'heredoc', name: h.heredoc.name, span: h.endSpan, use: i };
  }
  return undefined;
}

/** Stages linked to the global scope for a name: they redeclare it with a bare `ARG name`. */
function linkedStages(m: Model, name: string): Set<number> {
  const out = new Set<number>([-1]);
  for (const d of m.defs) if (d.kind === 'ARG' && d.stage >= 0 && d.name === name && d.value === undefined) out.add(d.stage);
  return out;
}

export function occurrences(doc: ParsedDocument, t: Target): Occurrence[] {
  const m = doc.model;
  const out: Occurrence[] = [];
  if (t.kind === 'var') {
    const def = t.isDef ? undefined : resolveVar(m, t.name, t.stage, t.order);
    let stages = new Set<number>([def ? def.stage : t.stage]);
    const isGlobal = (def ? def.stage : t.stage) < 0 || t.inFrom;
    const ownBareArg = m.defs.find((d) => d.kind === 'ARG' && d.name === t.name && d.stage === (def ? def.stage : t.stage) && d.value === undefined && d.stage >= 0);
    if (isGlobal || ownBareArg) stages = linkedStages(m, t.name);
    for (const d of m.defs) if (d.name === t.name && stages.has(d.stage)) out.push({ ...d.nameSpan, write: true });
    for (const r of m.refs) {
      if (r.name !== t.name) continue;
      const inFrom = r.inst.name === 'FROM';
      const scope = inFrom ? -1 : r.stage;
      if (stages.has(scope)) out.push({ ...r.nameSpan, write: false });
    }
  } else if (t.kind === 'stage') {
    const s = t.index !== undefined ? m.stages[t.index] : m.stages.find((x) => x.name === t.name);
    if (s?.nameWord) out.push({ ...s.nameWord, write: true });
    for (const r of m.stageRefs) {
      if ((s && r.target === s.index && !/^\d+$/.test(r.name)) || (!s && r.name.toLowerCase() === t.name)) out.push({ ...r.span, write: false });
    }
  } else {
    const h = m.heredocs[t.use];
    out.push({ ...h.defSpan, write: true });
    if (h.endSpan) out.push({ ...h.endSpan, write: false });
  }
  out.sort((a, b) => a.start - b.start);
  return out.filter((o, i) => i === 0 || o.start !== out[i - 1].start);
}

export function definitionOf(doc: ParsedDocument, t: Target): Span | undefined {
  const m = doc.model;
  if (t.kind === 'var') {
    if (t.isDef) return t.span;
    return resolveVar(m, t.name, t.stage, t.order)?.nameSpan;
  }
  if (t.kind === 'stage') {
    const s = t.index !== undefined ? m.stages[t.index] : undefined;
    return s?.nameWord;
  }
  return m.heredocs[t.use].defSpan;
}
