import { buildkitUrl, type Finding, type Rule } from '../rule';

export const NoEmptyContinuation: Rule = {
  name: 'NoEmptyContinuation', family: 'buildkit', severity: 'warning',
  description: 'Empty continuation lines will become errors in a future release', url: buildkitUrl('NoEmptyContinuation'),
  check({ df }) {
    const out: Finding[] = [];
    const t = df.text;
    for (const inst of df.instructions) {
      if (!inst.emptyContinuation) continue;
      // point at the first empty line inside the continuation
      const first = inst.lineSpans[0];
      const last = inst.lineSpans[inst.lineSpans.length - 1];
      let p = first.end + 1;
      let span = { start: first.start, end: first.end };
      while (p < last.start) {
        let e = t.indexOf('\n', p);
        if (e < 0) e = t.length;
        if (t.slice(p, e).trim() === '') {
          span = { start: p, end: e };
          break;
        }
        p = e + 1;
      }
      out.push({ ...span, message: 'Empty continuation line' });
    }
    return out;
  },
};
