/** Runs the rules and turns findings into LSP diagnostics: check directive, suppressions, severities. */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver-types';
import { SUPPRESSION_PREFIX, type DockerfileSettings } from '../protocol';
import { ALL_RULES } from '../rules/index';
import type { Finding, Fix, Rule, Severity } from '../rules/rule';
import type { ParsedDocument } from './document';

export interface CheckDirective {
  skip: Set<string>;
  skipAll: boolean;
  error: boolean;
  experimental: Set<string>;
  experimentalAll: boolean;
}

function parseCheckDirective(value: string | undefined): CheckDirective {
  const d: CheckDirective = { skip: new Set(), skipAll: false, error: false, experimental: new Set(), experimentalAll: false };
  if (!value) return d;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim();
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    if (k === 'skip') {
      if (list.includes('all')) d.skipAll = true;
      for (const s of list) d.skip.add(s);
    } else if (k === 'error') d.error = v.toLowerCase() === 'true';
    else if (k === 'experimental') {
      if (list.includes('all')) d.experimentalAll = true;
      for (const s of list) d.experimental.add(s);
    }
  }
  return d;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export interface DiagnosticWithFixes {
  diagnostic: Diagnostic;
  fixes: Fix[];
  rule: string;
  /** instruction start, for "suppress this rule" */
  instructionStart?: number;
}

/** Rule names suppressed per 0-based line by `# berth-ignore A,B` on the line before. */
function suppressions(doc: ParsedDocument): Map<number, Set<string> | 'all'> {
  const out = new Map<number, Set<string> | 'all'>();
  for (const inst of doc.df.instructions) {
    for (const c of inst.prevComments) {
      if (!c.text.startsWith(SUPPRESSION_PREFIX)) continue;
      const rest = c.text.slice(SUPPRESSION_PREFIX.length).trim();
      const names = rest.split(/[\s,]+/).filter(Boolean);
      for (let l = inst.startLine; l <= inst.endLine; l++) {
        if (names.length === 0) out.set(l, 'all');
        else {
          const cur = out.get(l);
          if (cur === 'all') continue;
          const set = cur ?? new Set<string>();
          for (const n of names) set.add(n);
          out.set(l, set);
        }
      }
    }
  }
  return out;
}

export function computeDiagnostics(doc: ParsedDocument, settings: DockerfileSettings, ignorePatterns?: string[]): DiagnosticWithFixes[] {
  const df = doc.df;
  const check = parseCheckDirective(df.directives.find((d) => d.name === 'check')?.value);
  const sup = suppressions(doc);
  const out: DiagnosticWithFixes[] = [];
  const configured = settings.rules ?? {};
  const push = (rule: { name: string; family: string; severity: Severity; url?: string; description?: string }, f: Finding): void => {
    const conf = configured[rule.name];
    if (conf === 'off') return;
    let sev: Severity = conf ?? rule.severity;
    if (!conf && rule.family === 'buildkit' && check.error) sev = 'error';
    const range = doc.range(f);
    const s = sup.get(range.start.line);
    if (s === 'all' || s?.has(rule.name)) return;
    const d: Diagnostic = { range, message: f.message, severity: SEVERITY[sev], code: rule.name, source: rule.family };
    if (rule.url) d.codeDescription = { href: rule.url };
    if (f.deprecated) d.tags = [DiagnosticTag.Deprecated];
    out.push({ diagnostic: d, fixes: f.fixes ?? [], rule: rule.name, instructionStart: doc.instructionAt(f.start)?.start });
  };
  for (const e of df.errors) push({ name: e.code, family: 'syntax', severity: 'error' }, e);
  const model = doc.model;
  const ctx = { df, model, ignorePatterns };
  for (const rule of ALL_RULES) {
    if (configured[rule.name] === 'off') continue;
    if (rule.family === 'buildkit') {
      if (check.skipAll || check.skip.has(rule.name)) continue;
      if (rule.experimental && !check.experimentalAll && !check.experimental.has(rule.name) && !configured[rule.name]) continue;
    }
    let findings: Finding[];
    try {
      findings = rule.check(ctx);
    } catch {
      continue; // a broken rule must not take the others down
    }
    for (const f of findings) push(rule as Rule, f);
  }
  return out;
}
