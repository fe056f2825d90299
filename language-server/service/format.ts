/** Formatting: instructions at column 0, continuation lines indented once, trailing whitespace removed. Heredoc bodies untouched. */
import type { FormattingOptions, TextEdit } from 'vscode-languageserver-types';
import type { ParsedDocument } from './document';

interface LinePlan {
  /** desired indentation, or undefined to keep */
  indent?: string;
  /** trim trailing whitespace */
  trim: boolean;
}

function plan(doc: ParsedDocument, options: FormattingOptions, keepContinuationIndent: boolean): (LinePlan | undefined)[] {
  const df = doc.df;
  const n = df.lineStarts.length;
  const plans: (LinePlan | undefined)[] = new Array(n);
  const unit = options.insertSpaces ? ' '.repeat(options.tabSize || 4) : '\t';
  // default: every line at column 0 (comments, directives, blank lines)
  for (let l = 0; l < n; l++) plans[l] = { indent: '', trim: true };
  for (const inst of df.instructions) {
    const lastCont = doc.positionAt(inst.lastLineStart).line;
    plans[inst.startLine] = { indent: '', trim: true };
    for (let l = inst.startLine + 1; l <= lastCont; l++) {
      const blank = lineText(doc, l).trim() === '';
      plans[l] = blank ? { indent: '', trim: true } : { indent: keepContinuationIndent ? undefined : unit, trim: true };
    }
    for (let l = lastCont + 1; l <= inst.endLine; l++) plans[l] = undefined; // heredoc bodies and terminators
  }
  return plans;
}

function lineText(doc: ParsedDocument, l: number): string {
  const starts = doc.df.lineStarts;
  const s = starts[l];
  let e = l + 1 < starts.length ? starts[l + 1] - 1 : doc.text.length;
  if (e > s && doc.text.charCodeAt(e - 1) === 13) e--;
  return doc.text.slice(s, e);
}

function editsForLine(doc: ParsedDocument, l: number, p: LinePlan | undefined): TextEdit[] {
  if (!p) return [];
  const edits: TextEdit[] = [];
  const t = lineText(doc, l);
  const lead = /^[ \t]*/.exec(t)?.[0] ?? '';
  if (lead.length === t.length) {
    if (t.length > 0) edits.push({ range: { start: { line: l, character: 0 }, end: { line: l, character: t.length } }, newText: '' });
    return edits;
  }
  if (p.indent !== undefined && lead !== p.indent) {
    edits.push({ range: { start: { line: l, character: 0 }, end: { line: l, character: lead.length } }, newText: p.indent });
  }
  if (p.trim) {
    const trail = /[ \t]+$/.exec(t);
    if (trail) edits.push({ range: { start: { line: l, character: trail.index }, end: { line: l, character: t.length } }, newText: '' });
  }
  return edits;
}

export function format(doc: ParsedDocument, options: FormattingOptions, keepContinuationIndent: boolean, range?: { start: { line: number }; end: { line: number } }): TextEdit[] {
  const plans = plan(doc, options, keepContinuationIndent);
  const from = range ? range.start.line : 0;
  const to = range ? Math.min(range.end.line, plans.length - 1) : plans.length - 1;
  const edits: TextEdit[] = [];
  for (let l = from; l <= to; l++) edits.push(...editsForLine(doc, l, plans[l]));
  return edits;
}

/** After a newline: indent the new line if it continues an instruction. */
export function formatOnType(doc: ParsedDocument, pos: { line: number; character: number }, ch: string, options: FormattingOptions, keepContinuationIndent: boolean): TextEdit[] {
  if (ch !== '\n' || pos.line === 0 || keepContinuationIndent) return [];
  // heredoc bodies are left alone, as by format()
  const start = doc.df.lineStarts[pos.line] ?? doc.text.length;
  const inst = doc.instructionAt(start);
  if (inst && (inst.sub ?? inst).heredocs.some((h) => h.contentSpan.start <= start && start <= (h.terminatorSpan ?? h.contentSpan).end)) return [];
  // BuildKit skips comment lines inside a continuation, and a comment never continues
  // anything itself: the line that decides is the last one above that is not a comment
  let l = pos.line - 1;
  while (l >= 0 && isComment(lineText(doc, l))) l--;
  if (l < 0) return [];
  const esc = doc.df.escape === '\\' ? '\\\\' : doc.df.escape;
  if (!new RegExp('(^|[^' + esc + '])' + esc + '[ \\t]*$').test(lineText(doc, l))) return [];
  const unit = options.insertSpaces ? ' '.repeat(options.tabSize || 4) : '\t';
  const cur = lineText(doc, pos.line);
  const lead = /^[ \t]*/.exec(cur)?.[0] ?? '';
  if (lead === unit) return [];
  return [{ range: { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: lead.length } }, newText: unit }];
}

function isComment(line: string): boolean {
  return /^[ \t]*#/.test(line);
}
