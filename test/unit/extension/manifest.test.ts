/**
 * package.json's contributed `dockerfile` language, without VS Code: which file names it
 * covers, matched the way VS Code matches them (languagesAssociations: the base name,
 * lower-cased, against `filenames` exactly, `filenamePatterns` as globs, `extensions` as
 * suffixes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Language {
  id: string;
  filenames?: string[];
  filenamePatterns?: string[];
  extensions?: string[];
}
interface Manifest {
  activationEvents?: string[];
  contributes: { languages: Language[]; grammars: { language: string; path: string }[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const dockerfile = manifest.contributes.languages.find((l) => l.id === 'dockerfile');

/** A glob of `*` and `?` on a base name (the only syntax the manifest uses; others fail the test). */
function globToRegExp(glob: string): RegExp {
  assert.doesNotMatch(glob, /[[\]{}/]/, `glob syntax this test does not implement: ${glob}`);
  const body = glob.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^$()|\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

function isDockerfile(name: string): boolean {
  const lower = name.toLowerCase();
  const l = dockerfile;
  if (!l) return false;
  if ((l.filenames ?? []).some((f) => f.toLowerCase() === lower)) return true;
  if ((l.filenamePatterns ?? []).some((p) => globToRegExp(p.toLowerCase()).test(lower))) return true;
  return (l.extensions ?? []).some((e) => lower.endsWith(e.toLowerCase()));
}

describe('package.json: the dockerfile language', () => {
  it('is contributed, with a grammar and an activation event', () => {
    assert.ok(dockerfile, 'no contributed language with id "dockerfile"');
    const grammar = manifest.contributes.grammars.find((g) => g.language === 'dockerfile');
    assert.ok(grammar, 'no grammar for the dockerfile language');
    assert.ok(fs.existsSync(path.join(REPO_ROOT, grammar.path)), `grammar file ${grammar.path}`);
    assert.ok(manifest.activationEvents?.includes('onLanguage:dockerfile'));
  });

  it('covers Dockerfile, *.dockerfile, Dockerfile.*, Containerfile and Containerfile.*', () => {
    for (const name of ['Dockerfile', 'dockerfile', 'app.dockerfile', 'api.Dockerfile', 'Dockerfile.dev', 'Dockerfile.prod', 'Containerfile', 'Containerfile.dev', 'containerfile.ci']) {
      assert.ok(isDockerfile(name), name);
    }
  });

  it('does not claim other files', () => {
    for (const name of ['README.md', 'docker-compose.yml', 'Makefile', '.dockerignore', 'Dockerfile-notes.txt', 'mydockerfile.txt']) {
      assert.ok(!isDockerfile(name), name);
    }
  });
});
