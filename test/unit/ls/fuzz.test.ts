/**
 * Bad input never crashes or hangs: random and mutated Dockerfiles, binary data, 1 MB
 * lines, unterminated heredocs and deep nesting. In-process through every service
 * feature for a bounded time, then the nastiest inputs over JSON-RPC to the real server.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LanguageService } from '../../../language-server/service/service';
import { TestClient } from './client';
import { SHARED } from './paths';

/** Deterministic PRNG so a failure can be replayed from the seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  'FROM ', 'RUN ', 'COPY ', 'ADD ', 'ENV ', 'ARG ', 'LABEL ', 'ONBUILD ', 'HEALTHCHECK ', 'CMD ', 'SHELL ', 'EXPOSE ',
  '--mount=type=cache,target=/x', '--from=', '--platform=$BUILDPLATFORM ', ' AS ', '\\\n', '`\n', '\n', '\n\n', '#', '# escape=`\n',
  '# check=skip=all;error=true\n', '<<EOF', '<<-"EOF"', '\nEOF\n', '$', '${', '}', '${A:-${B}}', '[', ']', '"', "'", '=', ',', ' ', '\t',
  '\r\n', '\u0000', '\uffff', '\ud800', '😀', 'é', 'a', 'b=c', '80/TCP', '1.2.3.4:80:80',
];

function randomDoc(r: () => number): string {
  const n = Math.floor(r() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += FRAGMENTS[Math.floor(r() * FRAGMENTS.length)];
  return s;
}

function mutate(base: string, r: () => number): string {
  let s = base;
  const k = 1 + Math.floor(r() * 8);
  for (let i = 0; i < k; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.3) s = s.slice(0, at) + s.slice(at + Math.floor(r() * 20));
    else if (op < 0.7) s = s.slice(0, at) + FRAGMENTS[Math.floor(r() * FRAGMENTS.length)] + s.slice(at);
    else s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0x10000)) + s.slice(at);
  }
  return s;
}

function nasty(): Record<string, string> {
  const bin = Array.from({ length: 64 * 1024 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
  return {
    binary: bin,
    longLine: 'FROM alpine\nRUN ' + 'apt-get install x | '.repeat(50_000) + '\n',
    longWord: 'FROM ' + 'a'.repeat(1 << 20) + '\n',
    longContinuation: 'FROM a\nRUN a \\\n' + ' b \\\n'.repeat(50_000) + ' c\n',
    unterminatedHeredocs: 'FROM a\n' + 'RUN <<A <<B <<C\n'.repeat(1000),
    deepVars: 'FROM a\nENV X=' + '${A:-'.repeat(20_000) + '}'.repeat(20_000) + '\n',
    deepJson: 'FROM a\nCMD ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n',
    manyStages: Array.from({ length: 3000 }, (_, i) => `FROM s${i} AS s${i + 1}\nCOPY --from=s${i} /a /b\n`).join(''),
    onlyEscapes: '\\\n'.repeat(100_000),
    manyDollars: 'FROM a\nRUN ' + '$'.repeat(200_000) + '\n',
    quotes: 'FROM a\nENV A="' + "'\"".repeat(100_000) + '\n',
  };
}

/** Every service feature at a few positions. */
function exercise(svc: LanguageService, text: string, id: number): void {
  const doc = { uri: `untitled:fuzz-${id}`, version: 1, getText: () => text };
  svc.diagnostics(doc, ['*.log', '!keep.log', '**/x']);
  const lines = text.split('\n').length;
  const positions = [{ line: 0, character: 0 }, { line: Math.floor(lines / 2), character: 3 }, { line: lines - 1, character: 1_000_000 }, { line: lines + 5, character: 0 }];
  const opts = { tabSize: 4, insertSpaces: true };
  for (const p of positions) {
    svc.completion(doc, p);
    svc.hover(doc, p);
    svc.signatureHelp(doc, p);
    svc.definition(doc, p);
    svc.references(doc, p, true);
    svc.highlights(doc, p);
    svc.prepareRename(doc, p);
    try {
      svc.rename(doc, p, 'NEW_NAME');
    } catch {
      // a refused name is an answer, not a crash
    }
    svc.formatOnType(doc, p, '\n', opts);
  }
  svc.format(doc, opts);
  svc.format(doc, opts, { start: { line: 1, character: 0 }, end: { line: 3, character: 0 } });
  svc.documentSymbols(doc);
  const tokens = svc.semanticTokens(doc);
  assert.equal(tokens.data.length % 5, 0);
  // tokens are sorted, single-line, non-overlapping and non-empty
  let prevLen = 0;
  for (let k = 0; k < tokens.data.length; k += 5) {
    const [dl, ds, len] = [tokens.data[k], tokens.data[k + 1], tokens.data[k + 2]];
    assert.ok(dl >= 0 && ds >= 0 && len > 0, `bad token at ${k}`);
    if (dl === 0 && k > 0) assert.ok(ds >= prevLen, `overlapping token at ${k}`);
    prevLen = len;
  }
  // formatting edits never overlap
  const edits = svc.format(doc, opts).map((e) => [e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character]);
  for (let k = 1; k < edits.length; k++) {
    const [a, b] = [edits[k - 1], edits[k]];
    assert.ok(b[0] > a[2] || (b[0] === a[2] && b[1] >= a[3]), 'overlapping format edits');
  }
  svc.semanticTokens(doc, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
  svc.folding(doc);
  svc.links(doc);
  svc.inlayHints(doc, { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } });
  svc.codeActions(doc, svc.diagnostics(doc).slice(0, 5));
  svc.close(doc.uri);
}

