/** Document symbols: a tree of stages with their instructions; global ARGs at the top. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import type { VarDef } from '../model/model';
import type { Instruction } from '../syntax/ast';
import type { ParsedDocument } from './document';

function kindOf(name: string): SymbolKind {
  switch (name) {
    case 'ARG': return SymbolKind.Constant;
    case 'ENV': return SymbolKind.Variable;
    case 'LABEL': return SymbolKind.Property;
    case 'RUN': case 'CMD': case 'ENTRYPOINT': case 'HEALTHCHECK': case 'SHELL': return SymbolKind.Function;
    case 'COPY': case 'ADD': return SymbolKind.File;
    case 'EXPOSE': return SymbolKind.Number;
    case 'WORKDIR': case 'VOLUME': return SymbolKind.Package;
    case 'USER': return SymbolKind.Key;
    case 'ONBUILD': return SymbolKind.Event;
    default: return SymbolKind.Field;
  }
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? one.slice(0, 57) + '...' : one;
}

function instSymbols(doc: ParsedDocument, i: Instruction, defsOf: Map<Instruction, VarDef[]>): DocumentSymbol[] {
  const range = doc.range(i);
  if ((i.name === 'ARG' || i.name === 'ENV') && (i.args.length > 0 || i.pairs.length > 0)) {
    const defs = defsOf.get(i) ?? [];
    return defs.map((d) => ({ name: d.name, detail: `${i.name}${d.value !== undefined ? ' = ' + clip(d.value) : ''}`, kind: kindOf(i.name), range, selectionRange: doc.range(d.nameSpan) }));
  }
  return [{ name: i.keyword.toUpperCase(), detail: clip(i.rest), kind: kindOf(i.name), range, selectionRange: doc.range(i.keywordSpan) }];
}

export function documentSymbols(doc: ParsedDocument): DocumentSymbol[] {
  const m = doc.model;
  const out: DocumentSymbol[] = [];
  // the definitions of each ARG/ENV, grouped in one pass (not a filter over all defs per instruction)
  const defsOf = new Map<Instruction, VarDef[]>();
  for (const d of m.defs) {
    const list = defsOf.get(d.inst);
    if (list) list.push(d);
    else defsOf.set(d.inst, [d]);
  }
  for (const i of doc.df.instructions) {
    if (m.order.get(i)?.stage === -1) out.push(...instSymbols(doc, i, defsOf));
  }
  for (const s of m.stages) {
    const children: DocumentSymbol[] = [];
    for (const i of s.instructions.slice(1)) children.push(...instSymbols(doc, i, defsOf));
    const last = s.instructions[s.instructions.length - 1];
    const range = doc.range({ start: s.from.start, end: last.end });
    out.push({
      name: s.nameWord?.value ?? `stage ${s.index}`, detail: s.image ? `FROM ${s.image.value}` : 'FROM', kind: SymbolKind.Module,
      range, selectionRange: doc.range(s.nameWord ?? s.image ?? s.from.keywordSpan), children,
    });
  }
  return out;
}
