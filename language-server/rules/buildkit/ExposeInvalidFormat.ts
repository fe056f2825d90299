import { buildkitUrl, type Finding, type Rule } from '../rule';

export const ExposeInvalidFormat: Rule = {
  name: 'ExposeInvalidFormat', family: 'buildkit', severity: 'warning',
  description: 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release', url: buildkitUrl('ExposeInvalidFormat'),
  check({ df }) {
    const out: Finding[] = [];
    for (const i of df.instructions) {
      if (i.name !== 'EXPOSE') continue;
      for (const w of i.args) {
        if (!w.value.includes(':') || w.value.startsWith('$')) continue;
        const port = w.value.slice(w.value.lastIndexOf(':') + 1);
        out.push({ ...w, message: `EXPOSE instruction should not define an IP address or host-port mapping, found '${w.value}'`, fixes: [{ title: `Expose only '${port}'`, edits: [{ ...w, newText: port }] }] });
      }
    }
    return out;
  },
};
