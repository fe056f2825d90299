import { buildkitUrl, type Finding, type Rule } from '../rule';

export const FromAsCasing: Rule = {
  name: 'FromAsCasing', family: 'buildkit', severity: 'warning',
  description: "The 'as' keyword should match the case of the 'from' keyword", url: buildkitUrl('FromAsCasing'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const as = s.asWord;
      if (!as) continue;
      const from = s.from.keyword;
      const upper = from === from.toUpperCase();
      const lower = from === from.toLowerCase();
      if ((upper && as.value !== as.value.toUpperCase()) || (lower && as.value !== as.value.toLowerCase())) {
        const want = upper ? 'AS' : 'as';
        out.push({ ...as, message: `'${as.value}' and '${from}' keywords' casing do not match`, fixes: [{ title: `Change to '${want}'`, edits: [{ ...as, newText: want }] }] });
      }
    }
    return out;
  },
};
