/**
 * Dockerfile parser with BuildKit's semantics (frontend/dockerfile/parser), error
 * tolerant: it never throws, it returns a tree plus errors, and every node carries
 * document offsets. Where BuildKit aborts the whole parse, we record an error and go on.
 */
import type {
  Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Span, SyntaxError, Word,
} from './ast';
import { computeLineStarts, isSpace, isWs, skipSpace, trimSpaceEnd } from './text';

const ALLOWED_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const DIRECTIVE_RE = /^#[ \t\f\r]*([a-zA-Z][a-zA-Z0-9]*)[ \t\f\r]*=[ \t\f\r]*(.+?)[ \t\f\r]*$/;
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/;

/** Upper-cased instruction names; known ones are the interned constants (fast === in rules). */
const NAMES = new Map<string, string>(
  ['ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']
    .map((n) => [n, n]),
);

function instructionName(keyword: string): string {
  const hit = NAMES.get(keyword);
  if (hit !== undefined) return hit;
  const up = keyword.toUpperCase();
  return NAMES.get(up) ?? up;
}

/**
 * The one empty list every instruction without flags, pairs, heredocs or comments points
 * at: most instructions have none, and five fresh `[]` per instruction were ~15% of the
 * tree. Nothing may push into it (the parser appends with add()); it is not frozen
 * because for-of over a frozen array takes V8's slow iterator path, which allocated
 * ~200 KB more per 2,000-line check. test/unit/ls/parser.test.ts checks it stays empty.
 */
const NONE: never[] = [];

/** `list` with `x` appended: a new one-element array in place of NONE. */
function add<T>(list: T[], x: T): T[] {
  if (list === NONE) return [x];
  list.push(x);
  return list;
}

interface Seg {
  log: number;
  doc: number;
  len: number;
}

/** toDoc of a one-line instruction: no segment list to search. */
function lineToDoc(doc: number, len: number): (i: number) => number {
  return (i) => doc + Math.min(Math.max(i, 0), len);
}

function makeToDoc(segs: Seg[]): (i: number) => number {
  return (i: number) => {
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid].log <= i) lo = mid;
      else hi = mid - 1;
    }
    // skip zero-length segments that share the same logical start
    const s = segs[lo];
    return s.doc + Math.min(Math.max(i - s.log, 0), s.len);
  };
}

/**
 * One parse of one text. A class with a method per step rather than one big function with
 * closures: V8 optimizes a function after it has run an amount of bytecode that grows with
 * its size, so small methods get optimized code within the first few documents.
 */
class Parser {
  readonly lineStarts: number[];
  readonly errors: SyntaxError[] = [];
  readonly directives: Directive[] = [];
  readonly comments: Comment[] = [];
  readonly instructions: Instruction[] = [];
  escape = '\\';
  private readonly n: number;
  private escCode = 92;
  /** next physical line to read */
  private i = 0;
  /** comments directly above the next instruction (BuildKit PrevComment) */
  private pending: Comment[] = NONE;
  // parser directives: only in the lines before anything else
  private dirLine = 0;
  private dirDone = false;
  /** the line that ended the directives (all lines are directives until one is not) */
  private directiveEnd = -1;
  private readonly seen = new Set<string>();

  constructor(private readonly text: string) {
    this.lineStarts = computeLineStarts(text);
    this.n = this.lineStarts.length;
  }

  parse(): Dockerfile {
    while (this.i < this.n) this.line();
    if (this.instructions.length === 0) {
      this.errors.push({ start: 0, end: 0, message: 'file with no instructions', code: 'NoInstructions' });
    }
    const { text, directives, escape, instructions, comments, errors, lineStarts } = this;
    const directiveEnd = this.directiveEnd < 0 ? this.n : this.directiveEnd;
    return { text, directives, escape, instructions, comments, errors, lineStarts, directiveEnd };
  }

  /** End of physical line i, without its \n or \r\n. */
  private lineEnd(i: number): number {
    const { lineStarts, text } = this;
    let e = i + 1 < this.n ? lineStarts[i + 1] - 1 : text.length;
    if (e > lineStarts[i] && text.charCodeAt(e - 1) === 13) e--;
    return e;
  }

