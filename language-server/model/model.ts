/**
 * Semantic model over the syntax tree: stages, ARG/ENV definitions and scopes,
 * variable references, stage references and heredocs. Pure and built once per parse.
 */
import type { Dockerfile, Flag, Heredoc, Instruction, Span, Word } from '../syntax/ast';
import { unquote } from '../syntax/text';

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

type VarCallback = (name: string, start: number, nameStart: number, end: number, modifier: string) => void;

function isName(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * One scan of L[from, to) for variable references: an object with methods rather than
 * closures made at every call (scanVars runs for every instruction that has a `$`).
 */
class VarScanner {
  /** matching `}` of every `${`, built on the first `${` */
  private close: Map<number, number> | undefined;

  constructor(
    private readonly L: string, private readonly from: number, private readonly first: number, private readonly to: number,
    private readonly cb: VarCallback,
  ) {}

  /** All braces in one pass (nested ${a:-${b}} stays linear); no `${` before the first `$`. */
  private closeOf(open: number): number {
    if (!this.close) {
      const { L, to } = this;
      const close = new Map<number, number>();
      const stack: number[] = [];
      for (let k = this.first; k < to; k++) {
        const ch = L.charCodeAt(k);
        if (ch === 123 && k > this.from && L.charCodeAt(k - 1) === 36) stack.push(k);
        else if (ch === 125 && stack.length > 0) close.set(stack.pop() as number, k);
      }
      this.close = close;
    }
    return this.close.get(open) ?? this.to;
  }

  /** a `$` at i: reports the reference, returns the index of the last character it used */
  dollar(i: number): number {
    const { L, to } = this;
    const n = L.charCodeAt(i + 1);
    if (n === 123) {
      let j = i + 2;
      while (j < to && isName(L.charCodeAt(j))) j++;
      if (j === i + 2) return i;
      const nameEnd = j;
      const k = this.closeOf(i + 1);
      const end = Math.min(k + 1, to);
      this.cb(L.slice(i + 2, nameEnd), i, i + 2, end, modifierAt(L, nameEnd, Math.min(nameEnd + 2, k)));
      return nameEnd - 1;
    }
    if (isName(n) && !(n >= 48 && n <= 57)) {
      let j = i + 1;
      while (j < to && isName(L.charCodeAt(j))) j++;
      this.cb(L.slice(i + 1, j), i, i + 1, j, '');
      return j - 1;
    }
    return i;
  }
}

/** Finds $VAR and ${VAR...} in logical[from, to), honouring the escape char and single quotes. */
export function scanVars(L: string, from: number, to: number, escape: string, cb: VarCallback, singleQuotes = true): void {
  // most instructions reference nothing: one native search instead of the character loop
  const first = L.indexOf('$', from);
  if (first < 0 || first >= to) return;
  const scan = new VarScanner(L, from, first, to, cb);
  // without single quotes and escape characters nothing can hide a `$`: jump from `$` to `$`
  const quote = singleQuotes ? L.indexOf("'", from) : -1;
  const escAt = L.indexOf(escape, from);
  if ((quote < 0 || quote >= to) && (escAt < 0 || escAt >= to)) {
    for (let i = first; i >= 0 && i < to; i = L.indexOf('$', i + 1)) i = scan.dollar(i);
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
    i = scan.dollar(i);
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

/** a stage index (`COPY --from=1`) */
const DIGITS = /^\d+$/;
/** the from= field of a --mount value */
const MOUNT_FROM = /(^|,)from=([^,]*)/;

/**
 * Builds the model in one walk over the instructions. A class with one small method per
 * concern rather than one big function: V8 optimizes a function after it has run an amount
 * of bytecode that grows with its size, so the small methods are compiled early in a
 * server's life (the single ~2.5 KB function used to stay unoptimized for the first ten
 * 2,000-line documents), and the scanVars callbacks are two methods bound once per build
 * instead of two closures per instruction.
 */
class ModelBuilder {
  readonly stages: Stage[] = [];
  readonly orderInfo: { stage: number; order: number }[] = [];
  readonly defs: VarDef[] = [];
  readonly refs: VarRef[] = [];
  readonly stageRefs: StageRef[] = [];
  readonly heredocs: HeredocUse[] = [];
  private readonly names = new Map<string, number>();
  private readonly text: string;
  // the instruction being walked, for the scanVars callbacks
  private inst!: Instruction;
  private eff!: Instruction;
  private stage = -1;
  private order = 0;
  private expanded = false;
  private heredocExpanded = false;
  private readonly onLineRef = this.lineRef.bind(this);
  private readonly onHeredocRef = this.heredocRef.bind(this);

  constructor(private readonly df: Dockerfile) {
    this.text = df.text;
  }

  build(): Model {
    const { df } = this;
    let order = 0;
    for (const inst of df.instructions) {
      if (inst.name === 'FROM') this.addStage(inst);
      const eff = inst.name === 'ONBUILD' && inst.sub ? inst.sub : inst;
      this.inst = inst;
      this.eff = eff;
      this.order = order++;
      this.orderInfo.push({ stage: this.stage, order: this.order });
      if (this.stage >= 0) {
        const st = this.stages[this.stage];
        st.instructions.push(inst);
        st.end = inst.end;
      }
      if (inst.name === 'ARG') this.addArgs(inst);
      else if (inst.name === 'ENV') this.addEnvs(inst);
      this.expanded = inst.name !== 'ONBUILD' && EXPANDED.has(eff.name);
      const L = eff.logical;
      if (L.indexOf('$', eff.bodyLog) >= 0) scanVars(L, eff.bodyLog, L.length, df.escape, this.onLineRef);
      if (eff.heredocs.length > 0) this.addHeredocs(eff);
      if (eff.name === 'COPY' || eff.name === 'ADD') this.addCopyFrom(eff);
      else if (eff.name === 'RUN' && eff.flags.length > 0) this.addMountFroms(eff);
    }
    const defsByName = new Map<string, VarDef[]>();
    for (const d of this.defs) {
      const list = defsByName.get(d.name);
      if (list) list.push(d);
      else defsByName.set(d.name, [d]);
    }
    const { stages, defs, refs, stageRefs, heredocs } = this;
    return { df, stages, order: new InstructionOrder(df.instructions, this.orderInfo), defs, refs, stageRefs, heredocs, defsByName };
  }

  private stageByName(name: string): number | undefined {
    const hit = this.names.get(name.toLowerCase());
    if (hit !== undefined) return hit;
    if (DIGITS.test(name)) {
      const i = Number(name);
      if (i < this.stages.length) return i;
    }
    return undefined;
  }

  private addStage(inst: Instruction): void {
    const { stages } = this;
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
      const p = this.stageByName(a[0].value);
      if (p !== undefined && !DIGITS.test(a[0].value)) {
        st.parent = p;
        this.stageRefs.push({ name: a[0].value, span: a[0], inst, kind: 'from', target: p });
      }
    }
    if (stages.length > 0) stages[stages.length - 1].end = inst.start;
    stages.push(st);
    if (st.name && !this.names.has(st.name)) this.names.set(st.name, st.index);
    this.stage = st.index;
  }

  private addArgs(inst: Instruction): void {
    for (const w of inst.args) {
      const eq = w.value.indexOf('=');
      const name = eq < 0 ? w.value : w.value.slice(0, eq);
      const value = eq < 0 ? undefined : unquote(w.value.slice(eq + 1));
      this.defs.push({ kind: 'ARG', name, nameSpan: { start: w.start, end: w.start + name.length }, value, inst, stage: this.stage, order: this.order });
    }
  }

  private addEnvs(inst: Instruction): void {
    for (const p of inst.pairs) {
      const value = p.value !== undefined && p.separator === '=' ? unquote(p.value.value) : p.value?.value;
      this.defs.push({ kind: 'ENV', name: p.key.value, nameSpan: { start: p.key.start, end: p.key.end }, value, inst, stage: this.stage, order: this.order });
    }
  }

  /** scanVars callback over the instruction's logical line: positions map back through toDoc. */
  private lineRef(name: string, s: number, ns: number, e: number, modifier: string): void {
    const eff = this.eff;
    this.refs.push({
      name, span: { start: eff.toDoc(s), end: eff.toDoc(e - 1) + 1 }, nameSpan: { start: eff.toDoc(ns), end: eff.toDoc(ns + name.length - 1) + 1 },
      inst: this.inst, stage: this.stage, order: this.order, expanded: this.expanded, modifier,
    });
  }

  /** scanVars callback over a heredoc body: positions are document offsets already. */
  private heredocRef(name: string, s: number, ns: number, e: number, modifier: string): void {
    this.refs.push({
      name, span: { start: s, end: e }, nameSpan: { start: ns, end: ns + name.length },
      inst: this.inst, stage: this.stage, order: this.order, expanded: this.heredocExpanded, modifier,
    });
  }

  /** Heredoc names (definition and terminator) and the variables their bodies reference. */
  private addHeredocs(eff: Instruction): void {
    const { text } = this;
    for (const h of eff.heredocs) {
      const raw = text.slice(h.nameSpan.start, h.nameSpan.end);
      const idx = Math.max(raw.indexOf(h.name), 0);
      const use: HeredocUse = { heredoc: h, inst: this.inst, defSpan: { start: h.nameSpan.start + idx, end: h.nameSpan.start + idx + h.name.length }, endSpan: undefined };
      if (h.terminatorSpan) {
        let t = h.terminatorSpan.start;
        while (text.charCodeAt(t) === 9) t++;
        use.endSpan = { start: t, end: t + h.name.length };
      }
      this.heredocs.push(use);
      const cs = h.contentSpan.start;
      const dollar = text.indexOf('$', cs);
      if ((eff.name === 'RUN' || h.expand) && dollar >= 0 && dollar < h.contentSpan.end) {
        this.heredocExpanded = eff.name !== 'RUN' && h.expand;
        scanVars(text, cs, h.contentSpan.end, '\\', this.onHeredocRef);
      }
    }
  }

  private addCopyFrom(eff: Instruction): void {
    const f = flagValue(eff, 'from');
    if (f && f.value !== undefined && f.valueSpan && !f.value.includes('$')) {
      this.stageRefs.push({ name: f.value, span: f.valueSpan, inst: this.inst, kind: 'copy', target: this.stageByName(f.value) });
    }
  }

  private addMountFroms(eff: Instruction): void {
    for (const f of eff.flags) {
      if (f.name !== 'mount' || f.value === undefined || !f.valueSpan) continue;
      const m = MOUNT_FROM.exec(f.value);
      if (!m || m[2].includes('$')) continue;
      const raw = this.text.slice(f.valueSpan.start, f.valueSpan.end);
      const at = raw.indexOf('from=' + m[2]);
      const s = f.valueSpan.start + (at < 0 ? 0 : at + 5);
      this.stageRefs.push({ name: m[2], span: { start: s, end: s + m[2].length }, inst: this.inst, kind: 'mount', target: this.stageByName(m[2]) });
    }
  }
}

export function buildModel(df: Dockerfile): Model {
  return new ModelBuilder(df).build();
}

/**
 * An order after every instruction. Not Number.MAX_SAFE_INTEGER: V8 keeps small integers
 * unboxed (Smi) and a heap number here deoptimized resolveVar's compiled code ("not a Smi").
 */
export const AFTER_ALL = 0x3fffffff;

/** The definition a reference resolves to, following BuildKit's scoping. */
export function resolveVar(model: Model, name: string, stage: number, order: number): VarDef | undefined {
  if (stage < 0 || model.stages[stage]?.from.start !== undefined && isFromOrder(model, stage, order)) {
    // FROM and global scope: global ARGs only
    let found: VarDef | undefined;
    for (const d of model.defsByName.get(name) ?? []) if (d.stage === -1 && d.order < order) found = d;
    return found;
  }
  let found: VarDef | undefined;
  for (const d of model.defsByName.get(name) ?? []) if (d.stage === stage && d.order < order) found = d;
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

/**
 * How many of a stage's definitions, and of the global ones, a "did you mean" looks at: the
 * nearest ones, so that a file with thousands of definitions and references stays linear.
 */
export const SUGGEST_CANDIDATES = 256;

/**
 * Names of the ARG/ENV definitions a reference in `stage` at `order` can see: the stage's
 * earlier ones, then the global ones, each nearest first and at most SUGGEST_CANDIDATES: the
 * candidates for a "did you mean". `byStage` is definitionsByStage(model).
 */
export function visibleNames(byStage: Map<number, VarDef[]>, stage: number, order: number): string[] {
  const out: string[] = [];
  const own = stage >= 0 ? byStage.get(stage) ?? [] : [];
  // the stage's definitions before `order` (they are in document order)
  let lo = 0;
  let hi = own.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (own[mid].order < order) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo - 1; k >= 0 && out.length < SUGGEST_CANDIDATES; k--) out.push(own[k].name);
  const globals = byStage.get(-1) ?? [];
  let taken = 0;
  for (let k = globals.length - 1; k >= 0 && taken < SUGGEST_CANDIDATES; k--) {
    if (globals[k].order >= order) continue;
    out.push(globals[k].name);
    taken++;
  }
  return out;
}

/** The model's definitions grouped by stage (-1: global), each list in document order. */
export function definitionsByStage(model: Model): Map<number, VarDef[]> {
  const byStage = new Map<number, VarDef[]>();
  for (const d of model.defs) {
    const list = byStage.get(d.stage);
    if (list) list.push(d);
    else byStage.set(d.stage, [d]);
  }
  return byStage;
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
