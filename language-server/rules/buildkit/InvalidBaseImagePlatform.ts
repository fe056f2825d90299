import { buildkitUrl, type Finding, type Rule } from '../rule';

/**
 * Offline we only know platforms the Dockerfile states itself: a stage built with a
 * constant --platform, used as the base of a stage that asks for a different constant one.
 */
export const InvalidBaseImagePlatform: Rule = {
  name: 'InvalidBaseImagePlatform', family: 'buildkit', severity: 'warning',
  description: 'Base image platform does not match expected target platform', url: buildkitUrl('InvalidBaseImagePlatform'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      if (s.parent === undefined || !s.platform?.value || s.platform.value.includes('$')) continue;
      const p = model.stages[s.parent];
      const pv = p.platform?.value;
      if (!pv || pv.includes('$') || !s.image) continue;
      if (pv.toLowerCase() !== s.platform.value.toLowerCase()) {
        out.push({ ...s.image, message: `Base image ${s.image.value} was pulled with platform ${pv}, expected ${s.platform.value} for current build` });
      }
    }
    return out;
  },
};
