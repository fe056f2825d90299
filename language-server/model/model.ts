/**
 * Semantic model over the syntax tree: stages, ARG/ENV definitions and scopes,
 * variable references, stage references and heredocs. Pure and built once per parse.
 */
import type { Dockerfile, Flag, Heredoc, Instruction, Span, Word } from '../syntax/ast';

export const BUILTIN_ARGS: Record<string, string> = {
  TARGETPLATFORM: 'platform of the build result, e.g. linux/amd64',
  TARGETOS: 'OS component of TARGETPLATFORM',
  TARGETARCH: 'architecture component of TARGETPLATFORM',
  TARGETVARIANT: 'variant component of TARGETPLATFORM',
  BUILDPLATFORM: 'platform of the node performing the build',
  BUILDOS: 'OS component of BUILDPLATFORM',
  BUILDARCH: 'architecture component of BUILDPLATFORM',
  BUILDVARIANT: 'variant component of BUILDPLATFORM',
  TARGETSTAGE: 'name of the stage being built',
};
const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
/** Environment that practically every base image defines. */
export const COMMON_ENV = ['PATH', 'HOME', 'HOSTNAME', 'TERM', 'PWD', 'SHELL', 'USER', 'LANG'];

/** Instructions whose arguments BuildKit expands ($VAR) at build time. */
const EXPANDED = new Set(['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ARG']);

export interface VarDef {
  kind: 'ARG' | 'ENV';
  name: string;
  nameSpan: Span;
  value?: string;
  inst: Instruction;
  /** -1: global (before the first FROM) */
  stage: number;
  order: number;
}

export interface VarRef {
  name: string;
  /** the whole `$X` / `${X:-y}` */
  span: Span;
  nameSpan: Span;
  inst: Instruction;
  stage: number;
  order: number;
  /** BuildKit expands it (vs. the shell at run time) */
  expanded: boolean;
  /** ${X:-y}, ${X+y}, ... */
  modifier: string;
}

export interface Stage {
  index: number;
  from: Instruction;
  image?: Word;
  name?: string;
  nameWord?: Word;
  asWord?: Word;
  platform?: Flag;
  /** index of the earlier stage the FROM refers to */
  parent?: number;
  instructions: Instruction[];
  start: number;
  end: number;
}

export interface StageRef {
  name: string;
  span: Span;
  inst: Instruction;
  kind: 'from' | 'copy' | 'mount';
  target?: number;
}

export interface HeredocUse {
  heredoc: Heredoc;
  inst: Instruction;
  /** the name within `<<-"EOF"` */
  defSpan: Span;
  /** the name on the terminator line */
  endSpan?: Span;
}

export interface Model {
  df: Dockerfile;
  stages: Stage[];
  /** instructions in document order with their stage (-1 before the first FROM) and order */
  order: InstructionOrder;
  defs: VarDef[];
  refs: VarRef[];
  stageRefs: StageRef[];
  heredocs: HeredocUse[];
  /** definitions by name, in document order */
  defsByName: Map<string, VarDef[]>;
}


/**
 * Stage and order of each top-level instruction. A binary search by offset over the
 * instructions (which are in document order) instead of a Map keyed by the objects.
 */
export class InstructionOrder {
  constructor(private readonly insts: Instruction[], private readonly info: { stage: number; order: number }[]) {}

  get(inst: Instruction): { stage: number; order: number } | undefined {
    const list = this.insts;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid].start;
      if (s < inst.start) lo = mid + 1;
      else if (s > inst.start) hi = mid - 1;
      else return list[mid] === inst ? this.info[mid] : undefined;
    }
    return undefined;
  }
}

