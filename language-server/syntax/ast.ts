/**
 * Syntax tree of a Dockerfile. Offsets are UTF-16 offsets into the document text
 * (what LSP positions count), so every node has an exact range.
 * The parser creates every node with all its fields, optional ones as `undefined`: nodes of
 * one kind then share one V8 hidden class, and the rules' optimized code is not thrown
 * away when a node with an extra field turns up (8 -> 2 "wrong map" deopts over the
 * first 40 opens of the benchmark's file). The model does the same for its records.
 */

export interface Span {
  start: number;
  /** exclusive */
  end: number;
}

export interface Directive extends Span {
  /** lower-cased: syntax | escape | check */
  name: string;
  value: string;
  valueSpan: Span;
}

export interface Comment extends Span {
  /** text after '#', trimmed */
  text: string;
}

export interface Flag extends Span {
  /** the flag as BuildKit keeps it, without quotes: `--from=build` */
  text: string;
  /** name without dashes: `from` */
  name: string;
  nameSpan: Span;
  /** undefined for a bare `--flag` */
  value?: string;
  valueSpan?: Span;
}

/** One argument word. `value` is what BuildKit keeps (quotes stay for ARG/ENV). */
export interface Word extends Span {
  value: string;
}

export interface KeyValue extends Span {
  key: Word;
  value?: Word;
  /** "=" or "" (legacy `ENV key value`) */
  separator: '=' | '';
}

export interface Heredoc extends Span {
  /** delimiter name without quotes */
  name: string;
  /** the `<<EOF` word */
  nameSpan: Span;
  /** <<- : leading tabs stripped */
  chomp: boolean;
  /** unquoted delimiter: variables are expanded in the body */
  expand: boolean;
  content: string;
  /** body lines, excluding the terminator */
  contentSpan: Span;
  /** the terminator line, absent if unterminated */
  terminatorSpan?: Span;
}

export interface Instruction extends Span {
  /** as written, e.g. `from` */
  keyword: string;
  keywordSpan: Span;
  /** upper-cased keyword */
  name: string;
  flags: Flag[];
  /** BuildKit's "rest": the logical line after keyword and flags, trimmed */
  rest: string;
  restSpan: Span;
  /** argument words: JSON elements, whitespace words, or the one shell-form string */
  args: Word[];
  /** JSON (exec) form */
  json: boolean;
  /** ENV / LABEL pairs */
  pairs: KeyValue[];
  /** ONBUILD's trigger */
  sub?: Instruction;
  heredocs: Heredoc[];
  /** comments directly above (BuildKit PrevComment); reset by an empty comment line */
  prevComments: Comment[];
  /** 0-based first and last physical line (BuildKit's StartLine-1 / EndLine-1) */
  startLine: number;
  endLine: number;
  /** true if an empty line sat inside the continuation (NoEmptyContinuation) */
  emptyContinuation: boolean;
  /** end of the first physical line (before its line break) */
  firstLineEnd: number;
  /** start of the last physical line of the instruction text (heredoc bodies come after it) */
  lastLineStart: number;
  /** index in `logical` right after the keyword */
  bodyLog: number;
  /** maps an offset in `logical` back to a document offset */
  logical: string;
  toDoc: (logicalIndex: number) => number;
}

export interface SyntaxError extends Span {
  message: string;
  /** rule-like code for diagnostics */
  code: string;
}

export interface Dockerfile {
  text: string;
  directives: Directive[];
  escape: string;
  instructions: Instruction[];
  comments: Comment[];
  errors: SyntaxError[];
  lineStarts: number[];
  /** the first line that is not a parser directive (nor a `#!` first line): BuildKit reads directives only above it */
  directiveEnd: number;
}
