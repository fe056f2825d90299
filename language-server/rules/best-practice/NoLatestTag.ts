import type { Finding, Rule } from '../rule';
import { splitImage } from './image';

export const NoLatestTag: Rule = {
  name: 'NoLatestTag', family: 'best-practice', severity: 'warning',
  description: 'Using the latest tag is prone to errors when the image updates (hadolint DL3007)',
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const img = s.image;
      if (!img) continue;
      const { tag, digest } = splitImage(img.value);
      if (tag === 'latest' && !digest) out.push({ ...img, message: 'Using latest is prone to errors if the image will ever update; pin a specific version tag' });
    }
    return out;
  },
};
