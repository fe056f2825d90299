import type { Finding, Rule } from '../rule';
import { splitImage } from './image';

export const PinBaseImageTag: Rule = {
  name: 'PinBaseImageTag', family: 'best-practice', severity: 'warning',
  description: 'Always tag the version of a base image explicitly (hadolint DL3006)',
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const img = s.image;
      if (!img || s.parent !== undefined || img.value.includes('$') || img.value.toLowerCase() === 'scratch') continue;
      const { name, tag, digest } = splitImage(img.value);
      if (!tag && !digest) out.push({ ...img, message: `Always tag the version of an image explicitly (e.g. ${name}:<version>)` });
    }
    return out;
  },
};
