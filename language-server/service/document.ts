/** A parsed document: text, tree, model, and position helpers. Built once per version. */
import type { Position, Range } from 'vscode-languageserver-types';
import { buildModel, type Model } from '../model/model';
import type { Dockerfile, Instruction, Span } from '../syntax/ast';
import { parse } from '../syntax/parser';
import { offsetAt, positionAt } from '../syntax/text';

export class ParsedDocument {
  readonly df: Dockerfile;
  private modelCache?: Model;

  constructor(readonly uri: string, readonly version: number, readonly text: string) {
    this.df = parse(text);
  }

  get model(): Model {
    if (!this.modelCache) this.modelCache = buildModel(this.df);
    return this.modelCache;
  }

  positionAt(offset: number): Position {
    return positionAt(this.df.lineStarts, Math.max(0, Math.min(offset, this.text.length)));
  }

  offsetAt(pos: Position): number {
    return offsetAt(this.df.lineStarts, this.text.length, pos);
  }

  range(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }

  /** The top-level instruction whose span contains the offset (end inclusive). */
  instructionAt(offset: number): Instruction | undefined {
    const list = this.df.instructions;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const i = list[mid];
      if (offset < i.start) hi = mid - 1;
      else if (offset > i.end) lo = mid + 1;
      else return i;
    }
    return undefined;
  }
}

export function contains(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** A cache of parsed documents by URI and version (VS Code's languageModelCache idea). */
export class DocumentCache {
  private map = new Map<string, ParsedDocument>();

  get(uri: string, version: number, text: () => string): ParsedDocument {
    const cur = this.map.get(uri);
    if (cur && cur.version === version) return cur;
    const doc = new ParsedDocument(uri, version, text());
    this.map.set(uri, doc);
    return doc;
  }

  delete(uri: string): void {
    this.map.delete(uri);
  }
}
