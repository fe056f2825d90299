import { buildkitUrl, type Finding, type Rule } from '../rule';

const RESERVED = new Set(['scratch', 'context']);

export const ReservedStageName: Rule = {
  name: 'ReservedStageName', family: 'buildkit', severity: 'warning',
  description: 'Reserved words should not be used as stage names', url: buildkitUrl('ReservedStageName'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      if (s.name && s.nameWord && RESERVED.has(s.name)) {
        out.push({ ...s.nameWord, message: `Stage name should not use the same name as reserved stage '${s.name}'` });
      }
    }
    return out;
  },
};
