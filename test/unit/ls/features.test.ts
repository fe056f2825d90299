/** Language features over real JSON-RPC against the spawned server. */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type {
  CodeAction, CompletionItem, CompletionList, DocumentHighlight, DocumentLink, DocumentSymbol, FoldingRange, Hover, InlayHint,
  Location, MarkupContent, Range, SemanticTokens, SignatureHelp, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { LocalImagesNotification } from '../../../language-server/protocol';
import { applyEdits, TestClient } from './client';

let client: TestClient;
let n = 0;

before(async () => {
  client = new TestClient();
  const init = (await client.start()) as { capabilities: Record<string, unknown> };
  assert.ok(init.capabilities.completionProvider);
  assert.ok(init.capabilities.semanticTokensProvider);
});
after(async () => {
  await client.stop();
});

/** Opens `text` where `|` marks the cursor; returns uri and position. */
async function at(textWithCursor: string): Promise<{ uri: string; position: { line: number; character: number }; text: string }> {
  const idx = textWithCursor.indexOf('|');
  const text = textWithCursor.slice(0, idx) + textWithCursor.slice(idx + 1);
  const before = text.slice(0, idx).split('\n');
  const uri = `untitled:feat-${++n}`;
  await client.open(uri, text);
  return { uri, text, position: { line: before.length - 1, character: before[before.length - 1].length } };
}

async function complete(textWithCursor: string): Promise<CompletionItem[]> {
  const { uri, position } = await at(textWithCursor);
  const r = await client.request<CompletionItem[] | CompletionList | null>('textDocument/completion', { textDocument: { uri }, position });
  return Array.isArray(r) ? r : r?.items ?? [];
}
const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

describe('completion', () => {
  test('instructions with snippets at the start of a line', async () => {
    const items = await complete('FROM alpine:3.20\nRU|');
    const run = items.find((i) => i.label === 'RUN');
    assert.ok(run);
    assert.equal(run.insertTextFormat, 2);
    assert.ok(labels(items).includes('HEALTHCHECK'));
    assert.equal(items.length, 18);
  });

  test('instruction casing follows the file', async () => {
    const items = await complete('from alpine:3.20\nrun true\n|');
    assert.ok(labels(items).includes('copy'));
  });

  test('flags of the instruction', async () => {
    assert.deepEqual(labels(await complete('FROM alpine:3.20\nCOPY --|')).sort(), ['--chmod', '--chown', '--exclude', '--from', '--link', '--parents']);
    assert.deepEqual(labels(await complete('FROM alpine:3.20\nRUN --|')).sort(), ['--device', '--mount', '--network', '--security']);
    assert.ok(labels(await complete('FROM alpine:3.20\nADD --|')).includes('--checksum'));
    assert.ok(labels(await complete('FROM alpine:3.20\nHEALTHCHECK --|')).includes('--start-interval'));
    assert.deepEqual(labels(await complete('FROM --|')), ['--platform']);
  });

  test('RUN --mount keys and values', async () => {
    const keys = labels(await complete('FROM alpine:3.20\nRUN --mount=|'));
    for (const k of ['type', 'target', 'source', 'from', 'readonly']) assert.ok(keys.includes(k), k);
    assert.deepEqual(labels(await complete('FROM alpine:3.20\nRUN --mount=type=|')), ['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
    const cacheKeys = labels(await complete('FROM alpine:3.20\nRUN --mount=type=cache,|'));
    assert.ok(cacheKeys.includes('sharing') && cacheKeys.includes('id') && !cacheKeys.includes('type') && !cacheKeys.includes('size'));
    assert.deepEqual(labels(await complete('FROM alpine:3.20\nRUN --mount=type=cache,target=/x,sharing=|')), ['shared', 'private', 'locked']);
    assert.deepEqual(labels(await complete('FROM alpine:3.20\nRUN --network=|')), ['default', 'none', 'host']);
  });

  test('stage names after --from= and in FROM, local images from the extension', async () => {
    await client.conn.sendNotification(LocalImagesNotification, { images: ['berth/dev:1', 'alpine:3.20'] });
    const items = labels(await complete('FROM alpine:3.20 AS build\nFROM alpine:3.20 AS test\nCOPY --from=|'));
    assert.deepEqual(items, ['build', 'berth/dev:1', 'alpine:3.20']);
    const from = labels(await complete('FROM alpine:3.20 AS build\nFROM |'));
    assert.deepEqual(from, ['build', 'berth/dev:1', 'alpine:3.20', 'scratch']);
    assert.deepEqual(labels(await complete('FROM alpine:3.20 AS build\nFROM alpine:3.20\nRUN --mount=from=|')), ['build', 'berth/dev:1', 'alpine:3.20']);
    assert.deepEqual(labels(await complete('FROM alpine:3.20 |')), ['AS']);
  });

  test('variables in scope after $ and ${', async () => {
    const text = 'ARG GLOBAL=1\nFROM alpine:3.20\nARG VERSION=2\nENV HOME_DIR=/h\nRUN echo ${|\nENV LATER=1\n';
    const items = await complete(text);
    const ls = labels(items);
    assert.ok(ls.includes('VERSION') && ls.includes('HOME_DIR'));
    assert.ok(!ls.includes('LATER'), 'defined after the cursor');
    assert.ok(!ls.includes('GLOBAL'), 'global ARG not redeclared in the stage');
    assert.equal(items.find((i) => i.label === 'VERSION')?.textEdit && (items.find((i) => i.label === 'VERSION')?.textEdit as TextEdit).newText, 'VERSION}');
    const fromItems = labels(await complete('ARG GLOBAL=1\nFROM alpine:$|'));
    assert.ok(fromItems.includes('GLOBAL') && fromItems.includes('BUILDPLATFORM'));
  });

  test('parser directives at the top', async () => {
    assert.deepEqual(labels(await complete('# |')), ['syntax', 'escape', 'check']);
    assert.ok(labels(await complete('# check=skip=|')).includes('JSONArgsRecommended'));
    assert.deepEqual(labels(await complete('FROM alpine:3.20\n# |')), []);
  });

  test('parser directive values: syntax, escape, check keys and values', async () => {
    const syntax = await complete('# syntax=|');
    assert.deepEqual(labels(syntax), ['docker/dockerfile:1', 'docker/dockerfile:1-labs']);
    const partial = await complete('# syntax=docker/|\nFROM alpine:3.20\n');
    assert.deepEqual((partial[0].textEdit as TextEdit).range, { start: { line: 0, character: 9 }, end: { line: 0, character: 16 } });
    assert.deepEqual(labels(await complete('#syntax = |')), ['docker/dockerfile:1', 'docker/dockerfile:1-labs']);
    assert.deepEqual(labels(await complete('# escape=|')), ['\\', '`']);
    assert.deepEqual(labels(await complete('# check=|')), ['skip=', 'error=', 'experimental=']);
    assert.deepEqual(labels(await complete('# check=skip=all;|')), ['error=', 'experimental=']);
    assert.deepEqual(labels(await complete('# check=error=|')), ['true', 'false']);
    assert.deepEqual(labels(await complete('# check=skip=StageNameCasing;error=t|')), ['true', 'false']);
    const rules = await complete('# check=error=true;skip=StageNameCasing,Json|');
    assert.ok(labels(rules).includes('JSONArgsRecommended'));
    assert.deepEqual((rules[0].textEdit as TextEdit).range.start, { line: 0, character: 40 });
    assert.ok(labels(await complete('# check=experimental=|')).includes('InvalidDefinitionDescription'));
    // directives are read only at the top: after an instruction, another comment or a blank line these are plain comments
    assert.deepEqual(labels(await complete('# syntax=docker/dockerfile:1\n# check=|')), ['skip=', 'error=', 'experimental=']);
    assert.deepEqual(labels(await complete('#!/usr/bin/env buildctl\n# escape=|')), ['\\', '`']);
    assert.deepEqual(labels(await complete('FROM alpine:3.20\n# syntax=|')), []);
    assert.deepEqual(labels(await complete('FROM alpine:3.20\n# check=skip=|')), []);
    assert.deepEqual(labels(await complete('# a note\n# syntax=|')), []);
    assert.deepEqual(labels(await complete('# syntax=docker/dockerfile:1\n\n# check=|')), []);
    assert.deepEqual(labels(await complete('# a note\n# |')), []);
    assert.deepEqual(labels(await complete('# syntax=docker/dockerfile:1\n# |')), ['escape', 'check']);
  });
});

describe('hover, signature help', () => {
  const hover = async (t: string): Promise<string> => {
    const { uri, position } = await at(t);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
    return h ? (h.contents as MarkupContent).value : '';
  };
  test('instruction docs', async () => {
    assert.match(await hover('FROM alpine:3.20\nWORK|DIR /x\n'), /\*\*WORKDIR\*\*[\s\S]*working directory/);
  });
  test('flag and mount key docs', async () => {
    assert.match(await hover('FROM alpine:3.20\nCOPY --li|nk a /b\n'), /\*\*--link\*\*/);
    assert.match(await hover('FROM alpine:3.20\nRUN --mount=type=cache,shar|ing=locked,target=/x true\n'), /Cache sharing mode/);
  });
  test('resolved ARG and ENV values', async () => {
    assert.match(await hover('ARG V=1.2\nFROM alpine:$|V\n'), /ARG V=1\.2[\s\S]*line 1 \(global scope\)/);
    assert.match(await hover('ARG V=1.2\nFROM alpine:3.20\nARG V\nRUN echo $|V\n'), /ARG V=1\.2/);
    assert.match(await hover('FROM alpine:3.20 AS b\nENV P=/opt/x\nWORKDIR $|P\n'), /ENV P=\/opt\/x[\s\S]*stage b/);
  });
  test('base images: resolved name and registry link', async () => {
    assert.equal(await hover('ARG TAG=3.20\nFROM alp|ine:${TAG} AS a\n'), 'Base image `alpine:3.20`\n\n(`alpine:${TAG}` with the default ARG values)\n\n[https://hub.docker.com/_/alpine](https://hub.docker.com/_/alpine)');
  });
  test('signature help shows the instruction forms', async () => {
    const { uri, position } = await at('FROM alpine:3.20\nCOPY |');
    const s = await client.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri }, position });
    assert.ok(s);
    assert.match(s.signatures[0].label, /^COPY \[--from=/);
  });
});

describe('formatting', () => {
  const opts = { tabSize: 4, insertSpaces: true };
  test('document: instructions at column 0, continuations indented, trailing space removed, heredocs untouched', async () => {
    const text = '  FROM alpine:3.20   \nRUN a \\\nb \\\n        c\nRUN <<EOF\n    keep   \nEOF\n   # note\n';
    const { uri } = await at(text + '|');
    const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: opts });
    assert.equal(applyEdits(text, edits), 'FROM alpine:3.20\nRUN a \\\n    b \\\n    c\nRUN <<EOF\n    keep   \nEOF\n# note\n');
  });
  test('range formatting only touches the range', async () => {
    const text = '  FROM alpine:3.20\n  RUN true\n';
    const { uri } = await at(text + '|');
    const edits = await client.request<TextEdit[]>('textDocument/rangeFormatting', { textDocument: { uri }, options: opts, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } } });
    assert.equal(applyEdits(text, edits), '  FROM alpine:3.20\nRUN true\n');
  });
  test('on type: a new line after a continuation is indented', async () => {
    const { uri, text } = await at('FROM alpine:3.20\nRUN a \\\n|');
    const edits = await client.request<TextEdit[]>('textDocument/onTypeFormatting', { textDocument: { uri }, position: { line: 2, character: 0 }, ch: '\n', options: opts });
    assert.equal(applyEdits(text, edits), 'FROM alpine:3.20\nRUN a \\\n    ');
  });
  test('on type: a comment line is not a continuation, but the instruction above it may be; heredoc bodies are left alone', async () => {
    const onType = async (t: string): Promise<string> => {
      const { uri, text, position } = await at(t);
      const edits = await client.request<TextEdit[]>('textDocument/onTypeFormatting', { textDocument: { uri }, position, ch: '\n', options: opts });
      return applyEdits(text, edits);
    };
    assert.equal(await onType('FROM a\n# note \\\n|'), 'FROM a\n# note \\\n');
    assert.equal(await onType('# top \\\n|'), '# top \\\n');
    assert.equal(await onType('FROM a\nRUN a \\\n  # note\n|'), 'FROM a\nRUN a \\\n  # note\n    ');
    assert.equal(await onType('FROM a\nRUN a \\\n# one \\\n# two\n|'), 'FROM a\nRUN a \\\n# one \\\n# two\n    ');
    assert.equal(await onType('FROM a\nRUN <<EOF\necho a \\\n|'), 'FROM a\nRUN <<EOF\necho a \\\n');
    assert.equal(await onType('FROM a\nRUN <<EOF\necho a \\\n|\nEOF\n'), 'FROM a\nRUN <<EOF\necho a \\\n\nEOF\n');
    assert.equal(await onType('# escape=`\nFROM a\nRUN a `\n|'), '# escape=`\nFROM a\nRUN a `\n    ');
  });
  test('keepContinuationIndent keeps hand-indented continuation lines', async () => {
    const c = new TestClient();
    c.settings = { format: { keepContinuationIndent: true } };
    await c.start();
    try {
      const text = 'FROM alpine:3.20\nRUN a \\\n      && b  \n';
      await c.open('untitled:keep', text);
      const edits = await c.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: 'untitled:keep' }, options: opts });
      assert.equal(applyEdits(text, edits), 'FROM alpine:3.20\nRUN a \\\n      && b\n');
    } finally {
      await c.stop();
    }
  });
});

