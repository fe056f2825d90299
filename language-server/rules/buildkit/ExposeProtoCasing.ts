import { buildkitUrl, type Finding, type Rule } from '../rule';

export const ExposeProtoCasing: Rule = {
  name: 'ExposeProtoCasing', family: 'buildkit', severity: 'warning',
  description: 'Protocol in EXPOSE instruction should be lowercase', url: buildkitUrl('ExposeProtoCasing'),
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      if (i.name !== 'EXPOSE') continue;
      for (const w of i.args) {
        const slash = w.value.lastIndexOf('/');
        if (slash < 0) continue;
        const proto = w.value.slice(slash + 1);
        if (proto === proto.toLowerCase()) continue;
        const start = w.start + slash + 1;
        out.push({ start, end: w.end, message: `Defined protocol '${w.value}' in EXPOSE instruction should be lowercase`, fixes: [{ title: `Change to '${proto.toLowerCase()}'`, edits: [{ start, end: w.end, newText: proto.toLowerCase() }] }] });
      }
    }
    return out;
  },
};
