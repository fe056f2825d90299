import { buildkitUrl, type Finding, type Rule } from '../rule';

export const StageNameCasing: Rule = {
  name: 'StageNameCasing', family: 'buildkit', severity: 'warning',
  description: 'Stage names should be lowercase', url: buildkitUrl('StageNameCasing'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const w = s.nameWord;
      if (!w || w.value === w.value.toLowerCase()) continue;
      out.push({ ...w, message: `Stage name '${w.value}' should be lowercase`, fixes: [{ title: `Rename to '${w.value.toLowerCase()}'`, edits: [{ ...w, newText: w.value.toLowerCase() }] }] });
    }
    return out;
  },
};