// the timeouts only turn a hang into a failure; they are not performance assertions
test('in-process: random, mutated and nasty documents through every feature', { timeout: 300_000 }, () => {
  const svc = new LanguageService();
  const corpus: string[] = [];
  const root = path.join(SHARED, 'conformance', 'buildkit-parser', 'testfiles');
  for (const c of fs.readdirSync(root)) corpus.push(fs.readFileSync(path.join(root, c, 'Dockerfile'), 'utf8'));
  let id = 0;
  for (const [name, text] of Object.entries(nasty())) {
    try {
      exercise(svc, text, id++);
    } catch (e) {
      assert.fail(`${name}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  const seed = Number(process.env.BERTH_FUZZ_SEED ?? 12345);
  const r = rng(seed);
  const deadline = Date.now() + Number(process.env.BERTH_FUZZ_MS ?? 4000);
  let runs = 0;
  while (Date.now() < deadline || runs < 200) {
    const text = r() < 0.5 ? randomDoc(r) : mutate(corpus[Math.floor(r() * corpus.length)], r);
    try {
      exercise(svc, text, id++);
    } catch (e) {
      assert.fail(`seed ${seed} run ${runs}: ${JSON.stringify(text.slice(0, 500))}\n${e instanceof Error ? e.stack : String(e)}`);
    }
    runs++;
  }
  assert.ok(runs >= 200);
});

test('over JSON-RPC: the server answers after every nasty document', { timeout: 300_000 }, async () => {
  const client = new TestClient();
  await client.start();
  try {
    let i = 0;
    for (const [name, text] of Object.entries(nasty())) {
      const uri = `untitled:nasty-${i++}`;
      await client.open(uri, text);
      const sym = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.ok(Array.isArray(sym), name);
      const tok = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri } });
      assert.equal(tok.data.length % 5, 0, name);
      await client.request('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 5 } });
      await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
      await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    }
    assert.equal(client.proc.exitCode, null, client.stderr);
    assert.deepEqual(client.failures(), []);
    const r = await client.request<unknown[]>('textDocument/completion', { textDocument: { uri: 'untitled:nasty-0' }, position: { line: 0, character: 0 } });
    assert.deepEqual(r, []);
  } finally {
    await client.stop();
  }
});
