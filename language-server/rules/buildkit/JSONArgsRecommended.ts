import { buildkitUrl, type Finding, type Rule } from '../rule';

export const JSONArgsRecommended: Rule = {
  name: 'JSONArgsRecommended', family: 'buildkit', severity: 'warning',
  description: 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals', url: buildkitUrl('JSONArgsRecommended'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      if (s.instructions.some((i) => i.name === 'SHELL')) continue;
      for (const i of s.instructions) {
        if ((i.name !== 'CMD' && i.name !== 'ENTRYPOINT') || i.json || i.rest === '') continue;
        const f: Finding = { ...i.restSpan, message: `JSON arguments recommended for ${i.name} to prevent unintended behavior related to OS signals` };
        // offer a conversion when splitting on spaces is unambiguous
        if (!/["'`\\$|&;<>(){}*?~]/.test(i.rest) && !i.rest.includes('\n')) {
          const json = '[' + i.rest.split(/\s+/).filter(Boolean).map((w) => JSON.stringify(w)).join(', ') + ']';
          f.fixes = [{ title: 'Convert to JSON (exec) form', edits: [{ ...i.restSpan, newText: json }] }];
        }
        out.push(f);
      }
    }
    return out;
  },
};
