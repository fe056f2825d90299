/** Quick fixes of the rules over real JSON-RPC: each fix is applied and the resulting text checked. */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { applyEdits, TestClient } from './client';

let client: TestClient;
let n = 0;

before(async () => {
  client = new TestClient();
  await client.start();
});
after(async () => {
  await client.stop();
});

/** Opens `text`, finds the `code` diagnostic and returns its code actions. */
async function actionsFor(text: string, code: string): Promise<{ uri: string; d: Diagnostic; actions: CodeAction[] }> {
  const uri = `untitled:fixes-${++n}`;
  const ds = await client.open(uri, text);
  const d = ds.find((x) => x.code === code);
  assert.ok(d, `${code} not reported: ${JSON.stringify(ds.map((x) => `${x.code}: ${x.message}`))}`);
  const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  return { uri, d, actions };
}

describe('quick fixes: the edit gives the expected text and the diagnostic goes away', () => {
  const cases: [string, string, string, string][] = [
    // rule, text, fix title, text after the fix
    ['UndefinedVar', 'FROM scratch\nENV PATH_A=/a\nCOPY x $PATHA\n', 'Change to $PATH_A', 'FROM scratch\nENV PATH_A=/a\nCOPY x $PATH_A\n'],
    ['UndefinedVar', 'FROM scratch\nENV PATH_A=/a\nCOPY x ${PATHA}/y /z\n', 'Change to $PATH_A', 'FROM scratch\nENV PATH_A=/a\nCOPY x ${PATH_A}/y /z\n'],
    ['UndefinedArgInFrom', 'ARG VERSION=1\nFROM alpine:$VERSON\n', 'Change to VERSION', 'ARG VERSION=1\nFROM alpine:$VERSION\n'],
    ['AptGetYes',
      'FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n', 'Add -y to apt-get install',
      'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n'],
    // the command that lacks -y gets it, not the first apt-get install
    ['AptGetYes',
      'FROM debian:12\nRUN apt-get install -y --no-install-recommends a && apt-get install --no-install-recommends b && rm -rf /var/lib/apt/lists/*\n', 'Add -y to apt-get install',
      'FROM debian:12\nRUN apt-get install -y --no-install-recommends a && apt-get install -y --no-install-recommends b && rm -rf /var/lib/apt/lists/*\n'],
    ['AptGetYes',
      'FROM debian:12\nRUN apt-get update \\\n && apt-get install \\\n      --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n', 'Add -y to apt-get install',
      'FROM debian:12\nRUN apt-get update \\\n && apt-get install -y \\\n      --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n'],
    ['AptNoInstallRecommends',
      'FROM debian:12\nRUN apt-get update && apt-get \\\n  install -y curl && rm -rf /var/lib/apt/lists/*\n', 'Add --no-install-recommends to apt-get install',
      'FROM debian:12\nRUN apt-get update && apt-get \\\n  install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n'],
    ['AptGetYes',
      'FROM debian:12\nRUN <<EOF\napt-get update\napt-get install --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\nEOF\n', 'Add -y to apt-get install',
      'FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\nEOF\n'],
    ['AptNoInstallRecommends',
      'FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n', 'Add --no-install-recommends to apt-get install',
      'FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n'],
    ['ApkNoCache', 'FROM alpine:3.20\nRUN apk update && apk add curl\n', 'Add --no-cache to apk add', 'FROM alpine:3.20\nRUN apk update && apk add --no-cache curl\n'],
    ['ApkNoCache', 'FROM alpine:3.20\nRUN apk add --no-cache a; apk  add b\n', 'Add --no-cache to apk add', 'FROM alpine:3.20\nRUN apk add --no-cache a; apk  add --no-cache b\n'],
    ['PipNoCacheDir', 'FROM python:3.12\nRUN pip install -r requirements.txt\n', 'Add --no-cache-dir to pip install', 'FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt\n'],
    ['PipNoCacheDir', 'FROM python:3.12\nRUN python -m pip3 install x\n', 'Add --no-cache-dir to pip install', 'FROM python:3.12\nRUN python -m pip3 install --no-cache-dir x\n'],
    ['NoEmptyContinuation', 'FROM alpine:3.20\nRUN echo a \\\n\n  b\n', 'Delete the empty line', 'FROM alpine:3.20\nRUN echo a \\\n  b\n'],
    ['NoEmptyContinuation', 'FROM alpine:3.20\nRUN echo a \\\n  \n  b \\\n# note\n\n  c\nRUN x\n', 'Delete the 2 empty lines', 'FROM alpine:3.20\nRUN echo a \\\n  b \\\n# note\n  c\nRUN x\n'],
    ['NoEmptyContinuation', 'FROM alpine:3.20\r\nRUN echo a \\\r\n\r\n  b\r\n', 'Delete the empty line', 'FROM alpine:3.20\r\nRUN echo a \\\r\n  b\r\n'],
    // the blank line of a heredoc body is content, not a continuation
    ['NoEmptyContinuation', 'FROM alpine:3.20\nRUN cat <<EOF \\\n\n  > /x\na\n\nb\nEOF\n', 'Delete the empty line', 'FROM alpine:3.20\nRUN cat <<EOF \\\n  > /x\na\n\nb\nEOF\n'],
    // ONBUILD triggers are checked and fixed too
    ['ApkNoCache', 'FROM alpine:3.20\nONBUILD RUN apk add curl\n', 'Add --no-cache to apk add', 'FROM alpine:3.20\nONBUILD RUN apk add --no-cache curl\n'],
  ];
  for (const [code, text, title, expected] of cases) {
    test(`${code}: ${JSON.stringify(expected.split('\n').find((l, i) => l !== text.split('\n')[i]) ?? '')}`, async () => {
      const { uri, actions } = await actionsFor(text, code);
      assert.equal(actions[0]?.title, title, JSON.stringify(actions.map((a) => a.title)));
      assert.equal(actions[0].isPreferred, true);
      const fixed = applyEdits(text, actions[0].edit?.changes?.[uri] ?? []);
      assert.equal(fixed, expected);
      const after = await client.open(`untitled:fixes-${++n}`, fixed);
      assert.deepEqual(after.filter((x) => x.code === code).map((x) => x.message), []);
    });
  }
});

describe('no quick fix where there is no obvious one', () => {
  const cases: [string, string][] = [
    // no close name to suggest (the stage is on scratch, so the variable is certainly undefined)
    ['UndefinedVar', 'FROM scratch\nCOPY x $NOTHING_LIKE_IT\n'],
    ['UndefinedArgInFrom', 'FROM alpine:$NOTHING_LIKE_IT\n'],
    // JSON form: the words are quoted strings, inserting a flag would break them
    ['AptGetYes', 'FROM debian:12\nRUN ["apt-get", "install", "--no-install-recommends", "curl"]\n'],
    ['ApkNoCache', 'FROM alpine:3.20\nRUN ["apk", "add", "curl"]\n'],
  ];
  for (const [code, text] of cases) {
    test(code, async () => {
      const { actions } = await actionsFor(text, code);
      assert.ok(actions.length > 0);
      assert.ok(actions.every((a) => a.title.startsWith('Suppress ') || a.title.startsWith('Skip BuildKit check ')), JSON.stringify(actions.map((a) => a.title)));
    });
  }
});