describe('symbols, tokens, folding, links', () => {
  test('document symbols: global ARGs then a tree of stages', async () => {
    const { uri } = await at('ARG V=1\nFROM alpine:3.20 AS build\nENV A=1 B=2\nRUN make\nFROM scratch\nCOPY --from=build /a /a\n|');
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(syms.map((s) => s.name), ['V', 'build', 'stage 1']);
    assert.deepEqual(syms[1].children?.map((s) => s.name), ['A', 'B', 'RUN']);
    assert.deepEqual(syms[2].children?.map((s) => s.name), ['COPY']);
  });

  test('semantic tokens full and range', async () => {
    const { uri } = await at('# syntax=docker/dockerfile:1\nARG V=1\nFROM alpine:$V AS build\nRUN --mount=type=cache,target=/x echo $V\n|');
    const full = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    assert.equal(full.data.length % 5, 0);
    // decode to (line, char, len, type)
    const decoded: number[][] = [];
    let line = 0;
    let ch = 0;
    for (let i = 0; i < full.data.length; i += 5) {
      line += full.data[i];
      ch = full.data[i] === 0 ? ch + full.data[i + 1] : full.data[i + 1];
      decoded.push([line, ch, full.data[i + 2], full.data[i + 3]]);
    }
    // directive (macro=8), ARG keyword (0), V declaration (2), FROM keyword, $V ref (2), AS (0), build (5), RUN, --mount (1), $V
    assert.deepEqual(decoded, [
      [0, 0, 28, 8], [1, 0, 3, 0], [1, 4, 1, 2], [2, 0, 4, 0], [2, 12, 2, 2], [2, 15, 2, 0], [2, 18, 5, 5],
      [3, 0, 3, 0], [3, 4, 7, 1], [3, 38, 2, 2],
    ]);
    const range = await client.request<SemanticTokens>('textDocument/semanticTokens/range', { textDocument: { uri }, range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } } });
    assert.deepEqual(range.data, [3, 0, 3, 0, 0, 0, 4, 7, 1, 0, 0, 34, 2, 2, 0]);
  });

  test('folding: stages, multi-line instructions, heredocs, comment blocks', async () => {
    const { uri } = await at('# a\n# b\nFROM alpine:3.20\nRUN a \\\n  b\nRUN <<EOF\nx\nEOF\n|');
    const f = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    const key = (r: FoldingRange): string => `${r.startLine}-${r.endLine}${r.kind ? ':' + r.kind : ''}`;
    assert.deepEqual(f.map(key).sort(), ['0-1:comment', '2-7:region', '3-4', '5-7'].sort());
  });

  test('inlay hints show the base image a FROM resolves to with the ARG defaults', async () => {
    const { uri } = await at('ARG BASE=debian\nARG TAG=12-slim\nFROM ${BASE}:${TAG:-latest} AS a\nFROM alpine:${V:-3.20}\nFROM $UNKNOWN\n|');
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 5, character: 0 } } });
    assert.deepEqual(hints.map((h) => [h.position.line, h.position.character, h.label]), [[2, 27, '= debian:12-slim'], [3, 22, '= alpine:3.20']]);
  });

  test('document links for image references', async () => {
    const { uri } = await at('FROM alpine:3.20 AS a\nFROM ghcr.io/org/img@sha256:' + 'a'.repeat(64) + '\nFROM a\nCOPY --from=nginx:1.27 /x /y\nFROM bitnami/redis:7\n|');
    const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } });
    assert.deepEqual(links.map((l) => [l.range.start.line, l.target]), [
      [0, 'https://hub.docker.com/_/alpine'], [1, 'https://ghcr.io/org/img'], [4, 'https://hub.docker.com/r/bitnami/redis'], [3, 'https://hub.docker.com/_/nginx'],
    ]);
  });
});

