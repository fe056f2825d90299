/** Code actions: quick fixes from rules, "suppress this rule" comments, and check-directive skips. */
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver-types';
import { SUPPRESSION_PREFIX } from '../protocol';
import type { DiagnosticWithFixes } from './diagnostics';
import type { ParsedDocument } from './document';

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

export function codeActions(doc: ParsedDocument, uri: string, all: DiagnosticWithFixes[], context: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const seenSuppress = new Set<string>();
  for (const cd of context) {
    const match = all.find((d) => d.rule === cd.code && sameRange(d.diagnostic.range, cd.range) && d.diagnostic.message === cd.message);
    if (!match) continue;
    for (const fix of match.fixes) {
      const edits: TextEdit[] = fix.edits.map((e) => ({ range: doc.range(e), newText: e.newText }));
      out.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [cd], isPreferred: match.fixes.length === 1, edit: { changes: { [uri]: edits } } });
    }
    if (match.diagnostic.source === 'syntax' && doc.df.errors.some((e) => e.code === match.rule)) continue;
    if (match.instructionStart === undefined) continue;
    const key = `${match.rule}@${match.instructionStart}`;
    if (seenSuppress.has(key)) continue;
    seenSuppress.add(key);
    const pos = doc.positionAt(match.instructionStart);
    const lineStart = doc.df.lineStarts[pos.line];
    const indent = doc.text.slice(lineStart, match.instructionStart);
    // extend an existing `# berth-ignore` comment on the line above
    const prevLine = pos.line - 1;
    if (prevLine >= 0) {
      const ps = doc.df.lineStarts[prevLine];
      const pe = lineStart - 1;
      const prev = doc.text.slice(ps, pe).replace(/\r$/, '');
      const m = new RegExp('^(\\s*#\\s*' + SUPPRESSION_PREFIX + ')(.*)$').exec(prev);
      if (m) {
        out.push({ title: `Suppress ${match.rule} for this instruction`, kind: CodeActionKind.QuickFix, diagnostics: [cd], edit: { changes: { [uri]: [{ range: { start: { line: prevLine, character: prev.length }, end: { line: prevLine, character: prev.length } }, newText: (m[2].trim() ? ',' : ' ') + match.rule }] } } });
        continue;
      }
    }
    out.push({
      title: `Suppress ${match.rule} for this instruction`, kind: CodeActionKind.QuickFix, diagnostics: [cd],
      edit: { changes: { [uri]: [{ range: { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: 0 } }, newText: `${indent}# ${SUPPRESSION_PREFIX} ${match.rule}\n` }] } },
    });
    if (match.diagnostic.source === 'buildkit') {
      const check = doc.df.directives.find((d) => d.name === 'check');
      let edit: TextEdit;
      if (check) {
        const m = /skip=([^;]*)/.exec(check.value);
        if (m) {
          const at = check.valueSpan.start + m.index + m[0].length;
          edit = { range: doc.range({ start: at, end: at }), newText: (m[1].trim() ? ',' : '') + match.rule };
        } else {
          edit = { range: doc.range({ start: check.valueSpan.end, end: check.valueSpan.end }), newText: `;skip=${match.rule}` };
        }
      } else {
        const last = doc.df.directives[doc.df.directives.length - 1];
        const line = last ? doc.positionAt(last.end).line + 1 : 0;
        edit = { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `# check=skip=${match.rule}\n` };
      }
      out.push({ title: `Skip BuildKit check ${match.rule} in this file`, kind: CodeActionKind.QuickFix, diagnostics: [cd], edit: { changes: { [uri]: [edit] } } });
    }
  }
  return out;
}