  /** The text line [ts, end) as a parser directive, while directives are still allowed. */
  private directiveCheck(ts: number, end: number): void {
    this.dirLine++;
    if (this.dirDone) return;
    const s = this.text.slice(ts, end);
    if (this.dirLine === 1 && s.startsWith('#!')) return;
    const m = DIRECTIVE_RE.exec(s);
    const name = m?.[1].toLowerCase();
    if (!m || !name || !ALLOWED_DIRECTIVES.has(name)) {
      // lines reach here in order until this first non-directive (heredoc bodies come later)
      this.dirDone = true;
      this.directiveEnd = this.dirLine - 1;
      return;
    }
    const value = m[2];
    const vStart = ts + s.lastIndexOf(value);
    const d: Directive = { name, value, start: ts, end, valueSpan: { start: vStart, end: vStart + value.length } };
    if (this.seen.has(name)) {
      this.errors.push({ start: ts, end, message: `only one ${name} parser directive can be used`, code: 'DuplicateDirective' });
      return;
    }
    this.seen.add(name);
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') {
        this.errors.push({ start: d.valueSpan.start, end: d.valueSpan.end, message: `invalid escape token '${value}' does not match \` or \\`, code: 'InvalidEscapeToken' });
      } else {
        this.escape = value;
        this.escCode = value.charCodeAt(0);
      }
    }
    this.directives.push(d);
  }

  /** BuildKit's trimContinuationCharacter: returns the new end, or -1 if no continuation */
  private trimCont(start: number, end: number): number {
    const { text } = this;
    let p = end - 1;
    while (p >= start && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p--;
    if (p >= start && text.charCodeAt(p) === this.escCode && (p === start || text.charCodeAt(p - 1) !== this.escCode)) return p;
    return -1;
  }

  /** A comment line: `#` at ts, the line ends at e. */
  private comment(ts: number, e: number): Comment {
    const a = skipSpace(this.text, ts + 1, e);
    const c: Comment = { start: ts, end: e, text: this.text.slice(a, trimSpaceEnd(this.text, a, e)) };
    this.comments.push(c);
    return c;
  }

  /** Reads the physical line at `i` and, if it starts an instruction, the rest of it. */
  private line(): void {
    const { text } = this;
    const i = this.i;
    let s = this.lineStarts[i];
    const e = this.lineEnd(i);
    if (i === 0 && text.charCodeAt(0) === 0xfeff) s++;
    let ts = s;
    while (ts < e && isSpace(text.charCodeAt(ts))) ts++;
    const isComment = ts < e && text.charCodeAt(ts) === 35;
    this.directiveCheck(ts, e);
    if (isComment) {
      const c = this.comment(ts, e);
      this.pending = c.text === '' ? NONE : add(this.pending, c);
    }
    this.i++;
    const firstEnd = isComment ? ts : e;
    const cEnd = this.trimCont(ts, firstEnd);
    if (cEnd < 0 && firstEnd === ts) {
      if (!isComment) this.pending = NONE;
      return;
    }
    this.instruction(i, ts, e, cEnd < 0 ? firstEnd : cEnd, cEnd >= 0);
  }

  /**
   * An instruction whose first line is `startLine`, text from ts to e, its logical part
   * ending at cEnd; `continued` when that line ends in the escape character.
   */
  private instruction(startLine: number, ts: number, e: number, cEnd: number, continued: boolean): void {
    const { text, lineStarts, n } = this;
    // the segment list is only built for continued instructions
    let segs: Seg[] | undefined;
    let lastLineStart = ts;
    let logical = text.slice(ts, cEnd);
    let emptyContinuation = false;
    let lastLine = startLine;
    let instrEnd = e;
    let isEnd = !continued;
    while (!isEnd && this.i < n) {
      const i = this.i++;
      const s2 = lineStarts[i];
      const e2 = this.lineEnd(i);
      let t2 = s2;
      while (t2 < e2 && isSpace(text.charCodeAt(t2))) t2++;
      this.directiveCheck(t2, e2);
      lastLine = i;
      instrEnd = e2;
      if (t2 < e2 && text.charCodeAt(t2) === 35) {
        this.comment(t2, e2);
        continue;
      }
      if (t2 === e2) {
        emptyContinuation = true;
        continue;
      }
      let c2 = this.trimCont(s2, e2);
      isEnd = c2 < 0;
      if (isEnd) c2 = e2;
      lastLineStart = s2;
      segs ??= [{ log: 0, doc: ts, len: cEnd - ts }];
      segs.push({ log: logical.length, doc: s2, len: c2 - s2 });
      logical += text.slice(s2, c2);
    }
    const toDoc = segs ? makeToDoc(segs.slice()) : lineToDoc(ts, cEnd - ts);
    const inst = parseInstruction(logical, 0, logical.length, toDoc, this.escape, this.errors);
    inst.start = ts;
    inst.end = instrEnd;
    inst.startLine = startLine;
    inst.endLine = lastLine;
    inst.emptyContinuation = emptyContinuation;
    inst.prevComments = this.pending;
    inst.firstLineEnd = e;
    inst.lastLineStart = lastLineStart;
    this.pending = NONE;
    const hdInst = inst.name === 'ONBUILD' && inst.sub ? inst.sub : inst;
    if (HEREDOC_INSTRUCTIONS.has(hdInst.name) && !hdInst.json && logical.includes('<<')) {
      for (const h of heredocsFromLine(logical, toDoc)) instrEnd = this.heredocBody(hdInst, h, instrEnd);
      inst.end = instrEnd;
      inst.endLine = Math.max(lastLine, this.i - 1);
    }
    compact(inst);
    this.instructions.push(inst);
  }

  /**
   * Reads the body of heredoc `h` of `hdInst` from the next line on, up to its terminator.
   * `instrEnd` is where the instruction ends so far; returns where it ends after the body.
   */
  private heredocBody(hdInst: Instruction, h: Heredoc, instrEnd: number): number {
    const { text, lineStarts, n } = this;
    const bodyStart = this.i < n ? lineStarts[this.i] : text.length;
    // the body is its lines, each without a trailing \r, joined and ended by \n: one
    // slice of the text (plus \r\n -> \n where needed) instead of per-line concatenation
    let content = '';
    let terminated = false;
    let bodyLines = 0;
    let bodyEnd = instrEnd;
    while (this.i < n) {
      const i = this.i++;
      const s3 = lineStarts[i];
      const e3 = this.lineEnd(i);
      bodyEnd = e3;
      let t3 = s3;
      if (h.chomp) while (t3 < e3 && text.charCodeAt(t3) === 9) t3++;
      if (e3 - t3 === h.name.length && text.startsWith(h.name, t3)) {
        terminated = true;
        h.terminatorSpan = { start: s3, end: e3 };
        h.contentSpan = { start: bodyStart, end: Math.max(bodyStart, s3 - 1) };
        if (bodyLines > 0) content = text.slice(bodyStart, s3);
        break;
      }
      bodyLines++;
    }
    if (!terminated && bodyLines > 0) content = text.slice(bodyStart, bodyEnd) + '\n';
    if (content.includes('\r')) content = content.replace(/\r\n/g, '\n');
    if (!terminated) {
      h.contentSpan = { start: bodyStart, end: text.length };
      this.errors.push({ start: h.nameSpan.start, end: h.nameSpan.end, message: `unterminated heredoc ${h.name}`, code: 'UnterminatedHeredoc' });
    }
    h.content = content;
    h.end = bodyEnd;
    hdInst.heredocs = add(hdInst.heredocs, h);
    return bodyEnd;
  }
}