describe('navigation: definition, references, highlights, rename', () => {
  const text = 'ARG V=1\nFROM alpine:$V AS build\nARG V\nRUN echo $V ${V}\nFROM build AS final\nCOPY --from=build /a /b\nRUN --mount=from=build,target=/m true\nCOPY <<EOT /f\nhi\nEOT\n';
  let uri: string;
  before(async () => {
    uri = `untitled:nav-${++n}`;
    await client.open(uri, text);
  });
  const pos = (line: number, character: number) => ({ line, character });

  test('definition of an ARG use in a stage is the stage ARG; in FROM the global one', async () => {
    const d1 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(3, 10) });
    assert.deepEqual(d1.range.start, pos(2, 4));
    const d2 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(1, 13) });
    assert.deepEqual(d2.range.start, pos(0, 4));
  });

  test('definition of a stage reference is its AS name', async () => {
    const d = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(5, 13) });
    assert.deepEqual(d.range, { start: pos(1, 18), end: pos(1, 23) });
  });

  test('references of a global ARG follow it into stages that redeclare it', async () => {
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: pos(0, 4), context: { includeDeclaration: true } });
    assert.deepEqual(refs.map((r) => [r.range.start.line, r.range.start.character]), [[0, 4], [1, 13], [2, 4], [3, 10], [3, 14]]);
  });

  test('stage references: FROM, COPY --from, --mount from=', async () => {
    const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: pos(1, 20), context: { includeDeclaration: false } });
    assert.deepEqual(refs.map((r) => r.range.start.line), [4, 5, 6]);
  });

  test('heredoc name highlights its terminator', async () => {
    const hl = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', { textDocument: { uri }, position: pos(7, 8) });
    assert.deepEqual(hl.map((h) => [h.range.start.line, h.range.start.character, h.kind]), [[7, 7, 3], [9, 0, 2]]);
  });

  test('rename a stage updates all references', async () => {
    const prep = await client.request<Range>('textDocument/prepareRename', { textDocument: { uri }, position: pos(4, 6) });
    assert.deepEqual(prep, { start: pos(4, 5), end: pos(4, 10) });
    const e = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: pos(4, 6), newName: 'builder' });
    const out = applyEdits(text, e.changes?.[uri] ?? []);
    assert.equal(out, text.replace(/build(?=[ \n,])/g, 'builder'));
  });

  test('rename an ARG, and invalid names are refused', async () => {
    const e = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: pos(3, 15), newName: 'VERSION' });
    assert.equal(e.changes?.[uri]?.length, 5);
    await assert.rejects(client.request('textDocument/rename', { textDocument: { uri }, position: pos(3, 15), newName: '1-bad' }), /not a valid variable name/);
  });
});

