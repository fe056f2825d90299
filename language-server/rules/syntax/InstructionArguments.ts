import type { Instruction, Span } from '../../syntax/ast';
import { unquote } from '../../syntax/text';
import { suggest, type Finding, type Rule } from '../rule';

const PORT = /^\d+$/;
const SIGNAL_NUMBER = /^[+-]?\d+$/;
const QUOTES = /["']/g;
const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);
/** Linux signal names as BuildKit accepts them (moby/sys/signal), without the SIG prefix */
const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR',
  'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH',
  'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
]);
for (let k = 1; k <= 15; k++) SIGNALS.add('RTMIN+' + k);
for (let k = 1; k <= 14; k++) SIGNALS.add('RTMAX-' + k);

/** Whether `p` is a port number (0-65535) */
function isPort(p: string): boolean {
  return PORT.test(p) && Number(p) <= 65535;
}

/**
 * What is wrong with one EXPOSE word (`80`, `80/tcp`, `8000-8010/udp`), or undefined if it is
 * valid. Words with `$` (expanded at build time) and with `:` (ExposeInvalidFormat) are skipped.
 */
function exposeProblem(raw: string): { message: string; protoAt?: number } | undefined {
  if (raw.includes('$') || raw.includes(':') || raw.includes('\\')) return undefined;
  const v = raw.includes('"') || raw.includes("'") ? raw.replace(QUOTES, '') : raw;
  // as BuildKit splits it (go-connections nat): port/proto, an empty proto meaning tcp
  const slash = v.indexOf('/');
  const port = slash < 0 ? v : v.slice(0, slash);
  if (slash >= 0) {
    const next = v.indexOf('/', slash + 1);
    const proto = next < 0 ? v.slice(slash + 1) : v.slice(slash + 1, next);
    if (proto !== '' && !PROTOCOLS.has(proto.toLowerCase())) {
      return { message: `Invalid protocol '${proto}' in EXPOSE ${raw}: expected tcp, udp or sctp`, protoAt: raw === v && next < 0 ? slash + 1 : undefined };
    }
  }
  const dash = port.indexOf('-');
  if (dash < 0) {
    if (!isPort(port)) return { message: `Invalid port '${port}' in EXPOSE: expected a number from 0 to 65535 or a range like 8000-8010, optionally with /tcp, /udp or /sctp` };
    return undefined;
  }
  const lo = port.slice(0, dash);
  const hi = port.slice(dash + 1);
  if (!isPort(lo) || !isPort(hi)) return { message: `Invalid port range '${port}' in EXPOSE: expected two numbers from 0 to 65535, like 8000-8010` };
  if (Number(hi) < Number(lo)) return { message: `Invalid port range '${port}' in EXPOSE: the end is below the start` };
  return undefined;
}

/** What is wrong with a STOPSIGNAL value, or undefined if BuildKit accepts it. */
function signalProblem(raw: string): string | undefined {
  if (raw.includes('$')) return undefined;
  const v = unquote(raw);
  if (SIGNAL_NUMBER.test(v)) return Number(v) === 0 ? `Invalid STOPSIGNAL '${raw}': 0 is not a signal` : undefined;
  const up = v.toUpperCase();
  const name = up.startsWith('SIG') ? up.slice(3) : up;
  if (SIGNALS.has(name)) return undefined;
  const s = suggest(name, SIGNALS);
  return `Invalid STOPSIGNAL '${raw}': expected a signal name such as SIGTERM or a number` + (s ? ` (did you mean SIG${s}?)` : '');
}

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
          else if (i.name === 'EXPOSE') {
            for (const w of i.args) {
              const p = exposeProblem(w.value);
              if (p) err(p.message, p.protoAt === undefined ? w : { start: w.start + p.protoAt, end: w.end });
            }
          }
          break;
        case 'WORKDIR': case 'USER': case 'STOPSIGNAL': case 'MAINTAINER':
          if (i.rest === '') err(`${i.name} requires exactly one argument`);
          else if (i.name !== 'MAINTAINER' && i.name !== 'WORKDIR' && i.args[0] && /\s/.test(i.args[0].value)) err(`${i.name} requires exactly one argument`);
          else if (i.name === 'STOPSIGNAL' && i.args[0]) {
            const p = signalProblem(i.args[0].value);
            if (p) err(p, i.args[0]);
          }
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
