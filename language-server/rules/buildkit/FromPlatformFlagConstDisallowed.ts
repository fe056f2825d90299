import { buildkitUrl, type Finding, type Rule } from '../rule';

export const FromPlatformFlagConstDisallowed: Rule = {
  name: 'FromPlatformFlagConstDisallowed', family: 'buildkit', severity: 'warning',
  description: 'FROM --platform flag should not use a constant value', url: buildkitUrl('FromPlatformFlagConstDisallowed'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const f = s.platform;
      if (!f || f.value === undefined || f.value.includes('$')) continue;
      const [os, arch] = f.value.split('/');
      const name = s.name ?? '';
      if (name && ((os && name.includes(os)) || (arch && name.includes(arch)))) continue;
      out.push({ ...f, message: `FROM --platform flag should not use constant value "${f.value}"` });
    }
    return out;
  },
};