describe('navigation: ENV variables', () => {
  const text = 'FROM alpine:3.20 AS a\nENV APP=/app OTHER=1\nWORKDIR $APP\nRUN echo ${APP} $OTHER\nENV APP=/srv\nRUN echo $APP\nFROM alpine:3.20\nENV APP=/b\nRUN echo $APP\n';
  let uri: string;
  before(async () => {
    uri = `untitled:nav-env-${++n}`;
    await client.open(uri, text);
  });
  const pos = (line: number, character: number) => ({ line, character });
  const starts = (ls: { range: Range }[]) => ls.map((l) => [l.range.start.line, l.range.start.character]);

  test('definition of an ENV use is the latest ENV of the name above it in the stage', async () => {
    const d1 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(2, 9) });
    assert.deepEqual(d1.range, { start: pos(1, 4), end: pos(1, 7) });
    const d2 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(3, 19) });
    assert.deepEqual(d2.range.start, pos(1, 13));
    const d3 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(5, 11) });
    assert.deepEqual(d3.range.start, pos(4, 4));
    const d4 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(8, 11) });
    assert.deepEqual(d4.range.start, pos(7, 4));
  });

  test('references of an ENV stay in its stage', async () => {
    const all = await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: pos(1, 5), context: { includeDeclaration: true } });
    assert.deepEqual(starts(all), [[1, 4], [2, 9], [3, 11], [4, 4], [5, 10]]);
    const uses = await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: pos(2, 9), context: { includeDeclaration: false } });
    assert.deepEqual(starts(uses), [[2, 9], [3, 11], [5, 10]]);
    const other = await client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: pos(8, 10), context: { includeDeclaration: true } });
    assert.deepEqual(starts(other), [[7, 4], [8, 10]]);
  });

  test('rename an ENV renames its definitions and uses in the stage only', async () => {
    const prep = await client.request<Range>('textDocument/prepareRename', { textDocument: { uri }, position: pos(3, 12) });
    assert.deepEqual(prep, { start: pos(3, 11), end: pos(3, 14) });
    const e = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: pos(3, 12), newName: 'ROOT' });
    assert.equal(applyEdits(text, e.changes?.[uri] ?? []),
      'FROM alpine:3.20 AS a\nENV ROOT=/app OTHER=1\nWORKDIR $ROOT\nRUN echo ${ROOT} $OTHER\nENV ROOT=/srv\nRUN echo $ROOT\nFROM alpine:3.20\nENV APP=/b\nRUN echo $APP\n');
  });
});