export function parse(text: string): Dockerfile {
  return new Parser(text).parse();
}

/** A word with its document span, built as one object (no span + spread copy). */
function wordOf(value: string, toDoc: (i: number) => number, ls: number, le: number): Word {
  if (le <= ls) {
    const p = toDoc(ls);
    return { value, start: p, end: p };
  }
  return { value, start: toDoc(ls), end: toDoc(le - 1) + 1 };
}

/**
 * Arrays filled with push() keep a backing store of 16+ slots; the tree lives as long as the
 * document, so keep exact-size copies (the tree is ~15% smaller, and so is every scavenge
 * that copies it).
 */
function compact(inst: Instruction): void {
  if (inst.args.length > 0) inst.args = inst.args.slice();
  if (inst.flags.length > 0) inst.flags = inst.flags.slice();
  if (inst.pairs.length > 0) inst.pairs = inst.pairs.slice();
  if (inst.heredocs.length > 0) inst.heredocs = inst.heredocs.slice();
  if (inst.prevComments.length > 0) inst.prevComments = inst.prevComments.slice();
  if (inst.sub) compact(inst.sub);
}

function spanOf(toDoc: (i: number) => number, ls: number, le: number): Span {
  if (le <= ls) {
    const p = toDoc(ls);
    return { start: p, end: p };
  }
  return { start: toDoc(ls), end: toDoc(le - 1) + 1 };
}

