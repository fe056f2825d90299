/**
 * extension/localImagesSync.ts without VS Code: what is sent and logged, the order of
 * overlapping refreshes, and the 30 s staleness rule for editor switches (a fake clock).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalImagesResult } from '../../../extension/engine/localImages';
import { LocalImagesSync, STALE_MS, type LocalImagesSyncDeps } from '../../../extension/localImagesSync';

/** A sync whose reads answer from `results` in turn, recording what it sends and logs. */
function fixture(results: Array<LocalImagesResult | Promise<LocalImagesResult>>, over: Partial<LocalImagesSyncDeps> = {}) {
  const sent: string[][] = [];
  const logged: string[] = [];
  let reads = 0;
  let clock = 1_000_000;
  const sync = new LocalImagesSync({
    read: async () => results[reads++] ?? { images: [] },
    canSend: () => true,
    send: async (images) => { sent.push(images); },
    log: (line) => logged.push(line),
    now: () => clock,
    ...over,
  });
  return { sync, sent, logged, reads: () => reads, advance: (ms: number) => { clock += ms; } };
}

describe('LocalImagesSync', () => {
  it('refresh sends what was read and logs nothing', async () => {
    const f = fixture([{ images: ['alpine:3.20', 'me/app:1'] }]);
    await f.sync.refresh();
    assert.deepEqual(f.sent, [['alpine:3.20', 'me/app:1']]);
    assert.deepEqual(f.logged, []);
  });

  it('a failed read sends an empty list (replacing the last one) and logs one line', async () => {
    const f = fixture([{ images: ['a:1'] }, { images: [], error: '`berth images --format json` failed: not found' }]);
    await f.sync.refresh();
    await f.sync.refresh();
    assert.deepEqual(f.sent, [['a:1'], []]);
    assert.deepEqual(f.logged, ['local images: `berth images --format json` failed: not found']);
  });

  it('overlapping refreshes run one at a time, so the last list sent is from the last refresh', async () => {
    let releaseSlow!: (r: LocalImagesResult) => void;
    const slow = new Promise<LocalImagesResult>((r) => { releaseSlow = r; });
    const f = fixture([slow, { images: ['new:2'] }]);
    const first = f.sync.refresh();
    const second = f.sync.refresh();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(f.reads(), 1, 'the second read waits for the first');
    releaseSlow({ images: ['old:1'] });
    await Promise.all([first, second]);
    assert.deepEqual(f.sent, [['old:1'], ['new:2']]);
  });

  it('refreshIfStale reads the first time, not again within 30 s, and again after', async () => {
    const f = fixture([{ images: ['a:1'] }, { images: ['b:2'] }]);
    await f.sync.refreshIfStale();
    assert.equal(f.reads(), 1);
    f.advance(STALE_MS - 1);
    await f.sync.refreshIfStale();
    assert.equal(f.reads(), 1, 'not stale yet');
    f.advance(1);
    await f.sync.refreshIfStale();
    assert.equal(f.reads(), 2);
    assert.deepEqual(f.sent, [['a:1'], ['b:2']]);
  });

  it('an explicit refresh restarts the 30 s', async () => {
    const f = fixture([]);
    await f.sync.refresh();
    f.advance(STALE_MS - 5);
    await f.sync.refresh();
    f.advance(10);
    await f.sync.refreshIfStale();
    assert.equal(f.reads(), 2);
  });

  it('does not run the engine when no language server would get the list', async () => {
    const f = fixture([{ images: ['a:1'] }], { canSend: () => false });
    await f.sync.refresh();
    assert.equal(f.reads(), 0);
    assert.deepEqual(f.sent, []);
  });
});
