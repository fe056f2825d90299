import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from '../../../language-server/syntax/parser';
import { dump } from '../../../language-server/syntax/dump';
import { SHARED } from './paths';

const ROOT = path.join(SHARED, 'conformance', 'buildkit-parser');

const cases = fs.readdirSync(path.join(ROOT, 'testfiles')).sort();

test('there are 33 BuildKit parser cases', () => {
  assert.equal(cases.length, 33);
});

for (const c of cases) {
  test(`buildkit testfiles/${c}`, () => {
    const dir = path.join(ROOT, 'testfiles', c);
    const text = fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const expected = fs.readFileSync(path.join(dir, 'result'), 'utf8');
    const df = parse(text);
    assert.deepEqual(df.errors, []);
    assert.equal(dump(df), expected);
  });
}

const negative = fs.readdirSync(path.join(ROOT, 'testfiles-negative')).sort();

test('there are 4 BuildKit negative parser cases', () => {
  assert.equal(negative.length, 4);
});

for (const c of negative) {
  test(`buildkit testfiles-negative/${c} fails to parse`, () => {
    const text = fs.readFileSync(path.join(ROOT, 'testfiles-negative', c, 'Dockerfile'), 'utf8');
    const df = parse(text);
    assert.ok(df.errors.length > 0, 'expected a parse error');
  });
}

test('buildkit testfile-line: instruction line numbers', () => {
  const text = fs.readFileSync(path.join(ROOT, 'testfile-line', 'Dockerfile'), 'utf8');
  const df = parse(text);
  assert.deepEqual(df.errors, []);
  // BuildKit's 1-based StartLine/EndLine
  assert.deepEqual(
    df.instructions.map((i) => [i.startLine + 1, i.endLine + 1]),
    [[5, 5], [11, 12], [17, 31]],
  );
});
