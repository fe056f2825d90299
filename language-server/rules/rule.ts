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

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push(new Array<number>(b.length + 1).fill(0));
    rows[i][0] = i;
  }
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}

/** The closest candidate within 1 edit (2 for names of 5+ characters), if any. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = name.length >= 5 ? 2 : 1;
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
