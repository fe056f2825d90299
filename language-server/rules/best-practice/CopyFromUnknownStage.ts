import type { Model } from '../../model/model';
import type { Finding, Rule } from '../rule';

const IMAGE_REF = /[/:.@]/;
const NUMBER = /^\d+$/;

/** Stage index by (lower-case) name, the first stage of a name winning. */
function namesOf(model: Model): Map<string, number> {
  const byName = new Map<string, number>();
  for (const s of model.stages) if (s.name !== undefined && !byName.has(s.name)) byName.set(s.name, s.index);
  return byName;
}

/** The stages each stage uses: its FROM parent and its --from stages, earlier or later (not in ONBUILD). */
function stageDeps(model: Model, byName: Map<string, number>): number[][] {
  const deps: number[][] = model.stages.map((s) => (s.parent !== undefined ? [s.parent] : []));
  for (const r of model.stageRefs) {
    if (r.kind === 'from' || r.inst.name === 'ONBUILD') continue;
    const cur = model.order.get(r.inst)?.stage ?? -1;
    const t = r.target ?? (NUMBER.test(r.name) ? (r.kind === 'copy' ? Number(r.name) : undefined) : byName.get(r.name.toLowerCase()));
    if (cur >= 0 && t !== undefined && t < deps.length) deps[cur].push(t);
  }
  return deps;
}

/**
 * The strongly connected component of each stage over `deps` (Kosaraju, iterative, linear in
 * stages + references). A stage that uses a later one is in a cycle exactly when both are in
 * one component, so each reference is answered in O(1) instead of a walk per reference, which
 * was quadratic on a file with thousands of forward references.
 */
function components(deps: number[][]): Int32Array {
  const n = deps.length;
  // 1. stages in order of finishing a depth-first walk
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const next = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (seen[root]) continue;
    seen[root] = 1;
    const stack = [root];
    while (stack.length > 0) {
      const s = stack[stack.length - 1];
      if (next[s] < deps[s].length) {
        const d = deps[s][next[s]++];
        if (!seen[d]) {
          seen[d] = 1;
          stack.push(d);
        }
      } else {
        stack.pop();
        order.push(s);
      }
    }
  }
  // 2. walk the reversed edges, latest finisher first: each walk is one component
  const users: number[][] = deps.map(() => []);
  for (let s = 0; s < n; s++) for (const d of deps[s]) users[d].push(s);
  const comp = new Int32Array(n).fill(-1);
  let c = 0;
  for (let k = n - 1; k >= 0; k--) {
    const root = order[k];
    if (comp[root] >= 0) continue;
    comp[root] = c;
    const stack = [root];
    while (stack.length > 0) {
      const s = stack.pop()!;
      for (const u of users[s]) {
        if (comp[u] < 0) {
          comp[u] = c;
          stack.push(u);
        }
      }
    }
    c++;
  }
  return comp;
}

export const CopyFromUnknownStage: Rule = {
  name: 'CopyFromUnknownStage', family: 'best-practice', severity: 'warning',
  description: 'COPY --from should reference a previously defined FROM alias (hadolint DL3022/DL3023)',
  check({ model }) {
    const out: Finding[] = [];
    let byName: Map<string, number> | undefined;
    let comp: Int32Array | undefined;
    for (const r of model.stageRefs) {
      if (r.kind === 'from') continue;
      const cur = model.order.get(r.inst)?.stage ?? -1;
      // the model resolves a --from only to this stage or an earlier one
      if (r.target !== undefined) {
        if (r.target === cur) out.push({ ...r.span, message: `--from cannot reference its own stage '${r.name}'` });
        continue;
      }
      let later: number;
      let what: string;
      if (NUMBER.test(r.name)) {
        // a COPY --from index names a stage of the file (BuildKit reads a RUN --mount one as an image)
        if (r.kind !== 'copy') continue;
        later = Number(r.name);
        what = `stage ${later}`;
      } else {
        // image references (registry/name:tag) are fine; a bare name should be a stage
        if (IMAGE_REF.test(r.name)) continue;
        byName ??= namesOf(model);
        const hit = byName.get(r.name.toLowerCase());
        if (hit === undefined) {
          out.push({ ...r.span, message: `'${r.name}' is not a previously defined stage (if it is an image, give its tag, e.g. ${r.name}:latest)` });
          continue;
        }
        later = hit;
        what = `'${r.name}'`;
      }
      // a later stage: an ONBUILD trigger runs in another build, whose stages are not these
      if (r.inst.name === 'ONBUILD' || cur < 0 || later <= cur) continue;
      if (later >= model.stages.length) {
        out.push({ ...r.span, message: `there is no stage ${later}: stages are numbered from 0 to ${model.stages.length - 1}` });
        continue;
      }
      // BuildKit resolves a later stage too, but fails if the two depend on each other
      comp ??= components(stageDeps(model, byName ??= namesOf(model)));
      if (comp[later] === comp[cur]) {
        out.push({ ...r.span, message: `${what} is defined after this stage and depends on it: BuildKit fails with a circular dependency` });
      } else if (r.kind === 'copy') {
        // only BuildKit runs RUN --mount, so a later mount source is fine; COPY also runs on the legacy builder
        out.push({ ...r.span, message: `${what} is defined after this stage; ${r.inst.name} --from should name an earlier stage (the legacy builder cannot use a later one)` });
      }
    }
    return out;
  },
};
