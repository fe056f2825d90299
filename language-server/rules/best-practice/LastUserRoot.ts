import type { Finding, Rule } from '../rule';

export const LastUserRoot: Rule = {
  name: 'LastUserRoot', family: 'best-practice', severity: 'information',
  description: 'The last USER of the final stage should not be root (hadolint DL3002)',
  check({ model }) {
    const out: Finding[] = [];
    const last = model.stages[model.stages.length - 1];
    if (!last) return out;
    const users = last.instructions.filter((i) => i.name === 'USER');
    const u = users[users.length - 1];
    if (u && /^(root|0)(:.*)?$/.test(u.rest)) out.push({ ...u.restSpan, message: 'The last USER should not be root' });
    return out;
  },
};
