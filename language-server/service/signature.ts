/** Signature help: the instruction's syntax forms. */
import type { SignatureHelp } from 'vscode-languageserver-types';
import { INSTRUCTION_MAP } from '../model/instructions';
import type { ParsedDocument } from './document';

export function signatureHelp(doc: ParsedDocument, pos: { line: number; character: number }): SignatureHelp | null {
  const offset = doc.offsetAt(pos);
  const inst = doc.instructionAt(offset);
  if (!inst) return null;
  const target = inst.sub && offset > inst.sub.keywordSpan.end ? inst.sub : inst;
  if (offset <= target.keywordSpan.end) return null;
  const spec = INSTRUCTION_MAP.get(target.name);
  if (!spec) return null;
  let active = 0;
  if (target.json && spec.syntax.length > 1) active = spec.syntax.findIndex((s) => s.includes('[')) ;
  if (target.name === 'HEALTHCHECK' && target.args[0]?.value.toUpperCase() === 'NONE') active = 1;
  // parameter = argument index under the cursor
  const before = target.args.filter((a) => a.end < offset).length;
  return {
    signatures: spec.syntax.map((s) => ({ label: s, documentation: spec.doc, parameters: [] })),
    activeSignature: Math.max(0, active),
    activeParameter: before,
  };
}
