import type { Instruction, Span } from '../../syntax/ast';
import { type Finding, type Rule } from '../rule';

export const InstructionArguments: Rule = {
  name: 'InstructionArguments', family: 'syntax', severity: 'error',
  description: 'The instruction has the wrong number or form of arguments',
  check({ df }) {
    const out: Finding[] = [];
    // one closure for the whole check, not one per instruction: `at` is the current instruction's span
    let at: Span = { start: 0, end: 0 };
    const err = (message: string, span: Span = at): void => {
      out.push({ ...span, message });
    };
    const one = (i: Instruction, inOnbuild: boolean): void => {
      at = i.rest === '' ? i.keywordSpan : i.restSpan;
      const n = i.args.length;
      switch (i.name) {
        case 'FROM':
          if (inOnbuild) err('FROM is not allowed as an ONBUILD trigger');
          else if (n !== 1 && n !== 3) err('FROM requires either one or three arguments');
          else if (n === 3 && i.args[1].value.toLowerCase() !== 'as') err(`Expected 'AS' but found '${i.args[1].value}'`, i.args[1]);
          else if (n === 3 && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(i.args[2].value)) err(`invalid name for build stage: "${i.args[2].value}", name can't start with a number or contain symbols`, i.args[2]);
          break;
        case 'ARG':
          if (n === 0) err('ARG requires at least one argument');
          for (const w of i.args) if (!/^[^=]+/.test(w.value)) err(`invalid ARG name: "${w.value}"`, w);
          break;
        case 'ENV': case 'LABEL':
          if (i.rest === '') err(`${i.name} requires at least one argument`);
          break;
        case 'COPY': case 'ADD':
          if (n + i.heredocs.length < 2 && !(i.heredocs.length > 0 && n >= 1)) err(`${i.name} requires at least two arguments, but only ${n} provided`);
          break;
        case 'EXPOSE': case 'VOLUME':
          if (n === 0) err(`${i.name} requires at least one argument`);
          break;
        case 'WORKDIR': case 'USER': case 'STOPSIGNAL': case 'MAINTAINER':
          if (i.rest === '') err(`${i.name} requires exactly one argument`);
          else if (i.name !== 'MAINTAINER' && i.name !== 'WORKDIR' && i.args[0] && /\s/.test(i.args[0].value)) err(`${i.name} requires exactly one argument`);
          break;
        case 'RUN': case 'CMD': case 'ENTRYPOINT':
          if (i.name === 'RUN' && i.rest === '') err('RUN requires at least one argument');
          break;
        case 'SHELL':
          if (!i.json) err('SHELL requires the arguments to be in JSON form');
          else if (n === 0) err('SHELL requires at least one argument');
          break;
        case 'HEALTHCHECK': {
          const typ = i.args[0]?.value.toUpperCase();
          if (!typ) err('HEALTHCHECK requires an argument');
          else if (typ === 'NONE') {
            if (n > 1) err('HEALTHCHECK NONE takes no arguments');
            if (i.flags.length > 0) err('HEALTHCHECK NONE takes no options', i.flags[0]);
          } else if (typ === 'CMD') {
            if (n < 2) err('Missing command after HEALTHCHECK CMD');
          } else err(`Unknown type "${i.args[0].value}" in HEALTHCHECK (try CMD)`, i.args[0]);
          break;
        }
        case 'ONBUILD':
          if (!i.sub) err('ONBUILD requires at least one argument');
          else if (i.sub.name === 'ONBUILD') err('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', i.sub.keywordSpan);
          else if (i.sub.name === 'MAINTAINER') err('MAINTAINER isn\'t allowed as an ONBUILD trigger', i.sub.keywordSpan);
          else one(i.sub, true);
          break;
      }
    };
    for (const i of df.instructions) one(i, false);
    return out;
  },
};
