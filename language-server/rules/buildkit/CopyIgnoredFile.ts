import { buildkitUrl, type Finding, type Rule } from '../rule';

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i];
    else if (c === '[') {
      const j = pattern.indexOf(']', i);
      if (j < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, j).replace(/^!/, '^') + ']';
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\]]/g, '\\$&');
  }
  // a pattern also excludes everything below a matched directory
  return new RegExp('^' + re + '(?:/.*)?$');
}

function clean(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

interface Matcher {
  re: RegExp;
  /** `!pattern`: re-includes */
  neg: boolean;
}

/** The .dockerignore lines as matchers, in file order (comments and blank lines dropped). */
function compile(patterns: string[]): Matcher[] {
  const out: Matcher[] = [];
  for (const raw of patterns) {
    let pat = raw.trim();
    if (pat === '' || pat.startsWith('#')) continue;
    const neg = pat.startsWith('!');
    if (neg) pat = pat.slice(1).trim();
    pat = clean(pat);
    if (pat === '') continue;
    out.push({ re: globToRegExp(pat), neg });
  }
  return out;
}

/** .dockerignore semantics: the last matching pattern wins; `!` re-includes. */
function isIgnored(path: string, matchers: Matcher[]): boolean {
  const p = clean(path);
  if (p === '') return false;
  let ignored = false;
  for (const m of matchers) if (m.re.test(p)) ignored = !m.neg;
  return ignored;
}

export const CopyIgnoredFile: Rule = {
  name: 'CopyIgnoredFile', family: 'buildkit', severity: 'warning',
  description: 'Attempting to Copy file that is excluded by .dockerignore', url: buildkitUrl('CopyIgnoredFile'),
  check({ model, ignorePatterns }) {
    const out: Finding[] = [];
    if (!ignorePatterns || ignorePatterns.length === 0) return out;
    let matchers: Matcher[] | undefined; // compiled once per check, on the first source
    for (const s of model.stages) {
      for (const i of s.instructions) {
        if ((i.name !== 'COPY' && i.name !== 'ADD') || i.flags.some((f) => f.name === 'from') || i.heredocs.length > 0) continue;
        for (const src of i.args.slice(0, -1)) {
          const v = src.value;
          if (/^[a-z]+:\/\//i.test(v) || v.startsWith('git@') || v.includes('$')) continue;
          if (isIgnored(v, (matchers ??= compile(ignorePatterns)))) out.push({ ...src, message: `Attempting to Copy file "${v}" that is excluded by .dockerignore` });
        }
      }
    }
    return out;
  },
};
