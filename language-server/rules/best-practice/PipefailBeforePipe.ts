import type { Finding, Rule } from '../rule';

export const PipefailBeforePipe: Rule = {
  name: 'PipefailBeforePipe', family: 'best-practice', severity: 'information',
  description: 'Set the SHELL option -o pipefail before RUN with a pipe in it (hadolint DL4006)',
  check({ model, df }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      let pipefail = false;
      for (const i of s.instructions) {
        if (i.name === 'SHELL') pipefail = i.args.some((a) => a.value === 'pipefail' || a.value.includes('pipefail'));
        if (i.name !== 'RUN' || i.json || pipefail) continue;
        const script = i.rest.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, '');
        if (!/(^|[^|])\|(?!\|)/.test(script) || /set\s+-[a-z]*o\s+pipefail|set\s+-o\s+pipefail/.test(i.rest)) continue;
        const m = /(?<!\|)\|(?!\|)/.exec(df.text.slice(i.start, i.end));
        const at = m ? i.start + m.index : i.keywordSpan.start;
        out.push({ start: at, end: at + 1, message: 'Set the SHELL option -o pipefail before RUN with a pipe in it, e.g. SHELL ["/bin/bash", "-o", "pipefail", "-c"]' });
      }
    }
    return out;
  },
};
