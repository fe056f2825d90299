import { BUILTIN_ARGS, scanVars } from '../../model/model';
import { buildkitUrl, type Finding, type Rule } from '../rule';

// a loose docker reference: [host[:port]/]path[:tag][@digest], lowercase path
const REF = /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function isValidReference(s: string): boolean {
  return REF.test(s);
}

export const InvalidDefaultArgInFrom: Rule = {
  name: 'InvalidDefaultArgInFrom', family: 'buildkit', severity: 'warning',
  description: 'Default value for global ARG results in an empty or invalid base image name', url: buildkitUrl('InvalidDefaultArgInFrom'),
  check({ model, df }) {
    const out: Finding[] = [];
    for (const s of model.stages) {
      const img = s.image;
      if (!img || !img.value.includes('$')) continue;
      const order = model.order.get(s.from)?.order ?? 0;
      const globals = new Map<string, string>();
      for (const d of model.defs) if (d.stage === -1 && d.order < order) globals.set(d.name, d.value ?? '');
      let unknown = false;
      let result = '';
      let last = 0;
      scanVars(img.value, 0, img.value.length, df.escape, (name, st, _ns, e, modifier) => {
        result += img.value.slice(last, st);
        last = e;
        const v = globals.get(name);
        if (v === undefined && !(name in BUILTIN_ARGS)) unknown = true;
        let val = v ?? '';
        const inner = img.value.slice(_ns + name.length, e - 1);
        if (modifier.endsWith('-') && (val === '' || (modifier === '-' && v === undefined))) val = inner.slice(modifier.length);
        else if (modifier.endsWith('+')) val = val !== '' ? inner.slice(modifier.length) : '';
        result += val;
      });
      result += img.value.slice(last);
      if (unknown) continue; // UndefinedArgInFrom reports it
      if (!isValidReference(result) && result.toLowerCase() !== 'scratch') {
        out.push({ ...img, message: `Default value for ARG ${img.value} results in empty or invalid base image name` });
      }
    }
    return out;
  },
};
