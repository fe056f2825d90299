/** Hover: instruction and flag docs, --mount keys, resolved ARG/ENV values, stages, directives. */
import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import { DIRECTIVES, INSTRUCTION_MAP, MOUNT_KEY_MAP } from '../model/instructions';
import { AFTER_ALL, BUILTIN_ARGS, resolveVar } from '../model/model';
import { contains, type ParsedDocument } from './document';
import { expandWithGlobals } from '../model/expand';
import { imageUrl } from './links';
import { targetAt } from './symbolAt';

function md(value: string): Hover['contents'] {
  return { kind: MarkupKind.Markdown, value };
}

export function hover(doc: ParsedDocument, pos: { line: number; character: number }): Hover | null {
  const offset = doc.offsetAt(pos);
  const df = doc.df;
  for (const d of df.directives) {
    if (contains(d, offset)) {
      const spec = DIRECTIVES.find((x) => x.name === d.name);
      if (spec) return { contents: md(`**# ${d.name}=** parser directive\n\n${spec.doc}`), range: doc.range(d) };
    }
  }
  const inst = doc.instructionAt(offset);
  if (!inst) return null;
  const target = inst.sub && offset >= inst.sub.start ? inst.sub : inst;
  if (contains(target.keywordSpan, offset)) {
    const spec = INSTRUCTION_MAP.get(target.name);
    if (!spec) return null;
    return { contents: md(`**${spec.name}**\n\n${spec.doc}\n\n\`\`\`dockerfile\n${spec.syntax.join('\n')}\n\`\`\``), range: doc.range(target.keywordSpan) };
  }
  if (inst.name === 'ONBUILD' && contains(inst.keywordSpan, offset)) {
    return { contents: md(INSTRUCTION_MAP.get('ONBUILD')?.doc ?? ''), range: doc.range(inst.keywordSpan) };
  }
  // variables first: they can sit inside flags
  const t = targetAt(doc, offset);
  if (t?.kind === 'var') {
    const m = doc.model;
    const def = t.isDef ? m.defs.find((d) => d.nameSpan.start === t.span.start) : resolveVar(m, t.name, t.stage, t.order);
    if (def) {
      let value = def.value;
      if (def.kind === 'ARG' && value === undefined) value = resolveVar(m, def.name, -1, AFTER_ALL)?.value;
      const line = doc.positionAt(def.nameSpan.start).line + 1;
      const where = def.stage < 0 ? 'global scope' : `stage ${m.stages[def.stage]?.name ?? def.stage}`;
      return { contents: md(`\`\`\`dockerfile\n${def.kind} ${def.name}${value !== undefined ? '=' + value : ''}\n\`\`\`\n${value === undefined ? 'no default value; ' : ''}declared on line ${line} (${where})`), range: doc.range(t.span) };
    }
    if (t.name in BUILTIN_ARGS) return { contents: md(`**${t.name}** (predefined build argument)\n\n${BUILTIN_ARGS[t.name]}`), range: doc.range(t.span) };
    return { contents: md(`\`${t.name}\` is not declared in this file`), range: doc.range(t.span) };
  }
  if (t?.kind === 'stage') {
    const s = t.index !== undefined ? doc.model.stages[t.index] : undefined;
    if (s) return { contents: md(`Build stage **${s.name ?? s.index}** (stage ${s.index})\n\n\`\`\`dockerfile\n${df.text.slice(s.from.start, s.from.firstLineEnd)}\n\`\`\``), range: doc.range(t.span) };
  }
  // a base image: what it resolves to and where to find it
  for (const s of doc.model.stages) {
    if (s.from !== inst || !s.image || !contains(s.image, offset) || s.parent !== undefined) continue;
    const resolved = s.image.value.includes('$') ? expandWithGlobals(doc.model, s.from, s.image.value) : s.image.value;
    const url = resolved ? imageUrl(resolved) : undefined;
    const lines = [`Base image \`${resolved ?? s.image.value}\``];
    if (resolved !== s.image.value && resolved !== undefined) lines.push(`(\`${s.image.value}\` with the default ARG values)`);
    if (url) lines.push(`[${url}](${url})`);
    return { contents: md(lines.join('\n\n')), range: doc.range(s.image) };
  }
  const spec = INSTRUCTION_MAP.get(target.name);
  for (const f of target.flags) {
    if (!contains(f, offset)) continue;
    const fs = spec?.flags.find((x) => x.name === f.name);
    if (f.name === 'mount' && f.valueSpan && offset >= f.valueSpan.start) {
      const raw = df.text.slice(f.valueSpan.start, f.valueSpan.end);
      const rel = offset - f.valueSpan.start;
      const fieldStart = raw.lastIndexOf(',', rel - 1) + 1;
      const key = raw.slice(fieldStart).split(/[=,]/)[0].trim().toLowerCase();
      const k = MOUNT_KEY_MAP.get(key);
      if (k) return { contents: md(`**${k.name}** (RUN --mount)\n\n${k.doc}`) };
    }
    if (fs) return { contents: md(`**--${fs.name}**\n\n${fs.doc}`), range: doc.range(f) };
  }
  return null;
}
