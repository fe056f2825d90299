import { stageAt } from '../../model/model';
import type { Finding, Rule } from '../rule';
import { insertAfterCommand, mentions, runCommands, runs } from './shell';

const PIP_INSTALL = /\bpip[0-9.]*\s+install\b/g;
const PIP = /^pip[0-9.]*$/;
const CACHE_MOUNT = /\.cache\/pip/;
const noCacheDir = (c: string[]): boolean => !c.includes('--no-cache-dir');

export const PipNoCacheDir: Rule = {
  name: 'PipNoCacheDir', family: 'best-practice', severity: 'information',
  description: 'Use pip install --no-cache-dir to keep the download cache out of the image (hadolint DL3042)',
  check({ df, model }) {
    const out: Finding[] = [];
    for (const i of runs(df)) {
      if (!mentions(i, 'pip')) continue;
      if (i.flags.some((f) => f.name === 'mount' && f.value !== undefined && CACHE_MOUNT.test(f.value))) continue;
      // an ONBUILD trigger is not in the order: take the stage it is written in
      const stage = model.order.get(i)?.stage ?? stageAt(model, i.start);
      const envOff = model.defs.some((d) => d.name === 'PIP_NO_CACHE_DIR' && (d.stage === stage || d.stage === -1));
      if (envOff) continue;
      const bad = runCommands(i).some((c) => {
        const k = c.findIndex((w) => PIP.test(w));
        return k >= 0 && c[k + 1] === 'install' && noCacheDir(c);
      });
      if (bad) out.push({ ...insertAfterCommand(df, i, PIP_INSTALL, noCacheDir, ' --no-cache-dir', 'Add --no-cache-dir to pip install'), message: 'Use pip install --no-cache-dir (or a cache mount on /root/.cache/pip) to keep the download cache out of the image' });
    }
    return out;
  },
};
