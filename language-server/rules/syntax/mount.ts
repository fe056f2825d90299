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
    let q = '';
    while (i < value.length && (q || value[i] !== ',')) {
      if (q) {
        if (value[i] === q) q = '';
      } else if (value[i] === '"') q = '"';
      i++;
    }
    const raw = value.slice(start, i);
    if (raw.length > 0) {
      const eq = raw.indexOf('=');
      const key = (eq < 0 ? raw : raw.slice(0, eq)).trim().toLowerCase();
      let v = eq < 0 ? undefined : raw.slice(eq + 1);
      if (v !== undefined && v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      out.push({ key, value: v, offset: start, length: raw.length });
    }
    i++;
  }
  return out;
}
