import { buildkitUrl, type Finding, type Rule } from '../rule';

export const DuplicateStageName: Rule = {
  name: 'DuplicateStageName', family: 'buildkit', severity: 'warning',
  description: 'Stage names should be unique', url: buildkitUrl('DuplicateStageName'),
  check({ model }) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const s of model.stages) {
      if (!s.name || !s.nameWord) continue;
      if (seen.has(s.name)) out.push({ ...s.nameWord, message: `Duplicate stage name '${s.name}', stage names should be unique` });
      seen.add(s.name);
    }
    return out;
  },
};
