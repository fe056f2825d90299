/** Line index over a text: offsets <-> (line, character) in UTF-16 units. */

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface Pos {
  line: number;
  character: number;
}

export function positionAt(lineStarts: number[], offset: number): Pos {
  const line = lineOf(lineStarts, offset);
  return { line, character: offset - lineStarts[line] };
}

export function offsetAt(lineStarts: number[], textLength: number, pos: Pos): number {
  if (pos.line < 0) return 0;
  if (pos.line >= lineStarts.length) return textLength;
  const start = lineStarts[pos.line];
  const next = pos.line + 1 < lineStarts.length ? lineStarts[pos.line + 1] : textLength;
  return Math.max(start, Math.min(start + pos.character, next));
}

/** Go's unicode.IsSpace. */
export function isSpace(c: number): boolean {
  if (c <= 0xff) return c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** BuildKit's reWhitespace `[\t\v\f\r ]`. */
export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
}

/** First index in [start, end) that is not Go whitespace (end if none). */
export function skipSpace(s: string, start: number, end: number): number {
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  return start;
}

/** End of [start, end) without trailing Go whitespace. */
export function trimSpaceEnd(s: string, start: number, end: number): number {
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return end;
}

/** A value without one pair of matching surrounding quotes. */
export function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) return value.slice(1, -1);
  return value;
}
