import { buildkitUrl, type Finding, type Rule } from '../rule';

export const LegacyKeyValueFormat: Rule = {
  name: 'LegacyKeyValueFormat', family: 'buildkit', severity: 'warning',
  description: 'Legacy key/value format with whitespace separator should not be used', url: buildkitUrl('LegacyKeyValueFormat'),
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      const inst = i.sub ?? i;
      if (inst.name !== 'ENV' && inst.name !== 'LABEL') continue;
      for (const p of inst.pairs) {
        if (p.separator !== '' || !p.value) continue;
        const v = p.value.value;
        const quoted = /^(["']).*\1$/.test(v) || !/[\s"'\\]/.test(v) ? v : JSON.stringify(v);
        out.push({ ...p, message: `"${inst.name} key=value" should be used instead of legacy "${inst.name} key value" format`, fixes: [{ title: 'Use key=value', edits: [{ start: p.start, end: p.end, newText: `${p.key.value}=${quoted}` }] }] });
      }
    }
    return out;
  },
};
