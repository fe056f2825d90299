/**
 * The language service: pure functions of (document text, position, settings) to LSP
 * types. No file system, network or connection here; the server wires it up.
 */
import type {
  CodeAction, CompletionItem, Diagnostic, DocumentHighlight, DocumentLink, DocumentSymbol, FoldingRange,
  FormattingOptions, Hover, InlayHint, Location, Position, Range, SemanticTokens, SignatureHelp, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver-types';
import { DocumentHighlightKind } from 'vscode-languageserver-types';
import { DEFAULT_SETTINGS, type DockerfileSettings } from '../protocol';
import { codeActions } from './codeActions';
import { complete } from './completion';
import { computeDiagnostics, type DiagnosticWithFixes } from './diagnostics';
import { DocumentCache, type ParsedDocument } from './document';
import { foldingRanges } from './folding';
import { format, formatOnType } from './format';
import { hover } from './hover';
import { inlayHints } from './inlay';
import { documentLinks } from './links';
import { signatureHelp } from './signature';
import { definitionOf, occurrences, targetAt } from './symbolAt';
import { documentSymbols } from './symbols';
import { semanticTokens } from './tokens';

export interface TextDoc {
  uri: string;
  version: number;
  getText(): string;
}

export class LanguageService {
  private cache = new DocumentCache();
  private diagCache = new WeakMap<ParsedDocument, { key: string; list: DiagnosticWithFixes[] }>();
  settings: DockerfileSettings = DEFAULT_SETTINGS;
  localImages: string[] = [];
  private settingsKey = '';

  setSettings(s: Partial<DockerfileSettings> | undefined): void {
    // settings come from the client: keep only well-formed entries
    const rules: DockerfileSettings['rules'] = {};
    const raw: unknown = s?.rules;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (v === 'off' || v === 'error' || v === 'warning' || v === 'information' || v === 'hint') rules[k] = v;
      }
    }
    this.settings = {
      rules,
      format: { keepContinuationIndent: s?.format?.keepContinuationIndent === true },
      diagnostics: { delay: typeof s?.diagnostics?.delay === 'number' && s.diagnostics.delay >= 0 ? Math.min(s.diagnostics.delay, 5000) : DEFAULT_SETTINGS.diagnostics.delay },
    };
    this.settingsKey = JSON.stringify(this.settings.rules);
  }

  parsed(doc: TextDoc): ParsedDocument {
    return this.cache.get(doc.uri, doc.version, () => doc.getText());
  }

  /** Parses the document and builds its model (cached by URI and version), which no setting changes. */
  prepare(doc: TextDoc): void {
    void this.parsed(doc).model;
  }

  close(uri: string): void {
    this.cache.delete(uri);
  }

  private diagnosticsWithFixes(doc: TextDoc, ignorePatterns?: string[]): DiagnosticWithFixes[] {
    const p = this.parsed(doc);
    const key = this.settingsKey + '\0' + (ignorePatterns ?? []).join('\n');
    const c = this.diagCache.get(p);
    if (c && c.key === key) return c.list;
    const list = computeDiagnostics(p, this.settings, ignorePatterns);
    this.diagCache.set(p, { key, list });
    return list;
  }

  diagnostics(doc: TextDoc, ignorePatterns?: string[]): Diagnostic[] {
    return this.diagnosticsWithFixes(doc, ignorePatterns).map((d) => d.diagnostic);
  }

  completion(doc: TextDoc, pos: Position): CompletionItem[] {
    return complete(this.parsed(doc), pos, this.localImages);
  }

  hover(doc: TextDoc, pos: Position): Hover | null {
    return hover(this.parsed(doc), pos);
  }

  signatureHelp(doc: TextDoc, pos: Position): SignatureHelp | null {
    return signatureHelp(this.parsed(doc), pos);
  }

  format(doc: TextDoc, options: FormattingOptions, range?: Range): TextEdit[] {
    return format(this.parsed(doc), options, this.settings.format.keepContinuationIndent, range);
  }

  formatOnType(doc: TextDoc, pos: Position, ch: string, options: FormattingOptions): TextEdit[] {
    return formatOnType(this.parsed(doc), pos, ch, options, this.settings.format.keepContinuationIndent);
  }

  documentSymbols(doc: TextDoc): DocumentSymbol[] {
    return documentSymbols(this.parsed(doc));
  }

  semanticTokens(doc: TextDoc, range?: Range): SemanticTokens {
    return semanticTokens(this.parsed(doc), range);
  }

  definition(doc: TextDoc, pos: Position): Location | null {
    const p = this.parsed(doc);
    const t = targetAt(p, p.offsetAt(pos));
    const d = t && definitionOf(p, t);
    return d ? { uri: doc.uri, range: p.range(d) } : null;
  }

  references(doc: TextDoc, pos: Position, includeDeclaration: boolean): Location[] {
    const p = this.parsed(doc);
    const t = targetAt(p, p.offsetAt(pos));
    if (!t) return [];
    return occurrences(p, t).filter((o) => includeDeclaration || !o.write).map((o) => ({ uri: doc.uri, range: p.range(o) }));
  }

  highlights(doc: TextDoc, pos: Position): DocumentHighlight[] {
    const p = this.parsed(doc);
    const t = targetAt(p, p.offsetAt(pos));
    if (!t) return [];
    return occurrences(p, t).map((o) => ({ range: p.range(o), kind: o.write ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
  }

  prepareRename(doc: TextDoc, pos: Position): Range | null {
    const p = this.parsed(doc);
    const t = targetAt(p, p.offsetAt(pos));
    return t ? p.range(t.span) : null;
  }

  rename(doc: TextDoc, pos: Position, newName: string): WorkspaceEdit | null {
    const p = this.parsed(doc);
    const t = targetAt(p, p.offsetAt(pos));
    if (!t) return null;
    const valid = t.kind === 'var' ? /^[A-Za-z_][A-Za-z0-9_]*$/ : t.kind === 'stage' ? /^[a-zA-Z][a-zA-Z0-9_.-]*$/ : /^[A-Za-z_][A-Za-z0-9_.-]*$/;
    if (!valid.test(newName)) throw new Error(`'${newName}' is not a valid ${t.kind === 'var' ? 'variable' : t.kind} name`);
    return { changes: { [doc.uri]: occurrences(p, t).map((o) => ({ range: p.range(o), newText: newName })) } };
  }

  inlayHints(doc: TextDoc, range: Range): InlayHint[] {
    return inlayHints(this.parsed(doc), range);
  }

  folding(doc: TextDoc): FoldingRange[] {
    return foldingRanges(this.parsed(doc));
  }

  links(doc: TextDoc): DocumentLink[] {
    return documentLinks(this.parsed(doc));
  }

  codeActions(doc: TextDoc, context: Diagnostic[], ignorePatterns?: string[]): CodeAction[] {
    return codeActions(this.parsed(doc), doc.uri, this.diagnosticsWithFixes(doc, ignorePatterns), context);
  }
}