function parseInstruction(
  L: string, from: number, to: number, toDoc: (i: number) => number, escape: string, errors: SyntaxError[],
): Instruction {
  const a = skipSpace(L, from, to);
  const b = trimSpaceEnd(L, a, to);
  let k = a;
  while (k < b && !isWs(L.charCodeAt(k))) k++;
  const raw = L.slice(a, k);
  const name = instructionName(raw);
  // an all-caps keyword is kept as the interned name, not as its own copy
  const keyword = raw === name ? name : raw;
  let r = k;
  while (r < b && isWs(L.charCodeAt(r))) r++;
  // most instructions have no flags: run the flag scanner only when the rest starts with `--`
  let f = r;
  while (f < b && isSpace(L.charCodeAt(f))) f++;
  const hasFlags = f + 1 < b && L.charCodeAt(f) === 45 && L.charCodeAt(f + 1) === 45;
  let flags: Flag[] = NONE;
  let restStart = f;
  if (hasFlags) {
    const x = extractBuilderFlags(L, f, b, toDoc);
    if (x.flags.length > 0) flags = x.flags;
    restStart = x.restStart;
  }
  const rs = skipSpace(L, restStart, b);
  const re = trimSpaceEnd(L, rs, b);
  const inst: Instruction = {
    keyword, name, keywordSpan: spanOf(toDoc, a, k), flags,
    rest: L.slice(rs, re), restSpan: spanOf(toDoc, rs, re),
    args: NONE, json: false, pairs: NONE, sub: undefined, heredocs: NONE, prevComments: NONE,
    start: toDoc(a), end: toDoc(b), startLine: 0, endLine: 0, emptyContinuation: false, firstLineEnd: 0, lastLineStart: 0,
    logical: L, toDoc, bodyLog: k,
  };
  switch (name) {
    case 'ADD': case 'COPY': case 'VOLUME':
      maybeJSON(inst, L, rs, re, toDoc, true, errors, a, k);
      break;
    case 'RUN': case 'CMD': case 'ENTRYPOINT': case 'SHELL':
      maybeJSON(inst, L, rs, re, toDoc, false, errors, a, k);
      break;
    case 'FROM': case 'EXPOSE':
      inst.args = splitWhitespace(L, rs, re, toDoc);
      break;
    case 'ARG':
      inst.args = parseWords(L, rs, re, escape, toDoc);
      break;
    case 'MAINTAINER': case 'STOPSIGNAL': case 'USER': case 'WORKDIR':
      if (re > rs) inst.args = [{ value: inst.rest, start: inst.restSpan.start, end: inst.restSpan.end }];
      break;
    case 'ENV': case 'LABEL': {
      const words = parseWords(L, rs, re, escape, toDoc);
      if (words.length === 0) break;
      if (!words[0].value.includes('=')) {
        let p = rs;
        while (p < re && !isWs(L.charCodeAt(p))) p++;
        const key: Word = wordOf(L.slice(rs, p), toDoc, rs, p);
        let q = p;
        while (q < re && isWs(L.charCodeAt(q))) q++;
        if (q >= re) {
          pushError(errors, toDoc, `${name} must have two arguments`, 'InvalidKeyValue', rs, re, a, k);
          inst.pairs = [{ key, value: undefined, separator: '', start: key.start, end: key.end }];
        } else {
          const value: Word = wordOf(L.slice(q, re), toDoc, q, re);
          inst.pairs = [{ key, value, separator: '', start: key.start, end: value.end }];
        }
        break;
      }
      for (const w of words) {
        const eq = w.value.indexOf('=');
        if (eq < 0) {
          errors.push({ start: w.start, end: w.end, message: `Syntax error - can't find = in "${w.value}". Must be of the form: name=value`, code: 'InvalidKeyValue' });
          continue;
        }
        const key: Word = { value: w.value.slice(0, eq), start: w.start, end: Math.min(w.end, w.start + eq) };
        const value: Word = { value: w.value.slice(eq + 1), start: Math.min(w.end, w.start + eq + 1), end: w.end };
        inst.pairs = add(inst.pairs, { key, value, separator: '=', start: w.start, end: w.end });
      }
      break;
    }
    case 'HEALTHCHECK': {
      let sep = rs;
      while (sep < re && !isSpace(L.charCodeAt(sep))) sep++;
      let next = sep;
      while (next < re && isSpace(L.charCodeAt(next))) next++;
      if (sep === rs) break;
      inst.args = [wordOf(L.slice(rs, sep), toDoc, rs, sep)];
      maybeJSON(inst, L, next, re, toDoc, false, errors, a, k);
      break;
    }
    case 'ONBUILD':
      if (re > rs) inst.sub = parseInstruction(L, rs, re, toDoc, escape, errors);
      break;
    default:
      break;
  }
  return inst;
}

