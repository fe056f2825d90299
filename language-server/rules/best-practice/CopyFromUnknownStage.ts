import type { Finding, Rule } from '../rule';

export const CopyFromUnknownStage: Rule = {
  name: 'CopyFromUnknownStage', family: 'best-practice', severity: 'warning',
  description: 'COPY --from should reference a previously defined FROM alias (hadolint DL3022/DL3023)',
  check({ model }) {
    const out: Finding[] = [];
    for (const r of model.stageRefs) {
      if (r.kind === 'from') continue;
      const cur = model.order.get(r.inst)?.stage ?? -1;
      // the model resolves a --from only to this stage or an earlier one
      if (r.target !== undefined) {
        if (r.target === cur) out.push({ ...r.span, message: `--from cannot reference its own stage '${r.name}'` });
        continue;
      }
      // image references (registry/name:tag) and numbers are fine; a bare name should be a stage
      if (/[/:.@]/.test(r.name) || /^\d+$/.test(r.name)) continue;
      const later = model.stages.find((s) => s.name === r.name.toLowerCase());
      if (later) continue;
      out.push({ ...r.span, message: `'${r.name}' is not a previously defined stage (if it is an image, give its tag, e.g. ${r.name}:latest)` });
    }
    return out;
  },
};