describe('navigation: heredoc names', () => {
  const text = 'FROM alpine:3.20\nRUN <<"EOF" cat\n$HOME\nEOF\nRUN <<-END sh\n\techo hi\n\tEND\nRUN <<A <<B cat - /dev/fd/3\na\nA\nb\nB\n';
  let uri: string;
  before(async () => {
    uri = `untitled:nav-heredoc-${++n}`;
    await client.open(uri, text);
  });
  const pos = (line: number, character: number) => ({ line, character });
  const spans = (ls: { range: Range }[]) => ls.map((l) => [l.range.start.line, l.range.start.character, l.range.end.character]);
  const refs = (p: { line: number; character: number }, includeDeclaration = true) =>
    client.request<Location[]>('textDocument/references', { textDocument: { uri }, position: p, context: { includeDeclaration } });

  test('definition from the terminator is the name after <<, inside quotes and after <<-', async () => {
    const d1 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(3, 1) });
    assert.deepEqual(d1.range, { start: pos(1, 7), end: pos(1, 10) });
    const d2 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(6, 2) });
    assert.deepEqual(d2.range, { start: pos(4, 7), end: pos(4, 10) });
    const d3 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(11, 0) });
    assert.deepEqual(d3.range, { start: pos(7, 10), end: pos(7, 11) });
    const d4 = await client.request<Location>('textDocument/definition', { textDocument: { uri }, position: pos(9, 0) });
    assert.deepEqual(d4.range, { start: pos(7, 6), end: pos(7, 7) });
  });

  test('references of a heredoc name: its name and its terminator', async () => {
    assert.deepEqual(spans(await refs(pos(1, 8))), [[1, 7, 10], [3, 0, 3]]);
    assert.deepEqual(spans(await refs(pos(4, 8))), [[4, 7, 10], [6, 1, 4]]);
    assert.deepEqual(spans(await refs(pos(7, 10))), [[7, 10, 11], [11, 0, 1]]);
    assert.deepEqual(spans(await refs(pos(7, 6))), [[7, 6, 7], [9, 0, 1]]);
    assert.deepEqual(spans(await refs(pos(11, 0), false)), [[11, 0, 1]]);
  });

  test('rename a heredoc renames its name (keeping quotes and <<-) and its terminator', async () => {
    const rename = async (p: { line: number; character: number }, newName: string): Promise<string> => {
      const e = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: p, newName });
      return applyEdits(text, e.changes?.[uri] ?? []);
    };
    assert.equal(await rename(pos(3, 0), 'DONE'), text.replace('"EOF"', '"DONE"').replace('\nEOF\n', '\nDONE\n'));
    assert.equal(await rename(pos(4, 8), 'STOP'), text.replace('<<-END', '<<-STOP').replace('\tEND', '\tSTOP'));
    assert.equal(await rename(pos(7, 10), 'C'), text.replace('<<B', '<<C').replace('\nB\n', '\nC\n'));
    await assert.rejects(client.request('textDocument/rename', { textDocument: { uri }, position: pos(7, 10), newName: 'a b' }), /not a valid heredoc name/);
  });
});