function pushError(errors: SyntaxError[], toDoc: (i: number) => number, message: string, code: string, ls: number, le: number, a: number, k: number): void {
  const sp = spanOf(toDoc, ls, le);
  if (sp.start === sp.end) Object.assign(sp, spanOf(toDoc, a, k));
  errors.push({ start: sp.start, end: sp.end, message, code });
}

/** JSON form if the text is a JSON array, else whitespace words (toList) or the one shell-form string. */
function maybeJSON(
  inst: Instruction, L: string, ls: number, le: number, toDoc: (i: number) => number, toList: boolean, errors: SyntaxError[], a: number, k: number,
): void {
  const j = parseJSON(L, ls, le, toDoc);
  if (j === 'notStringArray') {
    pushError(errors, toDoc, 'when using JSON array syntax, arrays must be comprised of strings only', 'JSONNotStringArray', ls, le, a, k);
    inst.json = true;
    return;
  }
  if (j) {
    inst.args = concat(inst.args, j);
    inst.json = true;
    return;
  }
  if (toList) inst.args = concat(inst.args, splitWhitespace(L, ls, le, toDoc));
  else if (le > ls) inst.args = add(inst.args, wordOf(L.slice(ls, le), toDoc, ls, le));
}

/** `list` followed by `more`: `more` itself when `list` is empty (HEALTHCHECK has a word before). */
function concat<T>(list: T[], more: T[]): T[] {
  if (more.length === 0) return list;
  if (list.length === 0) return more;
  return list.concat(more);
}

/**
 * Appends the flag `word` (quotes and escapes already dropped when `dirty`) that spans
 * L[wordStart, endPos). A module function, not a closure per instruction.
 */
