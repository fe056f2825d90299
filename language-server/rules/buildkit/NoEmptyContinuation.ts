import { buildkitUrl, type Edit, type Finding, type Rule } from '../rule';

export const NoEmptyContinuation: Rule = {
  name: 'NoEmptyContinuation', family: 'buildkit', severity: 'warning',
  description: 'Empty continuation lines will become errors in a future release', url: buildkitUrl('NoEmptyContinuation'),
  check({ df }) {
    const out: Finding[] = [];
    const t = df.text;
    for (const inst of df.instructions) {
      if (!inst.emptyContinuation) continue;
      // the empty lines between the instruction's first and last line (heredoc bodies come
      // after the last line, so their blank lines are never touched), from the line after
      // the first: firstLineEnd is before the \r of a CRLF file, so search for the \n
      let p = t.indexOf('\n', inst.firstLineEnd) + 1;
      let span = { start: inst.start, end: inst.firstLineEnd };
      const edits: Edit[] = [];
      while (p > 0 && p < inst.lastLineStart) {
        let e = t.indexOf('\n', p);
        if (e < 0) e = t.length;
        if (t.slice(p, e).trim() === '') {
          // point at the first one; delete each with its line break
          if (edits.length === 0) span = { start: p, end: t.charCodeAt(e - 1) === 13 ? e - 1 : e };
          edits.push({ start: p, end: Math.min(e + 1, t.length), newText: '' });
        }
        p = e + 1;
      }
      const n = edits.length;
      out.push(n > 0
        ? { ...span, message: 'Empty continuation line', fixes: [{ title: n === 1 ? 'Delete the empty line' : `Delete the ${n} empty lines`, edits }] }
        : { ...span, message: 'Empty continuation line' });
    }
    return out;
  },
};
