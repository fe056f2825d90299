/** Parser behaviour beyond the BuildKit conformance dump: heredocs, ranges, tolerance. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parse } from '../../../language-server/syntax/parser';
import { dump } from '../../../language-server/syntax/dump';
import { LanguageService } from '../../../language-server/service/service';

const slice = (text: string, s: { start: number; end: number }): string => text.slice(s.start, s.end);

test('directiveEnd: the first line that is not a parser directive', () => {
  assert.equal(parse('#!/bin/x\n# syntax=a\n# check=skip=A\nFROM a\n').directiveEnd, 3);
  // a duplicate is an error but still a directive line; a blank line, another comment or an unknown name ends them
  assert.equal(parse('# syntax=a\n# syntax=b\n\n# escape=`\nFROM a\n').directiveEnd, 2);
  assert.equal(parse('# note\n# syntax=a\nFROM a\n').directiveEnd, 0);
  assert.equal(parse('# foo=bar\nFROM a\n').directiveEnd, 0);
  // a file of directives only: all its lines (the last, empty one ends them)
  assert.equal(parse('# syntax=a').directiveEnd, 1);
});

test('heredoc: body, expansion and the next instruction', () => {
  const t = 'FROM alpine\nRUN <<EOF\necho $HOME\nEOF\nRUN true\n';
  const df = parse(t);
  assert.deepEqual(df.errors, []);
  const h = df.instructions[1].heredocs[0];
  assert.equal(h.name, 'EOF');
  assert.equal(h.content, 'echo $HOME\n');
  assert.equal(h.expand, true);
  assert.equal(h.chomp, false);
  assert.equal(slice(t, h.terminatorSpan!), 'EOF');
  assert.deepEqual([df.instructions[1].startLine, df.instructions[1].endLine], [1, 3]);
  assert.equal(dump(df), '(from "alpine")\n(run "<<EOF")\n(run "true")\n');
});

test('heredoc: <<- strips tabs for the terminator, quoted delimiter disables expansion', () => {
  const t = 'FROM alpine\nRUN <<-"END"\n\techo hi\n\tEND\n';
  const h = parse(t).instructions[1].heredocs[0];
  assert.equal(h.name, 'END');
  assert.equal(h.chomp, true);
  assert.equal(h.expand, false);
  assert.equal(h.content, '\techo hi\n');
});

test('several heredocs on one line, RUN and COPY', () => {
  const t = "FROM alpine\nCOPY <<A <<'B' /dst/\na\nA\nb\nB\nRUN cat <<X > /x && cat <<Y > /y\nx\nX\ny\nY\nUSER me\n";
  const df = parse(t);
  assert.deepEqual(df.errors, []);
  assert.deepEqual(df.instructions[1].heredocs.map((h) => [h.name, h.content, h.expand]), [['A', 'a\n', true], ['B', 'b\n', false]]);
  assert.deepEqual(df.instructions[2].heredocs.map((h) => h.name), ['X', 'Y']);
  assert.equal(df.instructions[3].name, 'USER');
});

test('heredocs are not recognised in JSON form or other instructions', () => {
  const df = parse('FROM alpine\nENV A=<<EOF\nRUN ["cat", "<<EOF"]\n');
  assert.deepEqual(df.errors, []);
  assert.equal(df.instructions.length, 3);
});

test('unterminated heredoc is an error and takes the rest of the file', () => {
  const df = parse('FROM alpine\nRUN <<EOF\necho\nRUN more\n');
  assert.equal(df.errors[0].code, 'UnterminatedHeredoc');
  assert.equal(df.instructions.length, 2);
});

test('ranges: keyword, flags, flag values and words across a continuation', () => {
  const t = 'FROM alpine\ncopy --from=build \\\n  --chmod=755 src /dst\n';
  const i = parse(t).instructions[1];
  assert.equal(slice(t, i.keywordSpan), 'copy');
  assert.equal(i.name, 'COPY');
  assert.deepEqual(i.flags.map((f) => [slice(t, f), f.name, f.value, slice(t, f.valueSpan!)]), [
    ['--from=build', 'from', 'build', 'build'], ['--chmod=755', 'chmod', '755', '755'],
  ]);
  assert.deepEqual(i.args.map((a) => slice(t, a)), ['src', '/dst']);
  assert.equal(slice(t, i), 'copy --from=build \\\n  --chmod=755 src /dst');
});

test('ENV pairs keep ranges for keys and values', () => {
  const t = 'FROM a\nENV A=1 B="two words"\n';
  const i = parse(t).instructions[1];
  assert.deepEqual(i.pairs.map((p) => [slice(t, p.key), slice(t, p.value!), p.value!.value]), [['A', '1', '1'], ['B', '"two words"', '"two words"']]);
});

test('escape directive switches continuation and word escapes', () => {
  const t = '# escape=`\nFROM windows\nRUN dir `\n  c:\\\nENV P=c:\\x\n';
  const df = parse(t);
  assert.equal(df.escape, '`');
  assert.equal(dump(df), '(from "windows")\n(run "dir   c:\\\\")\n(env "P" "c:\\\\x" "=")\n');
});

test('directives are only recognised at the top', () => {
  const df = parse('FROM a\n# escape=`\n');
  assert.deepEqual(df.directives, []);
  assert.equal(parse('# syntax=x\n# check=skip=all\nFROM a\n').directives.map((d) => d.name).join(','), 'syntax,check');
});

test('ONBUILD nests its trigger with ranges', () => {
  const t = 'FROM a\nONBUILD RUN --mount=type=cache,target=/x make\n';
  const i = parse(t).instructions[1];
  assert.equal(i.sub?.name, 'RUN');
  assert.equal(slice(t, i.sub!.keywordSpan), 'RUN');
  assert.equal(i.sub?.flags[0].name, 'mount');
});

test('errors do not stop the parse', () => {
  const df = parse('FROM a\nENV\nENV X\nCMD ["a", 1]\nRUN ok\n');
  assert.deepEqual(df.instructions.map((i) => i.name), ['FROM', 'ENV', 'ENV', 'CMD', 'RUN']);
  assert.deepEqual(df.errors.map((e) => e.code), ['InvalidKeyValue', 'JSONNotStringArray']);
});

test('CRLF line endings', () => {
  const t = 'FROM a\r\nRUN a \\\r\n  b\r\n';
  const df = parse(t);
  assert.equal(dump(df), '(from "a")\n(run "a   b")\n');
  assert.equal(df.instructions[1].endLine, 2);
});

test('instructions without flags, args, pairs, heredocs or comments stay empty after every feature ran', () => {
  // they share one empty list: a push into it anywhere would show up in every later parse
  const busy = '# c\nFROM a AS b\nARG X=1\nENV A=1 B=2\nLABEL k=v\nRUN --mount=type=cache,target=/x <<EOF\necho $X\nEOF\n' +
    'COPY --from=b <<-"F" /f\n\tx\n\tF\nONBUILD RUN --network=none make\nHEALTHCHECK --interval=5s CMD ["true"]\nEXPOSE 80\nCMD ["x"]\n';
  const svc = new LanguageService();
  const doc = { uri: 'file:///busy/Dockerfile', version: 1, getText: () => busy };
  svc.diagnostics(doc, ['*.md']);
  for (let line = 0; line < 16; line++) {
    svc.completion(doc, { line, character: 4 });
    svc.hover(doc, { line, character: 4 });
  }
  svc.semanticTokens(doc);
  svc.documentSymbols(doc);
  svc.folding(doc);
  svc.format(doc, { tabSize: 4, insertSpaces: true });
  const plain = parse('FROM a\nUSER x\nWORKDIR /\nSTOPSIGNAL 9\n').instructions[1];
  for (const list of [plain.flags, plain.pairs, plain.heredocs, plain.prevComments]) assert.deepEqual(list, []);
  assert.deepEqual(parse('FROM a\nVOLUME\n').instructions[1].args, []);
});