function pushFlag(flags: Flag[], L: string, toDoc: (i: number) => number, word: string, wordStart: number, endPos: number, dirty: boolean): void {
  const eqText = word.indexOf('=');
  const headEnd = eqText < 0 ? word.length : eqText;
  const name = word.startsWith('--') ? word.slice(2, headEnd) : word.slice(0, headEnd);
  // endPos > wordStart: a flag word is never empty here
  const f: Flag = {
    text: word, name, start: toDoc(wordStart), end: toDoc(endPos - 1) + 1,
    nameSpan: spanOf(toDoc, wordStart + 2, wordStart + 2 + name.length), value: undefined, valueSpan: undefined,
  };
  if (eqText >= 0) {
    f.value = word.slice(eqText + 1);
    // the `=` in the source: the same index unless quotes or escapes were dropped
    const eqRaw = dirty ? L.slice(wordStart, endPos).indexOf('=') : eqText;
    f.valueSpan = spanOf(toDoc, wordStart + eqRaw + 1, endPos);
  }
  flags.push(f);
}

/** BuildKit's extractBuilderFlags, with positions. */
function extractBuilderFlags(
  L: string, from: number, to: number, toDoc: (i: number) => number,
): { flags: Flag[]; restStart: number } {
  const flags: Flag[] = [];
  const IN_SPACES = 0;
  const IN_WORD = 1;
  const IN_QUOTE = 2;
  let phase = IN_SPACES;
  let word = '';
  // while no quote or backslash was seen, the word is the raw slice and is not built
  let dirty = false;
  let wordStart = from;
  let quote = 0;
  let blankOK = false;
  for (let pos = from; pos <= to; pos++) {
    const ch = pos < to ? L.charCodeAt(pos) : 0;
    if (phase === IN_SPACES) {
      if (pos === to) break;
      if (isSpace(ch)) continue;
      if (ch !== 45 || pos + 1 === to || L.charCodeAt(pos + 1) !== 45) return { flags, restStart: pos };
      phase = IN_WORD;
      wordStart = pos;
    }
    if (pos === to) {
      const w = dirty ? word : L.slice(wordStart, pos);
      if (w !== '--' && (blankOK || w.length > 0)) pushFlag(flags, L, toDoc, w, wordStart, pos, dirty);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        phase = IN_SPACES;
        const w = dirty ? word : L.slice(wordStart, pos);
        if (w === '--') return { flags, restStart: pos };
        if (blankOK || w.length > 0) pushFlag(flags, L, toDoc, w, wordStart, pos, dirty);
        word = '';
        dirty = false;
        blankOK = false;
        continue;
      }
      if ((ch === 39 || ch === 34 || ch === 92) && !dirty) {
        word = L.slice(wordStart, pos);
        dirty = true;
      }
      if (ch === 39 || ch === 34) {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      let c = ch;
      if (c === 92) {
        if (pos + 1 === to) continue;
        pos++;
        c = L.charCodeAt(pos);
      }
      if (dirty) word += String.fromCharCode(c);
      continue;
    }
    // IN_QUOTE
    if (ch === quote) {
      phase = IN_WORD;
      continue;
    }
    let c = ch;
    if (c === 92) {
      if (pos + 1 === to) {
        phase = IN_WORD;
        continue;
      }
      pos++;
      c = L.charCodeAt(pos);
    }
    word += String.fromCharCode(c);
  }
  return { flags, restStart: to };
}

/** BuildKit's parseWords (ARG, ENV, LABEL): quotes and escapes are kept in the words. */
function parseWords(L: string, from: number, to: number, escape: string, toDoc: (i: number) => number): Word[] {
  // The words keep their quotes and escapes, so each is a slice of the line; only a lone
  // escape character at the very end is dropped. No per-character string building.
  const words: Word[] = [];
  const esc = escape.charCodeAt(0);
  let phase = 0; // 0 spaces, 1 word, 2 quote
  let len = 0;
  let skipped = false;
  let wordStart = from;
  let quote = 0;
  let blankOK = false;
  for (let pos = from; pos <= to; pos++) {
    const ch = pos < to ? L.charCodeAt(pos) : 0;
    if (phase === 0) {
      if (pos === to) break;
      if (isSpace(ch)) continue;
      phase = 1;
      wordStart = pos;
    }
    if (pos === to) {
      if (blankOK || len > 0) words.push(wordOf(L.slice(wordStart, skipped ? pos - 1 : pos), toDoc, wordStart, pos));
      break;
    }
    if (phase === 1) {
      if (isSpace(ch)) {
        phase = 0;
        if (blankOK || len > 0) words.push(wordOf(L.slice(wordStart, skipped ? pos - 1 : pos), toDoc, wordStart, pos));
        len = 0;
        blankOK = false;
        continue;
      }
      if (ch === 39 || ch === 34) {
        quote = ch;
        blankOK = true;
        phase = 2;
      }
      if (ch === esc) {
        if (pos + 1 === to) {
          skipped = true;
          continue;
        }
        len++;
        pos++;
      }
      len++;
      continue;
    }
    if (ch === quote) phase = 1;
    if (ch === esc && quote !== 39) {
      if (pos + 1 === to) {
        phase = 1;
        skipped = true;
        continue;
      }
      len++;
      pos++;
    }
    len++;
  }
  return words.length > 0 ? words : NONE;
}

