import { DURATION_RE, INSTRUCTION_MAP, MOUNT_KEY_MAP, MOUNT_TYPES, type FlagSpec } from '../../model/instructions';
import type { Flag, Instruction } from '../../syntax/ast';
import { suggest, type Finding, type Rule } from '../rule';
import { parseMountFields } from './mount';

const BOOL = new Set(['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False']);
const CHMOD = /^(?:[0-7]{3,4}|(?:[ugoa]*[-+=][rwxXst]*)(?:,[ugoa]*[-+=][rwxXst]*)*)$/;
const CHECKSUM = /^(?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;
const PLATFORM = /^[a-z0-9_]+(?:\/[a-z0-9_]+(?:\/[a-z0-9_.]+)?)?$/i;
const TARGET_KEYS = new Set(['target', 'dst', 'destination']);

function specOf(flags: FlagSpec[], name: string): FlagSpec | undefined {
  for (const x of flags) if (x.name === name) return x;
  return undefined;
}

function bad(out: Finding[], span: { start: number; end: number }, message: string): void {
  out.push({ start: span.start, end: span.end, message });
}

export const InvalidFlag: Rule = {
  name: 'InvalidFlag', family: 'syntax', severity: 'error',
  description: 'Unknown flag or invalid flag value',
  check({ df }) {
    const out: Finding[] = [];
    const one = (i: Instruction): void => {
      const spec = INSTRUCTION_MAP.get(i.name);
      if (!spec) return;
      if (i.flags.length === 0) {
        if (i.sub) one(i.sub);
        return;
      }
      // duplicates need two flags: no Set for the common single-flag instruction
      const seen = i.flags.length > 1 ? new Set<string>() : undefined;
      for (const f of i.flags) {
        const fs = specOf(spec.flags, f.name);
        if (!fs) {
          const s = suggest(f.name, spec.flags.map((x) => x.name));
          const finding: Finding = { ...f, message: `Unknown flag: ${f.name}` + (spec.flags.length ? (s ? ` (did you mean --${s}?)` : ` (${i.name} accepts ${spec.flags.map((x) => '--' + x.name).join(', ')})`) : ` (${i.name} takes no flags)`) };
          if (s) finding.fixes = [{ title: `Change to --${s}`, edits: [{ ...f.nameSpan, newText: s }] }];
          out.push(finding);
          continue;
        }
        if (seen?.has(f.name) && f.name !== 'mount' && f.name !== 'exclude' && f.name !== 'device') {
          out.push({ ...f, message: `Duplicate flag specified: ${f.name}` });
        }
        seen?.add(f.name);
        const v = f.value;
        const at = f.valueSpan ?? f;
        if (fs.kind === 'bool') {
          if (v !== undefined && !BOOL.has(v) && !v.includes('$')) bad(out, at, `Expecting boolean value for flag ${f.name}, not: ${v}`);
          continue;
        }
        if (v === undefined || v === '') {
          bad(out, f, `Missing a value on flag: ${f.name}`);
          continue;
        }
        if (v.includes('$') && fs.kind !== 'mount') continue;
        if (fs.values && !fs.values.includes(v)) bad(out, at, `Invalid value for --${f.name}: "${v}" (expected ${fs.values.join(', ')})`);
        else if (fs.kind === 'duration' && !DURATION_RE.test(v)) bad(out, at, `Invalid duration for --${f.name}: "${v}" (e.g. 30s, 1m30s)`);
        else if (fs.kind === 'int' && !/^\d+$/.test(v)) bad(out, at, `Invalid value for --${f.name}: "${v}" (expected an integer)`);
        else if (fs.kind === 'chmod' && !CHMOD.test(v)) bad(out, at, `Invalid --chmod value "${v}" (expected octal like 0755 or symbolic like u+x)`);
        else if (fs.kind === 'checksum' && !CHECKSUM.test(v)) bad(out, at, `Invalid --checksum value "${v}" (expected sha256:<64 hex digits>)`);
        else if (fs.kind === 'platform' && !v.split(',').every((p) => PLATFORM.test(p.trim()))) bad(out, at, `Invalid platform "${v}" (expected os[/arch[/variant]], e.g. linux/amd64)`);
        else if (fs.kind === 'mount') checkMount(f, v, df.text, out);
      }
      if (i.sub) one(i.sub);
    };
    for (const i of df.instructions) one(i);
    return out;
  },
};

function checkMount(f: Flag, value: string, text: string, out: Finding[]): void {
  const vs = f.valueSpan as { start: number; end: number };
  // offsets in `value` are document offsets from vs.start unless quotes or escapes were dropped
  const simple = vs.end - vs.start === value.length && text.startsWith(value, vs.start);
  const spanOf = (offset: number, length: number): { start: number; end: number } => (simple ? { start: vs.start + offset, end: vs.start + offset + length } : vs);
  const fields = parseMountFields(value);
  let type = 'bind';
  for (const fl of fields) if (fl.key === 'type' && fl.value) type = fl.value.toLowerCase();
  let hasTarget = false;
  for (const fl of fields) {
    const spec = MOUNT_KEY_MAP.get(fl.key);
    if (!spec) {
      const s = suggest(fl.key, MOUNT_KEY_MAP.keys());
      out.push({ ...spanOf(fl.offset, fl.length), message: `Unexpected key '${fl.key}' in '${value}'` + (s ? ` (did you mean ${s}?)` : '') });
      continue;
    }
    if (fl.key === 'type') {
      if (!fl.value || !MOUNT_TYPES.includes(fl.value.toLowerCase())) out.push({ ...spanOf(fl.offset, fl.length), message: `Unsupported mount type "${fl.value ?? ''}" (expected ${MOUNT_TYPES.join(', ')})` });
      continue;
    }
    if (TARGET_KEYS.has(fl.key)) hasTarget = true;
    if (MOUNT_TYPES.includes(type) && !spec.types.includes(type)) {
      out.push({ ...spanOf(fl.offset, fl.length), message: `Key '${fl.key}' does not apply to mount type ${type}` });
      continue;
    }
    if (fl.value !== undefined && fl.value.includes('$')) continue;
    if (spec.values) {
      if (spec.values.includes('true')) {
        if (fl.value !== undefined && !BOOL.has(fl.value)) out.push({ ...spanOf(fl.offset, fl.length), message: `Invalid value for ${fl.key}: "${fl.value}" (expected true or false)` });
      } else if (!fl.value || !spec.values.includes(fl.value)) {
        out.push({ ...spanOf(fl.offset, fl.length), message: `Invalid value for ${fl.key}: "${fl.value ?? ''}" (expected ${spec.values.join(', ')})` });
      }
    } else if (fl.value === undefined || fl.value === '') {
      out.push({ ...spanOf(fl.offset, fl.length), message: `Missing a value for mount key '${fl.key}'` });
    } else if ((fl.key === 'uid' || fl.key === 'gid') && !/^\d+$/.test(fl.value)) {
      out.push({ ...spanOf(fl.offset, fl.length), message: `Invalid ${fl.key} "${fl.value}" (expected a number)` });
    } else if (fl.key === 'mode' && !/^0?[0-7]{3,4}$/.test(fl.value)) {
      out.push({ ...spanOf(fl.offset, fl.length), message: `Invalid mode "${fl.value}" (expected octal, e.g. 0755)` });
    }
  }
  if (!hasTarget && (type === 'bind' || type === 'cache' || type === 'tmpfs')) {
    out.push({ ...vs, message: `Mount type ${type} requires a target (target=<path>)` });
  }
}