describe('code actions', () => {
  test('quick fix for a rule and "suppress this rule"', async () => {
    const text = 'FROM alpine:3.20 AS Build\nEXPOSE 80/TCP\n';
    const uri = `untitled:ca-${++n}`;
    const ds = await client.open(uri, text);
    const d = ds.find((x) => x.code === 'ExposeProtoCasing');
    assert.ok(d);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    assert.deepEqual(actions.map((a) => a.title), ["Change to 'tcp'", 'Suppress ExposeProtoCasing for this instruction', 'Skip BuildKit check ExposeProtoCasing in this file']);
    assert.equal(applyEdits(text, actions[0].edit?.changes?.[uri] ?? []), 'FROM alpine:3.20 AS Build\nEXPOSE 80/tcp\n');
    const suppressed = applyEdits(text, actions[1].edit?.changes?.[uri] ?? []);
    assert.equal(suppressed, 'FROM alpine:3.20 AS Build\n# berth-ignore ExposeProtoCasing\nEXPOSE 80/TCP\n');
    const ds2 = await client.open(`untitled:ca-${++n}`, suppressed);
    assert.ok(!ds2.some((x) => x.code === 'ExposeProtoCasing'));
    const skipped = applyEdits(text, actions[2].edit?.changes?.[uri] ?? []);
    assert.equal(skipped, '# check=skip=ExposeProtoCasing\nFROM alpine:3.20 AS Build\nEXPOSE 80/TCP\n');
  });

  test('JSON form conversion and MAINTAINER replacement', async () => {
    const text = 'FROM alpine:3.20\nMAINTAINER Jane <j@x>\nCMD my-app --serve\n';
    const uri = `untitled:ca-${++n}`;
    const ds = await client.open(uri, text);
    const all: TextEdit[] = [];
    for (const code of ['MaintainerDeprecated', 'JSONArgsRecommended']) {
      const d = ds.find((x) => x.code === code);
      assert.ok(d, code);
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      all.push(...(actions[0].edit?.changes?.[uri] ?? []));
    }
    assert.equal(applyEdits(text, all), 'FROM alpine:3.20\nLABEL org.opencontainers.image.authors="Jane <j@x>"\nCMD ["my-app", "--serve"]\n');
  });
});

