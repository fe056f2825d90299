import type { Finding, Rule } from '../rule';
import { findIn, mentions, runCommands, runs } from './shell';

export const PipNoCacheDir: Rule = {
  name: 'PipNoCacheDir', family: 'best-practice', severity: 'information',
  description: 'Use pip install --no-cache-dir to keep the download cache out of the image (hadolint DL3042)',
  check({ df, model }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (!mentions(i, 'pip')) continue;
      if (i.flags.some((f) => f.name === 'mount' && f.value !== undefined && /\.cache\/pip/.test(f.value))) continue;
      const stage = model.order.get(i)?.stage ?? -1;
      const envOff = model.defs.some((d) => d.name === 'PIP_NO_CACHE_DIR' && (d.stage === stage || d.stage === -1));
      if (envOff) continue;
      const bad = runCommands(i).some((c) => {
        const k = c.findIndex((w) => /^pip[0-9.]*$/.test(w));
        return k >= 0 && c[k + 1] === 'install' && !c.includes('--no-cache-dir');
      });
      if (bad) out.push({ ...findIn(df, i, /\bpip[0-9.]*\s+install\b/), message: 'Use pip install --no-cache-dir (or a cache mount on /root/.cache/pip) to keep the download cache out of the image' });
    }
    return out;
  },
};
