import { buildkitUrl, type Finding, type Rule } from '../rule';

const SECRET = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const ALLOW = /(?:_|^)(?:public)(?:_|$)/i;

function looksSecret(name: string): boolean {
  return SECRET.test(name) && !ALLOW.test(name);
}

export const SecretsUsedInArgOrEnv: Rule = {
  name: 'SecretsUsedInArgOrEnv', family: 'buildkit', severity: 'warning',
  description: 'Sensitive data should not be used in the ARG or ENV commands', url: buildkitUrl('SecretsUsedInArgOrEnv'),
  check({ model }) {
    const out: Finding[] = [];
    for (const d of model.defs) {
      if (looksSecret(d.name)) out.push({ ...d.nameSpan, message: `Do not use ARG or ENV instructions for sensitive data (${d.kind} "${d.name}")` });
    }
    return out;
  },
};
