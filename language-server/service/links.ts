/** Document links for image references (FROM, COPY --from, RUN --mount from=). */
import type { DocumentLink } from 'vscode-languageserver-types';
import { splitImage } from '../rules/best-practice/image';
import type { Span } from '../syntax/ast';
import type { ParsedDocument } from './document';

export function imageUrl(ref: string): string | undefined {
  if (ref.includes('$') || ref.toLowerCase() === 'scratch') return undefined;
  const { name } = splitImage(ref);
  const parts = name.split('/');
  const first = parts[0];
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) {
    if (!/^[a-z0-9][a-z0-9._/-]*$/.test(name)) return undefined;
    if (parts.length === 1) return `https://hub.docker.com/_/${name}`;
    if (parts[0] === 'library' && parts.length === 2) return `https://hub.docker.com/_/${parts[1]}`;
    return `https://hub.docker.com/r/${name}`;
  }
  const path = parts.slice(1).join('/');
  switch (first) {
    case 'docker.io': case 'index.docker.io': case 'registry-1.docker.io':
      return path.startsWith('library/') ? `https://hub.docker.com/_/${path.slice(8)}` : `https://hub.docker.com/r/${path}`;
    case 'ghcr.io': return `https://ghcr.io/${path}`;
    case 'quay.io': return `https://quay.io/repository/${path}`;
    case 'mcr.microsoft.com': return `https://mcr.microsoft.com/artifact/mar/${path}`;
    case 'gcr.io': case 'registry.k8s.io': case 'public.ecr.aws': return `https://${first}/${path}`;
    default: return undefined;
  }
}

export function documentLinks(doc: ParsedDocument): DocumentLink[] {
  const out: DocumentLink[] = [];
  const add = (span: Span, ref: string): void => {
    const url = imageUrl(ref);
    if (!url) return;
    const name = splitImage(ref).name;
    out.push({ range: doc.range({ start: span.start, end: span.start + name.length }), target: url, tooltip: `Open ${name}` });
  };
  const m = doc.model;
  for (const s of m.stages) if (s.image && s.parent === undefined) add(s.image, s.image.value);
  for (const r of m.stageRefs) if (r.kind !== 'from' && r.target === undefined && /[/:]/.test(r.name)) add(r.span, r.name);
  return out;
}
