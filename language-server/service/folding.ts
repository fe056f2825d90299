/** Folding ranges: multi-line instructions, heredocs, stages, comment blocks. */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver-types';
import type { ParsedDocument } from './document';

export function foldingRanges(doc: ParsedDocument): FoldingRange[] {
  const out: FoldingRange[] = [];
  const m = doc.model;
  for (const s of m.stages) {
    const start = s.from.startLine;
    const last = s.instructions[s.instructions.length - 1];
    if (last.endLine > start) out.push({ startLine: start, endLine: last.endLine, kind: FoldingRangeKind.Region });
  }
  for (const i of doc.df.instructions) {
    if (i.endLine > i.startLine) out.push({ startLine: i.startLine, endLine: i.endLine });
  }
  let blockStart = -1;
  let prev = -2;
  const flush = (): void => {
    if (blockStart >= 0 && prev > blockStart) out.push({ startLine: blockStart, endLine: prev, kind: FoldingRangeKind.Comment });
  };
  for (const c of doc.df.comments) {
    const l = doc.positionAt(c.start).line;
    if (l !== prev + 1) {
      flush();
      blockStart = l;
    }
    prev = l;
  }
  flush();
  return out;
}