describe('quick fixes produce the expected text', () => {
  const cases: [string, string, string][] = [
    ['StageNameCasing', 'FROM alpine:3.20 AS Build\n', 'FROM alpine:3.20 AS build\n'],
    ['FromAsCasing', 'FROM alpine:3.20 as build\n', 'FROM alpine:3.20 AS build\n'],
    ['ConsistentInstructionCasing', 'FROM alpine:3.20\nRUN a\nrun b\n', 'FROM alpine:3.20\nRUN a\nRUN b\n'],
    ['LegacyKeyValueFormat', 'FROM alpine:3.20\nENV GREETING hello world\n', 'FROM alpine:3.20\nENV GREETING="hello world"\n'],
    ['ExposeInvalidFormat', 'FROM alpine:3.20\nEXPOSE 8080:80\n', 'FROM alpine:3.20\nEXPOSE 80\n'],
    ['RedundantTargetPlatform', 'FROM --platform=$TARGETPLATFORM alpine:3.20\n', 'FROM alpine:3.20\n'],
    ['CopyOverAdd', 'FROM alpine:3.20\nADD app /app\n', 'FROM alpine:3.20\nCOPY app /app\n'],
    ['UnknownInstruction', 'FROM alpine:3.20\nCOPPY a /b\n', 'FROM alpine:3.20\nCOPY a /b\n'],
    ['InvalidFlag', 'FROM alpine:3.20\nCOPY --chmdo=0755 a /b\n', 'FROM alpine:3.20\nCOPY --chmod=0755 a /b\n'],
  ];
  for (const [code, text, expected] of cases) {
    test(code, async () => {
      const uri = `untitled:fix-${++n}`;
      const ds = await client.open(uri, text);
      const d = ds.find((x) => x.code === code);
      assert.ok(d, `${code} not reported: ${JSON.stringify(ds.map((x) => x.code))}`);
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      assert.ok(actions[0]?.edit, 'no quick fix');
      assert.equal(applyEdits(text, actions[0].edit.changes?.[uri] ?? []), expected);
    });
  }
});

describe('robustness', () => {
  test('requests on unknown documents return empty answers and the server stays up', async () => {
    const uri = 'untitled:never-opened';
    assert.deepEqual(await client.request('textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 0 } }), []);
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
    assert.deepEqual(await client.request('textDocument/semanticTokens/full', { textDocument: { uri } }), { data: [] });
    assert.equal(client.proc.exitCode, null);
  });
  test('positions past the end of the document are clamped', async () => {
    const { uri } = await at('FROM alpine:3.20|');
    const r = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: { line: 99, character: 99 } });
    assert.ok(Array.isArray(r));
    assert.deepEqual(client.failures(), []);
  });
});
