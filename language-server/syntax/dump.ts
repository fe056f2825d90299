/** BuildKit's Node.Dump() format, for conformance tests. */
import type { Dockerfile, Instruction } from './ast';

/** Go's strconv.Quote for the characters a JS string can hold. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\u' + c.toString(16).padStart(4, '0');
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

function dumpInstruction(inst: Instruction): string {
  let s = inst.keyword.toLowerCase();
  if (inst.flags.length > 0) s += ' [' + inst.flags.map((f) => goQuote(f.text)).join(' ') + ']';
  switch (inst.name) {
    case 'ENV': case 'LABEL':
      for (const p of inst.pairs) {
        s += ' ' + goQuote(p.key.value) + ' ' + goQuote(p.value?.value ?? '') + ' ' + goQuote(p.separator);
      }
      break;
    case 'ONBUILD':
      if (inst.sub) s += ' (' + dumpInstruction(inst.sub) + ')';
      break;
    case 'ADD': case 'ARG': case 'CMD': case 'COPY': case 'ENTRYPOINT': case 'EXPOSE': case 'FROM':
    case 'HEALTHCHECK': case 'MAINTAINER': case 'RUN': case 'SHELL': case 'STOPSIGNAL': case 'USER':
    case 'VOLUME': case 'WORKDIR':
      for (const a of inst.args) s += ' ' + goQuote(a.value);
      break;
    default:
      s += ' ""';
  }
  return s;
}

export function dump(df: Dockerfile): string {
  return df.instructions.map((i) => '(' + dumpInstruction(i) + ')').join('\n') + '\n';
}
