/** Inlay hints: the base image a FROM with variables resolves to with the default ARG values. */
import { InlayHintKind, type InlayHint } from 'vscode-languageserver-types';
import { expandWithGlobals } from '../model/expand';
import type { ParsedDocument } from './document';

export function inlayHints(doc: ParsedDocument, range: { start: { line: number }; end: { line: number } }): InlayHint[] {
  const out: InlayHint[] = [];
  for (const s of doc.model.stages) {
    const img = s.image;
    if (!img || !img.value.includes('$')) continue;
    const line = doc.positionAt(img.end).line;
    if (line < range.start.line || line > range.end.line) continue;
    const v = expandWithGlobals(doc.model, s.from, img.value);
    if (v === undefined || v === img.value) continue;
    out.push({ position: doc.positionAt(img.end), label: `= ${v === '' ? '""' : v}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip: 'with the default values of the global ARGs' });
  }
  return out;
}
