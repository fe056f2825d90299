/** `RUN --mount` value parsing (CSV fields). */
export interface MountField {
  key: string;
  value?: string;
  /** offset of the field within the flag value text */
  offset: number;
  length: number;
}

export function parseMountFields(value: string): MountField[] {
  const out: MountField[] = [];
  let i = 0;
  while (i <= value.length) {
    const start = i;
    // the first `=` of the field, found on the same walk (a search of the rest of the value
    // per field would be quadratic in a long value of fields without `=`)
    let eq = -1;
    let q = '';
    while (i < value.length && (q || value[i] !== ',')) {
      if (eq < 0 && value[i] === '=') eq = i;
      if (q) {
        if (value[i] === q) q = '';
      } else if (value[i] === '"') q = '"';
      i++;
    }
    // the field is value[start, i): slices of value only, no copy of the whole field
    if (i > start) {
      const key = value.slice(start, eq < 0 ? i : eq).trim().toLowerCase();
      let v: string | undefined;
      if (eq >= 0) {
        const quoted = i - eq - 1 >= 2 && value.charCodeAt(eq + 1) === 34 && value.charCodeAt(i - 1) === 34;
        v = quoted ? value.slice(eq + 2, i - 1) : value.slice(eq + 1, i);
      }
      out.push({ key, value: v, offset: start, length: i - start });
    }
    i++;
  }
  return out;
}
