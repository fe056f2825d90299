import type { Finding, Rule } from '../rule';

const IMAGE_REF = /[/:.@]/;
const NUMBER = /^\d+$/;

export const CopyFromUnknownStage: Rule = {
  name: 'CopyFromUnknownStage', family: 'best-practice', severity: 'warning',
  description: 'COPY --from should reference a previously defined FROM alias (hadolint DL3022/DL3023)',
  check({ model }) {
    const out: Finding[] = [];
    let byName: Map<string, number> | undefined;
    for (const r of model.stageRefs) {
      if (r.kind === 'from') continue;
      const cur = model.order.get(r.inst)?.stage ?? -1;
      const what = r.kind === 'mount' ? 'RUN --mount=from' : `${r.inst.name === 'ONBUILD' ? r.inst.sub?.name ?? 'COPY' : r.inst.name} --from`;
      // the model resolves a --from only to this stage or an earlier one
      if (r.target !== undefined) {
        if (r.target === cur) out.push({ ...r.span, message: `--from cannot reference its own stage '${r.name}'` });
        continue;
      }
      // a COPY --from index names a stage of the file (BuildKit fails on an index past the last)
      if (NUMBER.test(r.name)) {
        const n = Number(r.name);
        if (r.kind === 'copy' && r.inst.name !== 'ONBUILD' && cur >= 0 && n > cur) {
          out.push({ ...r.span, message: n < model.stages.length
            ? `stage ${n} is defined after this stage; ${what} should name an earlier stage (the legacy builder cannot use a later one)`
            : `there is no stage ${n}: stages are numbered from 0 to ${model.stages.length - 1}` });
        }
        continue;
      }
      // image references (registry/name:tag) are fine; a bare name should be a stage
      if (IMAGE_REF.test(r.name)) continue;
      if (!byName) {
        byName = new Map();
        for (const s of model.stages) if (s.name !== undefined && !byName.has(s.name)) byName.set(s.name, s.index);
      }
      // BuildKit resolves a later stage too, but fails if the two depend on each other
      const later = byName.get(r.name.toLowerCase());
      if (later !== undefined) {
        // an ONBUILD trigger runs in another build, whose stages are not these
        if (r.inst.name !== 'ONBUILD' && later > cur) {
          out.push({ ...r.span, message: `'${r.name}' is defined after this stage; ${what} should name an earlier stage (the legacy builder cannot use a later one)` });
        }
        continue;
      }
      out.push({ ...r.span, message: `'${r.name}' is not a previously defined stage (if it is an image, give its tag, e.g. ${r.name}:latest)` });
    }
    return out;
  },
};
