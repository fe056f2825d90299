import { expandWithGlobals } from '../../model/expand';
import { buildkitUrl, type Finding, type Rule } from '../rule';

// a loose docker reference: [host[:port]/]path[:tag][@digest], lowercase path
const REF = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

function isValidReference(s: string): boolean {
  return REF.test(s);
}

export const InvalidDefaultArgInFrom: Rule = {
  name: 'InvalidDefaultArgInFrom', family: 'buildkit', severity: 'warning',
  description: 'Default value for global ARG results in an empty or invalid base image name', url: buildkitUrl('InvalidDefaultArgInFrom'),
  check({ model }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const img = s.image;
      if (!img || !img.value.includes('$')) continue;
      const result = expandWithGlobals(model, s.from, img.value);
      if (result === undefined) continue; // UndefinedArgInFrom reports it
      if (!isValidReference(result) && result.toLowerCase() !== 'scratch') {
        out.push({ ...img, message: `Default value for ARG ${img.value} results in empty or invalid base image name` });
      }
    }
    return out;
  },
};
