/**
 * extension/engine/localImages.ts without VS Code: the parsing of `berth images --format
 * json`, and the failures (missing binary, non-zero exit, bad JSON, a hang) against fake
 * binaries in a temp dir; plus one run of the real berth binary when it is built.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listLocalImages, parseImagesJson } from '../../../extension/engine/localImages';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const BERTH = path.join(REPO_ROOT, 'runtime-helper', 'target', 'release', 'berth');

let tmp: string;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-local-images-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A fake `berth`: a shell script with this body; returns its path. */
function fakeBerth(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('parseImagesJson', () => {
  it('returns the tags in the short form a Dockerfile uses, without docker.io/ and docker.io/library/', () => {
    const out = JSON.stringify([
      { Id: 'sha256:1', RepoTags: ['docker.io/library/alpine:3.20', 'docker.io/me/app:1'], Size: 1 },
      { Id: 'sha256:2', RepoTags: ['ghcr.io/org/tool:v2', 'localhost:5000/x:dev'], Size: 2 },
    ]);
    assert.deepEqual(parseImagesJson(out), ['alpine:3.20', 'me/app:1', 'ghcr.io/org/tool:v2', 'localhost:5000/x:dev']);
  });

  it('skips <none>, digest references, references without a tag, and duplicates', () => {
    const out = JSON.stringify([
      { Id: 'sha256:1', RepoTags: ['<none>:<none>'] },
      { Id: 'sha256:2', RepoTags: ['docker.io/library/busybox@sha256:abc', 'localhost:5000/untagged', 'docker.io/library/a:1'] },
      { Id: 'sha256:3', RepoTags: ['docker.io/library/a:1', 'a:1'] },
      { Id: 'sha256:4', RepoTags: [] },
    ]);
    assert.deepEqual(parseImagesJson(out), ['a:1']);
  });

  it('skips entries of the wrong shape instead of failing', () => {
    const out = JSON.stringify([null, 3, 'x', { RepoTags: 'docker.io/library/s:1' }, { RepoTags: [7, null, 'docker.io/library/ok:2'] }, {}]);
    assert.deepEqual(parseImagesJson(out), ['ok:2']);
  });

  it('an empty store is an empty list', () => {
    assert.deepEqual(parseImagesJson('[]\n'), []);
  });

  it('throws, saying what it saw, on output that is not a JSON array', () => {
    assert.throws(() => parseImagesJson('REPOSITORY  TAG'), /no JSON: "REPOSITORY  TAG"/);
    assert.throws(() => parseImagesJson('{"RepoTags": ["a:1"]}'), /not an array/);
    assert.throws(() => parseImagesJson(''), /no JSON/);
  });
});

describe('listLocalImages', () => {
  it('runs `<path> --root <root> images --format json` and parses what it prints', async () => {
    const bin = fakeBerth('args', `[ "$*" = "--root /some/store images --format json" ] || { echo "bad args: $*" >&2; exit 2; }
echo '[{"RepoTags":["docker.io/library/alpine:3.20"]}]'`);
    assert.deepEqual(await listLocalImages({ enginePath: bin, root: '/some/store', timeoutMs: 5000 }), { images: ['alpine:3.20'] });
  });

  it('leaves --root out when no root is set', async () => {
    const bin = fakeBerth('noroot', `[ "$*" = "images --format json" ] || { echo "bad args: $*" >&2; exit 2; }
echo '[{"RepoTags":["docker.io/library/alpine:3.20"]}]'`);
    assert.deepEqual(await listLocalImages({ enginePath: bin, root: '', timeoutMs: 5000 }), { images: ['alpine:3.20'] });
  });

  it('a missing binary is an empty list and a reason naming the setting', async () => {
    const r = await listLocalImages({ enginePath: path.join(tmp, 'no-such-berth'), root: '', timeoutMs: 5000 });
    assert.deepEqual(r.images, []);
    assert.match(r.error ?? '', /no-such-berth images --format json` failed: not found \(set berth\.engine\.path\)/);
  });

  it('a non-zero exit is an empty list and the first line berth printed on stderr', async () => {
    const bin = fakeBerth('fails', `echo '[{"RepoTags":["docker.io/library/partial:1"]}]'
printf '\\nberth: opening store /x: permission denied\\ncaused by ...\\n' >&2; exit 1`);
    const r = await listLocalImages({ enginePath: bin, root: '/x', timeoutMs: 5000 });
    assert.deepEqual(r.images, []);
    assert.match(r.error ?? '', /failed: berth: opening store \/x: permission denied$/);
  });

  it('output that is not JSON is an empty list and a reason', async () => {
    const bin = fakeBerth('table', `echo 'REPOSITORY   TAG   IMAGE ID'`);
    const r = await listLocalImages({ enginePath: bin, root: '', timeoutMs: 5000 });
    assert.deepEqual(r.images, []);
    assert.match(r.error ?? '', /printed no JSON: "REPOSITORY {3}TAG {3}IMAGE ID"/);
  });

  it('a binary that hangs is given up on at the timeout, even when a grandchild holds its output open', async () => {
    const bin = fakeBerth('hangs', 'sleep 3 &\nexec sleep 30');
    const t0 = Date.now();
    const r = await listLocalImages({ enginePath: bin, root: '', timeoutMs: 300 });
    const took = Date.now() - t0;
    assert.deepEqual(r.images, []);
    assert.match(r.error ?? '', /did not finish within 300 ms/);
    assert.ok(took < 2000, `gave up after ${took} ms`);
  });

  it('lists an image imported into a temp store with the real berth binary', { skip: !fs.existsSync(BERTH) && `${BERTH} is not built` }, async () => {
    const rootfs = path.join(tmp, 'rootfs');
    fs.mkdirSync(rootfs);
    fs.writeFileSync(path.join(rootfs, 'hello.txt'), 'hi\n');
    const tar = path.join(tmp, 'rootfs.tar');
    execFileSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    const store = path.join(tmp, 'store');
    execFileSync(BERTH, ['--root', store, 'import', tar, 'berth-unit/local:1'], { stdio: 'pipe' });
    execFileSync(BERTH, ['--root', store, 'tag', 'berth-unit/local:1', 'other:2'], { stdio: 'pipe' });
    const r = await listLocalImages({ enginePath: BERTH, root: store, timeoutMs: 10_000 });
    assert.equal(r.error, undefined);
    assert.deepEqual([...r.images].sort(), ['berth-unit/local:1', 'other:2']);
  });
});
