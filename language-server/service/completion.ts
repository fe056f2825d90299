/** Completion: instructions, flags, --mount keys and values, directives, variables, stages, images. */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Range } from 'vscode-languageserver-types';
import { BUILTIN_ARGS } from '../model/model';
import { DIRECTIVES, INSTRUCTIONS, INSTRUCTION_MAP, MOUNT_KEYS, MOUNT_KEY_MAP, MOUNT_TYPES, type FlagSpec } from '../model/instructions';
import { ALL_RULES } from '../rules/index';
import { parseMountFields } from '../rules/syntax/mount';
import type { ParsedDocument } from './document';
import { earlierStages, visibleVars } from './scope';

const PLATFORMS = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64', 'windows/amd64', '$BUILDPLATFORM', '$TARGETPLATFORM'];

function keywordCase(doc: ParsedDocument): 'upper' | 'lower' {
  let up = 0;
  let low = 0;
  for (const i of doc.df.instructions) {
    if (i.keyword === i.keyword.toUpperCase()) up++;
    else if (i.keyword === i.keyword.toLowerCase()) low++;
  }
  return low > up ? 'lower' : 'upper';
}

function instructionItems(doc: ParsedDocument, range: Range, exclude: string[] = []): CompletionItem[] {
  const lower = keywordCase(doc) === 'lower';
  return INSTRUCTIONS.filter((s) => !exclude.includes(s.name)).map((s, idx) => {
    const kw = lower ? s.name.toLowerCase() : s.name;
    const snippet = lower ? s.snippet.replace(s.name, kw) : s.snippet;
    return {
      label: kw, kind: CompletionItemKind.Keyword, detail: s.syntax[0],
      documentation: { kind: MarkupKind.Markdown, value: s.doc },
      insertTextFormat: InsertTextFormat.Snippet, textEdit: { range, newText: snippet },
      sortText: String(idx).padStart(2, '0'), filterText: kw,
    };
  });
}

function flagItems(flags: FlagSpec[], range: Range, used: Set<string>): CompletionItem[] {
  return flags.filter((f) => !used.has(f.name) || f.name === 'mount' || f.name === 'exclude').map((f) => {
    const text = f.kind === 'bool' ? `--${f.name}` : `--${f.name}=`;
    const item: CompletionItem = {
      label: `--${f.name}`, kind: CompletionItemKind.Property, documentation: { kind: MarkupKind.Markdown, value: f.doc },
      textEdit: { range, newText: text }, filterText: `--${f.name}`,
    };
    if (f.kind !== 'bool') item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
    return item;
  });
}

function valueItems(values: string[], range: Range, kind: CompletionItemKind = CompletionItemKind.EnumMember): CompletionItem[] {
  return values.map((v) => ({ label: v, kind, textEdit: { range, newText: v } }));
}

