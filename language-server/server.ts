/**
 * Wiring only: LSP connection <-> LanguageService. Every handler is wrapped so an
 * exception returns an empty answer instead of killing the server. Diagnostics are
 * debounced per document and dropped when the document moved on meanwhile.
 * Run: node out/language-server/server.js --stdio   (or --node-ipc)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, createConnection, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, ErrorCodes, ResponseError, ProposedFeatures, TextDocumentSyncKind,
  TextDocuments, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LocalImagesNotification, SETTINGS_SECTION, type DockerfileSettings } from './protocol';
import { LanguageService } from './service/service';
import { LEGEND } from './service/tokens';
import { warmUp } from './service/warmup';

const connection = createConnection(ProposedFeatures.all);
const WARMUP_SETTLE_MS = 25;
const documents = new TextDocuments(TextDocument);
const service = new LanguageService();
let canConfigure = false;
let canWatch = false;

function safe<A extends unknown[], R>(name: string, fallback: R, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (e) {
      connection.console.error(`berth-dockerfile: ${name} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      return fallback;
    }
  };
}

/** `<Dockerfile>.dockerignore` or `.dockerignore` next to a file: URI, or undefined. */
function ignorePatternsFor(uri: string): string[] | undefined {
  if (!uri.startsWith('file:')) return undefined;
  let file: string;
  try {
    file = fileURLToPath(uri);
  } catch {
    return undefined;
  }
  for (const candidate of [file + '.dockerignore', path.join(path.dirname(file), '.dockerignore')]) {
    // a missing file is the common case: check without throwing (an ENOENT exception per
    // publish costs more than the stat)
    if (!fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) continue;
    try {
      return fs.readFileSync(candidate, 'utf8').split(/\r?\n/);
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const timers = new Map<string, NodeJS.Timeout>();
/** Resolves once the first workspace/configuration answer is in (or immediately without one). */
let settingsReady: Promise<void> = Promise.resolve();
let settingsKnown = true;

function publish(doc: TextDocument): void {
  const version = doc.version;
  const diagnostics = safe('diagnostics', [], () => service.diagnostics(doc, ignorePatternsFor(doc.uri)))();
  const current = documents.get(doc.uri);
  if (!current || current.version !== version) return; // stale
  void connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
}

function schedule(doc: TextDocument, delay: number): void {
  const prev = timers.get(doc.uri);
  if (prev) clearTimeout(prev);
  if (delay <= 0) {
    timers.delete(doc.uri);
    if (!settingsKnown) {
      // The first publish waits for the client's settings (rule severities), a round trip
      // that overlaps with parsing: parse and build the model now, they need no settings.
      safe('prepare', undefined, () => service.prepare(doc))();
    }
    void settingsReady.then(() => publish(doc));
    return;
  }
  timers.set(doc.uri, setTimeout(() => {
    timers.delete(doc.uri);
    const cur = documents.get(doc.uri);
    if (cur) publish(cur);
  }, delay));
}

connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
  canConfigure = !!params.capabilities.workspace?.configuration;
  canWatch = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  const opts = params.initializationOptions as { settings?: Partial<DockerfileSettings> } | undefined;
  if (opts?.settings) service.setSettings(opts.settings);
  safe('warmUp', undefined, () => warmUp(service))();
  // and the .dockerignore lookup every publish does (two stats of files that do not exist)
  safe('warmUp', undefined, () => ignorePatternsFor(pathToFileURL(path.join(os.tmpdir(), 'berth-warmup', 'Dockerfile')).href))();
  // V8 optimizes the warmed-up functions on a background thread: a short idle wait lets
  // that finish before the client sends the first document
  await new Promise((r) => setTimeout(r, WARMUP_SETTLE_MS));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ['-', '=', '$', '{', ','] },
      hoverProvider: true,
      signatureHelpProvider: { triggerCharacters: [' '] },
      documentFormattingProvider: true,
      documentRangeFormattingProvider: true,
      documentOnTypeFormattingProvider: { firstTriggerCharacter: '\n' },
      documentSymbolProvider: true,
      semanticTokensProvider: { legend: LEGEND, full: true, range: true },
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: true },
      documentHighlightProvider: true,
      foldingRangeProvider: true,
      inlayHintProvider: true,
      documentLinkProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'berth-dockerfile', version: '0.1.0' },
  };
});

