import { buildkitUrl, type Finding, type Rule } from '../rule';

export const RedundantTargetPlatform: Rule = {
  name: 'RedundantTargetPlatform', family: 'buildkit', severity: 'warning',
  description: 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior', url: buildkitUrl('RedundantTargetPlatform'),
  check({ model, df }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const f = s.platform;
      if (!f || !f.value) continue;
      if (f.value === '$TARGETPLATFORM' || f.value === '${TARGETPLATFORM}') {
        out.push({ ...f, message: `Setting platform to predefined ${f.value} in FROM is redundant as this is the default behavior`, fixes: [{ title: 'Remove --platform', edits: [{ start: f.start, end: f.end + (/[ \t]/.test(df.text[f.end] ?? '') ? 1 : 0), newText: '' }] }] });
      }
    }
    return out;
  },
};
