/**
 * A rule is a pure function from the parsed file and its model to findings. Each rule
 * lives in its own file; its `name` is the stable diagnostic code.
 */
import type { Dockerfile, Span } from '../syntax/ast';
import type { Model } from '../model/model';

export type Family = 'buildkit' | 'best-practice' | 'syntax';
export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Edit extends Span {
  newText: string;
}

export interface Fix {
  title: string;
  edits: Edit[];
}

export interface Finding extends Span {
  message: string;
  fixes?: Fix[];
  /** tags for the client: unnecessary / deprecated */
  deprecated?: boolean;
}

export interface RuleContext {
  df: Dockerfile;
  model: Model;
  /** .dockerignore patterns, if the file exists */
  ignorePatterns?: string[];
}

export interface Rule {
  name: string;
  family: Family;
  severity: Severity;
  description: string;
  url?: string;
  /** BuildKit experimental checks are off unless enabled by `# check=experimental=` or settings */
  experimental?: boolean;
  check(ctx: RuleContext): Finding[];
}

export function buildkitUrl(name: string): string {
  return 'https://docs.docker.com/reference/build-checks/' + name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase() + '/';
}

// three rows of the distance table, reused by every call (a "did you mean" over hundreds of
// candidates made a fresh table for each)
let rowBefore = new Int32Array(32);
let rowPrev = new Int32Array(32);
let rowCur = new Int32Array(32);

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const m = b.length;
  if (rowCur.length <= m) {
    rowBefore = new Int32Array(m + 1);
    rowPrev = new Int32Array(m + 1);
    rowCur = new Int32Array(m + 1);
  }
  for (let j = 0; j <= m; j++) rowPrev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    rowCur[0] = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(rowPrev[j] + 1, rowCur[j - 1] + 1, rowPrev[j - 1] + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) d = Math.min(d, rowBefore[j - 2] + 1);
      rowCur[j] = d;
    }
    const t = rowBefore;
    rowBefore = rowPrev;
    rowPrev = rowCur;
    rowCur = t;
  }
  return rowPrev[m];
}

/** The closest candidate within 1 edit (2 for names of 5+ characters), if any. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = name.length >= 5 ? 2 : 1;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    // the distance is at least the difference in length: no table for those
    if (Math.abs(c.length - name.length) > limit) continue;
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
