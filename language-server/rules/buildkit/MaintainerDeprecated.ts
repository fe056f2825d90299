import { buildkitUrl, type Finding, type Rule } from '../rule';

export const MaintainerDeprecated: Rule = {
  name: 'MaintainerDeprecated', family: 'buildkit', severity: 'warning',
  description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author', url: buildkitUrl('MaintainerDeprecated'),
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      if (i.name !== 'MAINTAINER') continue;
      const label = `LABEL org.opencontainers.image.authors=${JSON.stringify(i.rest)}`;
      out.push({ start: i.start, end: i.end, deprecated: true, message: 'Maintainer instruction is deprecated in favor of using label', fixes: [{ title: 'Replace with LABEL org.opencontainers.image.authors', edits: [{ start: i.start, end: i.end, newText: label }] }] });
    }
    return out;
  },
};