export function complete(doc: ParsedDocument, pos: { line: number; character: number }, localImages: string[]): CompletionItem[] {
  const offset = doc.offsetAt(pos);
  const text = doc.text;
  const lineStart = doc.df.lineStarts[pos.line] ?? 0;
  const linePrefix = text.slice(lineStart, offset);
  const model = doc.model;
  const mk = (start: number, end = offset): Range => ({ start: doc.positionAt(start), end: doc.positionAt(end) });

  const inst = doc.instructionAt(offset);
  // inside a heredoc body: only variables
  if (inst) {
    for (const h of (inst.sub ?? inst).heredocs) {
      if (offset >= h.contentSpan.start && offset <= h.contentSpan.end && offset > h.nameSpan.end) return variableItems(doc, inst, offset, linePrefix) ?? [];
    }
  }
  // comments and directives
  const trimmed = linePrefix.trimStart();
  if (trimmed.startsWith('#')) {
    if (pos.line > doc.df.directiveEnd) return [];
    if (!/=/.test(trimmed)) {
      const at = lineStart + linePrefix.indexOf('#') + 1;
      const lead = text.slice(at, offset).match(/^\s*/)?.[0].length ?? 0;
      const present = new Set(doc.df.directives.filter((d) => d.start < lineStart).map((d) => d.name));
      return DIRECTIVES.filter((d) => !present.has(d.name)).map((d) => ({
        label: d.name, kind: CompletionItemKind.Keyword, documentation: { kind: MarkupKind.Markdown, value: d.doc },
        insertTextFormat: InsertTextFormat.Snippet, textEdit: { range: mk(at + lead), newText: d.snippet },
      }));
    }
    return directiveValueItems(trimmed, offset, mk);
  }
  // word being typed
  let ws = offset;
  while (ws > lineStart && !/\s/.test(text[ws - 1])) ws--;
  const word = text.slice(ws, offset);

  if (!inst || offset <= inst.keywordSpan.end || (inst.start > offset)) {
    if (/^\s*[A-Za-z]*$/.test(linePrefix) && !(inst && inst.start !== lineStart && inst.start < lineStart && offset > inst.keywordSpan.end)) {
      return instructionItems(doc, mk(ws));
    }
  }
  if (!inst) return [];
  let target = inst;
  if (inst.name === 'ONBUILD') {
    if (!inst.sub || offset <= inst.sub.keywordSpan.end) return instructionItems(doc, mk(ws), ['ONBUILD', 'FROM', 'MAINTAINER']);
    target = inst.sub;
  }
  const spec = INSTRUCTION_MAP.get(target.name);

  // variables
  const vars = variableItems(doc, inst, offset, linePrefix);
  if (vars) return vars;

  // flags
  if (word.startsWith('--') && spec) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      const used = new Set(target.flags.filter((f) => f.end < ws || f.start > offset).map((f) => f.name));
      return flagItems(spec.flags, mk(ws), used);
    }
    const name = word.slice(2, eq);
    const value = word.slice(eq + 1);
    const valueStart = ws + eq + 1;
    const fs = spec.flags.find((f) => f.name === name);
    if (!fs) return [];
    if (fs.kind === 'mount') return mountItems(doc, value, valueStart, offset, localImages);
    if (name === 'from') {
      return [
        ...valueItems(earlierStages(model, inst.start), mk(valueStart), CompletionItemKind.Reference),
        ...valueItems(localImages, mk(valueStart), CompletionItemKind.Module),
      ];
    }
    if (fs.kind === 'platform') return valueItems(PLATFORMS, mk(valueStart));
    if (fs.kind === 'bool') return valueItems(['true', 'false'], mk(valueStart));
    if (fs.kind === 'chmod') return valueItems(['0644', '0755', '0600', '0700'], mk(valueStart));
    if (fs.kind === 'checksum') return valueItems(['sha256:'], mk(valueStart));
    if (fs.values) return valueItems(fs.values, mk(valueStart));
    return [];
  }
  if (word.startsWith('-') && spec && spec.flags.length > 0 && !word.startsWith('--')) {
    return flagItems(spec.flags, mk(ws), new Set());
  }
  // positional arguments
  const before = text.slice(target.restSpan.start <= offset ? target.restSpan.start : offset, ws);
  const argIndex = target.restSpan.start <= ws ? before.split(/\s+/).filter(Boolean).length : 0;
  switch (target.name) {
    case 'FROM':
      if (argIndex === 0) {
        return [
          ...valueItems(earlierStages(model, inst.start), mk(ws), CompletionItemKind.Reference),
          ...valueItems(localImages, mk(ws), CompletionItemKind.Module),
          ...valueItems(['scratch'], mk(ws), CompletionItemKind.Module),
        ];
      }
      if (argIndex === 1) return valueItems([target.keyword === target.keyword.toLowerCase() ? 'as' : 'AS'], mk(ws), CompletionItemKind.Keyword);
      return [];
    case 'HEALTHCHECK':
      if (argIndex === 0) return valueItems(['CMD', 'NONE'], mk(ws), CompletionItemKind.Keyword);
      return [];
    case 'ARG':
      return Object.entries(BUILTIN_ARGS).map(([k, v]) => ({ label: k, kind: CompletionItemKind.Variable, documentation: v, textEdit: { range: mk(ws), newText: k } }));
    case 'SHELL':
      if (target.rest === '') return valueItems(['["/bin/bash", "-o", "pipefail", "-c"]', '["/bin/sh", "-c"]', '["powershell", "-command"]'], mk(ws), CompletionItemKind.Value);
      return [];
    case 'STOPSIGNAL':
      return valueItems(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'], mk(ws));
  }
  if (word === '' && spec && spec.flags.length > 0 && target.args.every((a) => a.start >= offset) && !target.json) {
    const used = new Set(target.flags.map((f) => f.name));
    return flagItems(spec.flags, mk(ws), used);
  }
  return [];
}

/** BuildKit's values of the frontend image for `# syntax=`. */
const SYNTAX_IMAGES = ['docker/dockerfile:1', 'docker/dockerfile:1-labs'];
const CHECK_KEYS = ['skip', 'error', 'experimental'];

