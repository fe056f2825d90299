/**
 * "A document is parsed once per version": the LanguageService in-process. The service
 * reads a document's text only to parse it (DocumentCache calls `getText()` on a miss), so
 * a TextDoc that counts its reads counts the parses.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LanguageService, type TextDoc } from '../../../language-server/service/service';

class CountingDoc implements TextDoc {
  reads = 0;
  constructor(readonly uri: string, readonly version: number, private readonly text: string) {}
  getText(): string {
    this.reads++;
    return this.text;
  }
}

const TEXT = 'ARG V=1\nFROM alpine:$V AS build\nMAINTAINER me\nRUN echo $V\nFROM build\nCOPY --from=build /a /b\n';
const opts = { tabSize: 4, insertSpaces: true };

/** Every feature once on `doc`. */
function everyFeature(s: LanguageService, doc: TextDoc): void {
  const p = { line: 3, character: 10 };
  const diags = s.diagnostics(doc);
  s.completion(doc, p);
  s.hover(doc, p);
  s.semanticTokens(doc);
  s.semanticTokens(doc, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
  s.documentSymbols(doc);
  s.definition(doc, p);
  s.references(doc, p, true);
  s.highlights(doc, p);
  s.rename(doc, p, 'W');
  s.signatureHelp(doc, p);
  s.format(doc, opts);
  s.formatOnType(doc, p, '\n', opts);
  s.folding(doc);
  s.links(doc);
  s.inlayHints(doc, { start: { line: 0, character: 0 }, end: { line: 6, character: 0 } });
  s.codeActions(doc, diags);
}

test('one parse per document version across diagnostics, completion, hover, tokens and the rest', () => {
  const s = new LanguageService();
  const v1 = new CountingDoc('file:///Dockerfile', 1, TEXT);
  s.prepare(v1);
  const first = s.parsed(v1);
  const model = first.model;
  everyFeature(s, v1);
  everyFeature(s, v1);
  // a settings change recomputes diagnostics from the same tree
  s.setSettings({ rules: { MaintainerDeprecated: 'off' } });
  assert.ok(!s.diagnostics(v1).some((d) => d.code === 'MaintainerDeprecated'));
  assert.equal(v1.reads, 1, 'text read (parsed) once for version 1');
  assert.equal(s.parsed(v1), first, 'the same parsed document');
  assert.equal(s.parsed(v1).model, model, 'the same model');

  // a new version of the same URI: parsed once more, then cached again
  const v2 = new CountingDoc('file:///Dockerfile', 2, TEXT.replace('MAINTAINER me\n', 'EXPOSE 80/TCP\n'));
  everyFeature(s, v2);
  everyFeature(s, v2);
  assert.equal(v2.reads, 1, 'text read (parsed) once for version 2');
  assert.equal(v1.reads, 1);
  assert.notEqual(s.parsed(v2), first);
  assert.ok(s.diagnostics(v2).some((d) => d.code === 'ExposeProtoCasing'), 'diagnostics of the new text');

  // another URI has its own entry, and closing a document drops it
  const other = new CountingDoc('file:///other/Dockerfile', 2, TEXT);
  everyFeature(s, other);
  assert.equal(other.reads, 1);
  assert.equal(v2.reads, 1, 'another URI does not evict the first');
  s.close(v2.uri);
  s.hover(v2, { line: 0, character: 0 });
  assert.equal(v2.reads, 2, 'parsed again after close');
});