/** Finds $VAR and ${VAR...} in logical[from, to), honouring the escape char and single quotes. */
export function scanVars(
  L: string, from: number, to: number, escape: string,
  cb: (name: string, start: number, nameStart: number, end: number, modifier: string) => void,
  singleQuotes = true,
): void {
  // most instructions reference nothing: one native search instead of the character loop
  const first = L.indexOf('$', from);
  if (first < 0 || first >= to) return;
  // matching braces of every `${`, in one pass (nested ${a:-${b}} stays linear); there is
  // no `${` before the first `$`, so the pass starts there
  let close: Map<number, number> | undefined;
  const closeOf = (open: number): number => {
    if (!close) {
      close = new Map();
      const stack: number[] = [];
      for (let k = first; k < to; k++) {
        const ch = L.charCodeAt(k);
        if (ch === 123 && k > from && L.charCodeAt(k - 1) === 36) stack.push(k);
        else if (ch === 125 && stack.length > 0) close.set(stack.pop() as number, k);
      }
    }
    return close.get(open) ?? to;
  };
  const isName = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  /** a `$` at i: reports the reference, returns the index of the last character it used */
  const dollar = (i: number): number => {
    const n = L.charCodeAt(i + 1);
    if (n === 123) {
      let j = i + 2;
      while (j < to && isName(L.charCodeAt(j))) j++;
      if (j === i + 2) return i;
      const nameEnd = j;
      const k = closeOf(i + 1);
      const end = Math.min(k + 1, to);
      cb(L.slice(i + 2, nameEnd), i, i + 2, end, modifierAt(L, nameEnd, Math.min(nameEnd + 2, k)));
      return nameEnd - 1;
    }
    if (isName(n) && !(n >= 48 && n <= 57)) {
      let j = i + 1;
      while (j < to && isName(L.charCodeAt(j))) j++;
      cb(L.slice(i + 1, j), i, i + 1, j, '');
      return j - 1;
    }
    return i;
  };
  // without single quotes and escape characters nothing can hide a `$`: jump from `$` to `$`
  const quote = singleQuotes ? L.indexOf("'", from) : -1;
  const escAt = L.indexOf(escape, from);
  if ((quote < 0 || quote >= to) && (escAt < 0 || escAt >= to)) {
    for (let i = first; i >= 0 && i < to; i = L.indexOf('$', i + 1)) i = dollar(i);
    return;
  }
  const esc = escape.charCodeAt(0);
  let inSingle = false;
  let inDouble = false;
  for (let i = from; i < to; i++) {
    const c = L.charCodeAt(i);
    if (c === esc && !inSingle) {
      i++;
      continue;
    }
    if (c === 39 && singleQuotes && !inDouble) {
      inSingle = !inSingle;
      continue;
    }
    if (c === 34 && !inSingle) inDouble = !inDouble;
    if (c !== 36 || inSingle) continue;
    i = dollar(i);
  }
}

/** The `${NAME<modifier>...}` modifier in L[at, lim): `:-` `-` `:+` `+` `:?` `?` `#` `##` `%` `%%` `/`, or ''. */
function modifierAt(L: string, at: number, lim: number): string {
  if (at >= lim) return '';
  const c = L.charCodeAt(at);
  const d = at + 1 < lim ? L.charCodeAt(at + 1) : -1;
  switch (c) {
    case 58: // :
      return d === 45 ? ':-' : d === 43 ? ':+' : d === 63 ? ':?' : '';
    case 45: return '-';
    case 43: return '+';
    case 63: return '?';
    case 35: return d === 35 ? '##' : '#';
    case 37: return d === 37 ? '%%' : '%';
    case 47: return '/';
    default: return '';
  }
}

function flagValue(inst: Instruction, name: string): Flag | undefined {
  for (const f of inst.flags) if (f.name === name) return f;
  return undefined;
}

