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

/** Levenshtein distance, for "did you mean" suggestions. */
export function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD || (d === bestD && best === undefined && d <= 2)) {
      if (d <= Math.max(1, Math.floor(name.length / 3))) {
        best = c;
        bestD = d;
      }
    }
  }
  return best;
}