async function loadSettings(): Promise<void> {
  if (!canConfigure) return;
  try {
    const s = (await connection.workspace.getConfiguration(SETTINGS_SECTION)) as Partial<DockerfileSettings> | null;
    const before = JSON.stringify(service.settings);
    service.setSettings(s ?? undefined);
    if (JSON.stringify(service.settings) === before) return;
  } catch {
    return; // keep the current settings
  }
  for (const d of documents.all()) publish(d);
}

connection.onInitialized(() => {
  if (canWatch) {
    // CopyIgnoredFile depends on .dockerignore files: re-check open documents when they change
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/{.dockerignore,*.dockerignore}' }] });
  }
  if (canConfigure) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
    settingsKnown = false;
    settingsReady = Promise.race([loadSettings(), new Promise<void>((r) => setTimeout(r, 2000))]).then(() => {
      settingsKnown = true;
    });
  }
});

connection.onDidChangeConfiguration((change) => {
  if (canConfigure) {
    void loadSettings();
    return;
  }
  const s = (change.settings as Record<string, unknown> | undefined)?.berth as { dockerfile?: Partial<DockerfileSettings> } | undefined;
  service.setSettings(s?.dockerfile);
  for (const d of documents.all()) schedule(d, 0);
});

connection.onDidChangeWatchedFiles(() => {
  for (const d of documents.all()) schedule(d, 0);
});

connection.onNotification(LocalImagesNotification, (p) => {
  service.localImages = Array.isArray(p?.images) ? p.images.filter((x) => typeof x === 'string') : [];
});

const openedAt = new Map<string, number>();
documents.onDidOpen((e) => {
  openedAt.set(e.document.uri, e.document.version);
  schedule(e.document, 0);
});
documents.onDidChangeContent((e) => {
  if (openedAt.get(e.document.uri) === e.document.version) return; // the open already published
  schedule(e.document, service.settings.diagnostics.delay);
});
documents.onDidClose((e) => {
  const t = timers.get(e.document.uri);
  if (t) clearTimeout(t);
  timers.delete(e.document.uri);
  service.close(e.document.uri);
  openedAt.delete(e.document.uri);
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

const doc = (uri: string): TextDocument | undefined => documents.get(uri);

connection.onCompletion(safe('completion', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.completion(d, p.position) : [];
}));
connection.onHover(safe('hover', null, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.hover(d, p.position) : null;
}));
connection.onSignatureHelp(safe('signatureHelp', null, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.signatureHelp(d, p.position) : null;
}));
connection.onDocumentFormatting(safe('formatting', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.format(d, p.options) : [];
}));
connection.onDocumentRangeFormatting(safe('rangeFormatting', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.format(d, p.options, p.range) : [];
}));
connection.onDocumentOnTypeFormatting(safe('onTypeFormatting', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.formatOnType(d, p.position, p.ch, p.options) : [];
}));
connection.onDocumentSymbol(safe('documentSymbol', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.documentSymbols(d) : [];
}));
connection.languages.semanticTokens.on(safe('semanticTokens', { data: [] }, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.semanticTokens(d) : { data: [] };
}));
connection.languages.semanticTokens.onRange(safe('semanticTokensRange', { data: [] }, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.semanticTokens(d, p.range) : { data: [] };
}));
connection.onDefinition(safe('definition', null, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.definition(d, p.position) : null;
}));
connection.onReferences(safe('references', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.references(d, p.position, p.context.includeDeclaration) : [];
}));
connection.onDocumentHighlight(safe('highlight', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.highlights(d, p.position) : [];
}));
connection.onPrepareRename(safe('prepareRename', null, (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.prepareRename(d, p.position) : null;
}));
connection.onRenameRequest((p) => {
  // an invalid new name is reported to the user as an error response
  const d = doc(p.textDocument.uri);
  try {
    return d ? service.rename(d, p.position, p.newName) : null;
  } catch (e) {
    return new ResponseError(ErrorCodes.InvalidParams, e instanceof Error ? e.message : String(e));
  }
});
connection.languages.inlayHint.on(safe('inlayHint', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.inlayHints(d, p.range) : [];
}));
connection.onFoldingRanges(safe('folding', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.folding(d) : [];
}));
connection.onDocumentLinks(safe('links', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.links(d) : [];
}));
connection.onCodeAction(safe('codeAction', [], (p) => {
  const d = doc(p.textDocument.uri);
  return d ? service.codeActions(d, p.context.diagnostics, ignorePatternsFor(d.uri)) : [];
}));

documents.listen(connection);
connection.listen();