function splitWhitespace(L: string, from: number, to: number, toDoc: (i: number) => number): Word[] {
  const out: Word[] = [];
  let p = from;
  while (p < to) {
    while (p < to && isWs(L.charCodeAt(p))) p++;
    if (p >= to) break;
    const s = p;
    while (p < to && !isWs(L.charCodeAt(p))) p++;
    out.push(wordOf(L.slice(s, p), toDoc, s, p));
  }
  return out.length > 0 ? out : NONE;
}

/** JSON array of strings, or undefined if not JSON, or 'notStringArray'. */
function parseJSON(L: string, from: number, to: number, toDoc: (i: number) => number): Word[] | undefined | 'notStringArray' {
  let p = from;
  while (p < to && isSpace(L.charCodeAt(p))) p++;
  if (L.charCodeAt(p) !== 91) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(L.slice(p, to));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((x) => typeof x === 'string')) return 'notStringArray';
  const out: Word[] = [];
  let idx = 0;
  for (let q = p + 1; q < to && idx < parsed.length; q++) {
    if (L.charCodeAt(q) !== 34) continue;
    const s = q;
    q++;
    while (q < to && L.charCodeAt(q) !== 34) {
      if (L.charCodeAt(q) === 92) q++;
      q++;
    }
    out.push(wordOf(parsed[idx++] as string, toDoc, s, q + 1));
  }
  return out;
}

/** Heredoc words on an instruction's logical line (BuildKit heredocsFromLine). */
function heredocsFromLine(L: string, toDoc: (i: number) => number): Heredoc[] {
  const out: Heredoc[] = [];
  // split into shell-ish words: quotes group, backslash escapes
  let p = 0;
  const n = L.length;
  while (p < n) {
    while (p < n && isSpace(L.charCodeAt(p))) p++;
    if (p >= n) break;
    const s = p;
    let q = 0;
    while (p < n) {
      const c = L.charCodeAt(p);
      if (q) {
        if (c === q) q = 0;
        else if (c === 92 && q === 34) p++;
      } else if (c === 39 || c === 34) q = c;
      else if (c === 92) p++;
      else if (isSpace(c)) break;
      p++;
    }
    // only a word that starts with digits and `<<` can be one (HEREDOC_RE): test that
    // before slicing, since most words of a RUN line are not
    let d = s;
    while (d < p && L.charCodeAt(d) >= 48 && L.charCodeAt(d) <= 57) d++;
    if (L.charCodeAt(d) !== 60 || L.charCodeAt(d + 1) !== 60) continue;
    const raw = L.slice(s, Math.min(p, n));
    const m = HEREDOC_RE.exec(raw);
    if (!m || m[3].length === 0) continue;
    const rawName = m[3];
    const name = rawName.replace(/\\(.)/g, '$1').replace(/["']/g, '');
    if (name.length === 0 || /\s/.test(name)) continue;
    const span = spanOf(toDoc, s, Math.min(p, n));
    out.push({
      name, chomp: m[2] === '-', expand: !/["'\\]/.test(rawName), content: '',
      nameSpan: span, start: span.start, end: span.end, contentSpan: { start: span.end, end: span.end }, terminatorSpan: undefined,
    });
  }
  return out;
}