export function buildModel(df: Dockerfile): Model {
  const stages: Stage[] = [];
  const orderInfo: { stage: number; order: number }[] = [];
  const defs: VarDef[] = [];
  const refs: VarRef[] = [];
  const stageRefs: StageRef[] = [];
  const heredocs: HeredocUse[] = [];
  const text = df.text;
  let cur = -1;
  let n = 0;
  const names = new Map<string, number>();
  const stageByName = (name: string): number | undefined => {
    const hit = names.get(name.toLowerCase());
    if (hit !== undefined) return hit;
    if (/^\d+$/.test(name)) {
      const i = Number(name);
      if (i < stages.length) return i;
    }
    return undefined;
  };
  for (const inst of df.instructions) {
    if (inst.name === 'FROM') {
      const a = inst.args;
      const st: Stage = {
        index: stages.length, from: inst, image: a[0], name: undefined, nameWord: undefined, asWord: undefined, platform: flagValue(inst, 'platform'),
        parent: undefined, instructions: [], start: inst.start, end: inst.end,
      };
      if (a.length >= 3 && a[1].value.toLowerCase() === 'as') {
        st.asWord = a[1];
        st.nameWord = a[2];
        st.name = a[2].value.toLowerCase();
      }
      if (a[0]) {
        const p = stageByName(a[0].value);
        if (p !== undefined && !/^\d+$/.test(a[0].value)) {
          st.parent = p;
          stageRefs.push({ name: a[0].value, span: a[0], inst, kind: 'from', target: p });
        }
      }
      if (stages.length > 0) stages[stages.length - 1].end = inst.start;
      stages.push(st);
      if (st.name && !names.has(st.name)) names.set(st.name, st.index);
      cur = st.index;
    }
    const o = n++;
    orderInfo.push({ stage: cur, order: o });
    if (cur >= 0) {
      stages[cur].instructions.push(inst);
      stages[cur].end = inst.end;
    }
    const eff = inst.name === 'ONBUILD' && inst.sub ? inst.sub : inst;
    const expanded = inst.name !== 'ONBUILD' && EXPANDED.has(eff.name);
    // definitions
    if (inst.name === 'ARG') {
      for (const w of inst.args) {
        const eq = w.value.indexOf('=');
        const name = eq < 0 ? w.value : w.value.slice(0, eq);
        let value = eq < 0 ? undefined : w.value.slice(eq + 1);
        if (value !== undefined && value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
        defs.push({ kind: 'ARG', name, nameSpan: { start: w.start, end: w.start + name.length }, value, inst, stage: cur, order: o });
      }
    } else if (inst.name === 'ENV') {
      for (const p of inst.pairs) {
        let value = p.value?.value;
        if (value !== undefined && p.separator === '=' && value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
        defs.push({ kind: 'ENV', name: p.key.value, nameSpan: { start: p.key.start, end: p.key.end }, value, inst, stage: cur, order: o });
      }
    }
    // variable references in the instruction line
    const L = eff.logical;
    if (L.indexOf('$', eff.bodyLog) >= 0) scanVars(L, eff.bodyLog, L.length, df.escape, (name, s, ns, e, modifier) => {
      const ds = eff.toDoc(s);
      refs.push({
        name, span: { start: ds, end: eff.toDoc(e - 1) + 1 }, nameSpan: { start: eff.toDoc(ns), end: eff.toDoc(ns + name.length - 1) + 1 },
        inst, stage: cur, order: o, expanded, modifier,
      });
    });
    // heredoc bodies (shell or file content) reference variables too
    for (const h of eff.heredocs) {
      const raw = text.slice(h.nameSpan.start, h.nameSpan.end);
      const idx = raw.indexOf(h.name);
      const use: HeredocUse = { heredoc: h, inst, defSpan: { start: h.nameSpan.start + Math.max(idx, 0), end: h.nameSpan.start + Math.max(idx, 0) + h.name.length }, endSpan: undefined };
      if (h.terminatorSpan) {
        let t = h.terminatorSpan.start;
        while (text.charCodeAt(t) === 9) t++;
        use.endSpan = { start: t, end: t + h.name.length };
      }
      heredocs.push(use);
      const cs = h.contentSpan.start;
      const dollar = text.indexOf('$', cs);
      if ((eff.name === 'RUN' || h.expand) && dollar >= 0 && dollar < h.contentSpan.end) {
        scanVars(text, cs, h.contentSpan.end, '\\', (name, s, ns, e, modifier) => {
          refs.push({ name, span: { start: s, end: e }, nameSpan: { start: ns, end: ns + name.length }, inst, stage: cur, order: o, expanded: eff.name !== 'RUN' && h.expand, modifier });
        });
      }
    }
    // stage references in flags
    if (eff.name === 'COPY' || eff.name === 'ADD') {
      const f = flagValue(eff, 'from');
      if (f && f.value !== undefined && f.valueSpan && !f.value.includes('$')) {
        stageRefs.push({ name: f.value, span: f.valueSpan, inst, kind: 'copy', target: stageByName(f.value) });
      }
    }
    if (eff.name === 'RUN') {
      for (const f of eff.flags) {
        if (f.name !== 'mount' || f.value === undefined || !f.valueSpan) continue;
        const m = /(^|,)from=([^,]*)/.exec(f.value);
        if (!m || m[2].includes('$')) continue;
        const raw = text.slice(f.valueSpan.start, f.valueSpan.end);
        const at = raw.indexOf('from=' + m[2]);
        const s = f.valueSpan.start + (at < 0 ? 0 : at + 5);
        stageRefs.push({ name: m[2], span: { start: s, end: s + m[2].length }, inst, kind: 'mount', target: stageByName(m[2]) });
      }
    }
  }
  const defsByName = new Map<string, VarDef[]>();
  for (const d of defs) {
    const list = defsByName.get(d.name);
    if (list) list.push(d);
    else defsByName.set(d.name, [d]);
  }
  return { df, stages, order: new InstructionOrder(df.instructions, orderInfo), defs, refs, stageRefs, heredocs, defsByName };
}

/**
 * An order after every instruction. Not Number.MAX_SAFE_INTEGER: V8 keeps small integers
 * unboxed (Smi) and a heap number here deoptimized resolveVar's compiled code ("not a Smi").
 */
export const AFTER_ALL = 0x3fffffff;

/** The definition a reference resolves to, following BuildKit's scoping. */
export function resolveVar(model: Model, name: string, stage: number, order: number): VarDef | undefined {
  const before = (d: VarDef): boolean => d.order < order;
  if (stage < 0 || model.stages[stage]?.from.start !== undefined && isFromOrder(model, stage, order)) {
    // FROM and global scope: global ARGs only
    let found: VarDef | undefined;
    for (const d of model.defsByName.get(name) ?? []) if (d.stage === -1 && before(d)) found = d;
    return found;
  }
  let found: VarDef | undefined;
  for (const d of model.defsByName.get(name) ?? []) if (d.stage === stage && before(d)) found = d;
  if (found) {
    if (found.kind === 'ARG' && found.value === undefined) {
      const g = resolveVar(model, name, -1, AFTER_ALL);
      if (g) return { ...found, value: g.value };
    }
    return found;
  }
  // ENV inherited from a parent stage
  const parent = model.stages[stage]?.parent;
  if (parent !== undefined && parent < stage) {
    const p = resolveVar(model, name, parent, AFTER_ALL);
    if (p && p.kind === 'ENV') return p;
  }
  return undefined;
}

function isFromOrder(model: Model, stage: number, order: number): boolean {
  const from = model.stages[stage].from;
  return model.order.get(from)?.order === order;
}

/** Whether a name is known in scope even without a definition in this file. */
export function isImplicitlyDefined(model: Model, name: string, stage: number, order: number): boolean {
  if (PROXY_ARGS.includes(name)) return true;
  if (stage < 0 || isFromOrder(model, stage, order)) return name in BUILTIN_ARGS;
  return COMMON_ENV.includes(name);
}

/** Stage index containing a document offset (-1 before the first FROM). */
export function stageAt(model: Model, offset: number): number {
  let s = -1;
  for (const st of model.stages) if (st.from.start <= offset) s = st.index;
  return s;
}
