import type { Finding, Rule } from '../rule';

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz|zst)$/i;

export const CopyOverAdd: Rule = {
  name: 'CopyOverAdd', family: 'best-practice', severity: 'information',
  description: 'Use COPY instead of ADD for files and folders (hadolint DL3020)',
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      if (i.name !== 'ADD' || i.args.length < 2 || i.heredocs.length > 0) continue;
      const srcs = i.args.slice(0, -1).map((a) => a.value);
      if (srcs.some((s) => /^[a-z]+:\/\//i.test(s) || s.startsWith('git@') || ARCHIVE.test(s) || s.includes('$'))) continue;
      if (i.flags.some((f) => f.name === 'checksum' || f.name === 'keep-git-dir' || f.name === 'unpack')) continue;
      out.push({ ...i.keywordSpan, message: 'Use COPY instead of ADD for files and folders', fixes: [{ title: 'Replace ADD with COPY', edits: [{ ...i.keywordSpan, newText: i.keyword === i.keyword.toLowerCase() ? 'copy' : 'COPY' }] }] });
    }
    return out;
  },
};
