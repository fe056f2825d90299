/**
 * The TextMate grammar (syntaxes/dockerfile.tmLanguage.json), tokenized with the same
 * engine VS Code uses (vscode-textmate + vscode-oniguruma), against fixture files in
 * test/fixtures/grammar/. Each `<name>.dockerfile` has a `<name>.expect` file of lines
 *   <line> `<text>`[#<nth>] <scope> ... !<scope> ...   (or '<text>', for text with a backtick)
 * meaning: every token overlapping the nth occurrence of <text> on that (1-based) line
 * carries each listed scope and none of the `!` ones.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'grammar');
const GRAMMAR = path.join(ROOT, 'syntaxes', 'dockerfile.tmLanguage.json');

interface Expectation { line: number; text: string; nth: number; has: string[]; hasNot: string[]; raw: string }

function parseExpect(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!raw.trim() || raw.startsWith('#')) continue;
    const m = /^(\d+) (?:`([^`]+)`|'([^']+)')(?:#(\d+))? (.+)$/.exec(raw);
    if (!m) throw new Error(`bad expectation line in ${file}: ${raw}`);
    const scopes = m[5].trim().split(/\s+/);
    out.push({
      line: Number(m[1]), text: m[2] ?? m[3], nth: m[4] ? Number(m[4]) : 1, raw,
      has: scopes.filter((s) => !s.startsWith('!')),
      hasNot: scopes.filter((s) => s.startsWith('!')).map((s) => s.slice(1)),
    });
  }
  return out;
}

interface Tokenized { lines: string[]; tokens: vsctm.IToken[][]; endState: vsctm.StateStack }

function tokenize(grammar: vsctm.IGrammar, text: string): Tokenized {
  const lines = text.replace(/\n$/, '').split('\n');
  let state = vsctm.INITIAL;
  const tokens: vsctm.IToken[][] = [];
  for (const line of lines) {
    const r = grammar.tokenizeLine(line, state);
    tokens.push(r.tokens);
    state = r.ruleStack;
  }
  return { lines, tokens, endState: state };
}

let registry: vsctm.Registry;
let grammar: vsctm.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(path.join(ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files: Record<string, string> = {
    'source.dockerfile': GRAMMAR,
    'source.shell': path.join(FIXTURES, 'shell-stub.tmLanguage.json'),
    'source.python': path.join(FIXTURES, 'python-stub.tmLanguage.json'),
    'source.js': path.join(FIXTURES, 'javascript-stub.tmLanguage.json'),
  };
  registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      const file = files[scopeName];
      return file ? vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
    },
  });
  const g = await registry.loadGrammar('source.dockerfile');
  assert.ok(g, 'grammar loads');
  grammar = g;
});

const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.dockerfile')).sort();

describe('dockerfile grammar', () => {
  it('the JSON grammar is what syntaxes/dockerfile.tmLanguage.mjs generates', () => {
    const generated = execFileSync(process.execPath, [path.join(ROOT, 'syntaxes', 'dockerfile.tmLanguage.mjs')], { encoding: 'utf8' });
    assert.equal(fs.readFileSync(GRAMMAR, 'utf8'), generated, 'run: node syntaxes/dockerfile.tmLanguage.mjs > syntaxes/dockerfile.tmLanguage.json');
  });

  it('has fixtures to check', () => {
    assert.ok(fixtures.length >= 5, `fixtures found: ${fixtures.join(', ')}`);
  });

  for (const fixture of fixtures) {
    const base = fixture.replace(/\.dockerfile$/, '');
    it(`${base}: every expected scope is there`, () => {
      const t = tokenize(grammar, fs.readFileSync(path.join(FIXTURES, fixture), 'utf8'));
      const failures: string[] = [];
      for (const e of parseExpect(path.join(FIXTURES, `${base}.expect`))) {
        const line = t.lines[e.line - 1];
        assert.ok(line !== undefined, `${e.raw}: no line ${e.line}`);
        let at = -1;
        for (let i = 0; i < e.nth; i++) at = line.indexOf(e.text, at + 1);
        if (at < 0) { failures.push(`${e.raw}: text not found on the line`); continue; }
        const end = at + e.text.length;
        const overlapping = t.tokens[e.line - 1].filter((tok) => tok.startIndex < end && tok.endIndex > at);
        for (const tok of overlapping) {
          const got = tok.scopes;
          const missing = e.has.filter((s) => !got.includes(s));
          const unwanted = e.hasNot.filter((s) => got.includes(s));
          if (missing.length || unwanted.length) {
            const piece = line.slice(tok.startIndex, tok.endIndex);
            failures.push(`${e.raw}\n    token ${JSON.stringify(piece)} has [${got.join(' ')}]` +
              (missing.length ? `\n    missing ${missing.join(' ')}` : '') + (unwanted.length ? `\n    unwanted ${unwanted.join(' ')}` : ''));
          }
        }
      }
      assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
    });

    it(`${base}: every rule is closed at the end of the file`, () => {
      // An instruction appended to the file is highlighted as one: nothing (a heredoc,
      // a string, a continuation) runs on past the fixture's last line.
      const text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
      const t = tokenize(grammar, `${text}FROM probe\n`);
      const last = t.lines.length - 1;
      const from = t.tokens[last].find((tok) => tok.startIndex === 0);
      assert.ok(from?.scopes.includes('keyword.other.instruction.dockerfile'), `appended FROM: ${from?.scopes.join(' ')}`);
      assert.equal(from?.endIndex, 4);
    });
  }

  it('an unterminated heredoc runs to the end of the file', () => {
    const t = tokenize(grammar, 'FROM a\nRUN <<EOF\necho "x\nFROM b\n');
    assert.ok(!t.tokens[3][0].scopes.includes('keyword.other.instruction.dockerfile'));
    assert.ok(t.endState.depth > 1);
  });

  it('an unbalanced quote in a heredoc body ends with the heredoc', () => {
    const t = tokenize(grammar, 'RUN <<EOF\necho "x\nEOF\nFROM b\n');
    const scopesOf = (line: number, text: string) => t.tokens[line].find((tok) => t.lines[line].slice(tok.startIndex, tok.endIndex) === text)?.scopes ?? [];
    assert.ok(scopesOf(1, 'x').includes('string.quoted.double.shell'), 'the quote opens a shell string');
    assert.ok(scopesOf(2, 'EOF').includes('entity.name.tag.heredoc.dockerfile'), `terminator: ${scopesOf(2, 'EOF').join(' ')}`);
    assert.ok(scopesOf(3, 'FROM').includes('keyword.other.instruction.dockerfile'), `next instruction: ${scopesOf(3, 'FROM').join(' ')}`);
  });

  it('the same text in a later instruction after a heredoc is highlighted again', () => {
    const t = tokenize(grammar, 'RUN <<X\nFROM y\nX\nFROM z\n');
    const from = (line: number) => t.tokens[line].find((tok) => t.lines[line].slice(tok.startIndex, tok.endIndex) === 'FROM');
    assert.ok(!from(1)?.scopes.includes('keyword.other.instruction.dockerfile'));
    assert.ok(from(3)?.scopes.includes('keyword.other.instruction.dockerfile'));
  });
});