/** The value of a parser directive, `trimmed` being the comment line up to the cursor (`# name=value`). */
function directiveValueItems(trimmed: string, offset: number, mk: (start: number) => Range): CompletionItem[] {
  const d = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*)$/.exec(trimmed);
  if (!d) return [];
  const value = d[2];
  switch (d[1].toLowerCase()) {
    case 'syntax':
      return valueItems(SYNTAX_IMAGES, mk(offset - value.length), CompletionItemKind.Module);
    case 'escape':
      return value.length <= 1 ? valueItems(['\\', '`'], mk(offset - value.length), CompletionItemKind.Value) : [];
    case 'check': {
      // skip=Rule,Rule;error=true;experimental=Rule
      const parts = value.split(';');
      const part = (parts.pop() ?? '').trimStart();
      const eq = part.indexOf('=');
      if (eq < 0) {
        const used = new Set(parts.map((p) => p.split('=')[0].trim().toLowerCase()));
        return CHECK_KEYS.filter((k) => !used.has(k)).map((k) => ({
          label: `${k}=`, kind: CompletionItemKind.Property, textEdit: { range: mk(offset - part.length), newText: `${k}=` },
          command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
        }));
      }
      const key = part.slice(0, eq).trim().toLowerCase();
      const v = part.slice(eq + 1).trimStart();
      if (key === 'error') return valueItems(['true', 'false'], mk(offset - v.length), CompletionItemKind.Value);
      if (key === 'skip' || key === 'experimental') {
        const rule = (v.split(',').pop() ?? '').trimStart();
        return valueItems(['all', ...ALL_RULES.filter((r) => r.family === 'buildkit').map((r) => r.name)], mk(offset - rule.length), CompletionItemKind.Value);
      }
      return [];
    }
  }
  return [];
}

function variableItems(doc: ParsedDocument, inst: Parameters<typeof visibleVars>[1], offset: number, linePrefix: string): CompletionItem[] | undefined {
  const m = /\$(\{?)([A-Za-z0-9_]*)$/.exec(linePrefix);
  if (!m) return undefined;
  const start = offset - m[2].length;
  const range = { start: doc.positionAt(start), end: doc.positionAt(offset) };
  const brace = m[1] === '{';
  const closeNeeded = brace && doc.text[offset] !== '}';
  return visibleVars(doc.model, inst, offset).map((v) => ({
    label: v.name, kind: v.def?.kind === 'ENV' ? CompletionItemKind.Variable : CompletionItemKind.Constant,
    detail: v.def ? `${v.def.kind} ${v.name}${v.def.value !== undefined ? '=' + v.def.value : ''}` : v.builtin,
    textEdit: { range, newText: v.name + (closeNeeded ? '}' : '') },
  }));
}

function mountItems(doc: ParsedDocument, value: string, valueStart: number, offset: number, localImages: string[]): CompletionItem[] {
  const comma = value.lastIndexOf(',');
  const part = value.slice(comma + 1);
  const partStart = valueStart + comma + 1;
  const mk = (s: number): Range => ({ start: doc.positionAt(s), end: doc.positionAt(offset) });
  const fields = parseMountFields(value.slice(0, comma + 1));
  const type = fields.find((f) => f.key === 'type')?.value ?? (part.startsWith('type=') ? undefined : 'bind');
  const eq = part.indexOf('=');
  if (eq >= 0) {
    const key = part.slice(0, eq).toLowerCase();
    const vs = partStart + eq + 1;
    if (key === 'from') return [...valueItems(earlierStages(doc.model, offset), mk(vs), CompletionItemKind.Reference), ...valueItems(localImages, mk(vs), CompletionItemKind.Module)];
    const spec = MOUNT_KEY_MAP.get(key);
    if (spec?.values) return valueItems(spec.values, mk(vs));
    if (key === 'target' || key === 'dst' || key === 'destination') return valueItems(['/root/.cache', '/var/cache/apt', '/var/lib/apt', '/tmp', '/run/secrets/'], mk(vs), CompletionItemKind.Folder);
    return [];
  }
  const used = new Set(fields.map((f) => f.key));
  return MOUNT_KEYS.filter((k) => !used.has(k.name) && (!type || k.types.includes(type) || !MOUNT_TYPES.includes(type))).map((k) => ({
    label: k.name, kind: CompletionItemKind.Property, documentation: { kind: MarkupKind.Markdown, value: k.doc },
    textEdit: { range: mk(partStart), newText: k.values && k.values[0] === 'true' ? k.name : k.name + '=' },
    command: k.values && k.values[0] === 'true' ? undefined : { title: 'Suggest', command: 'editor.action.triggerSuggest' },
  }));
}
