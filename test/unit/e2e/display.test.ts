/** test/e2e/display.ts: when `npm run test:electron` runs VS Code directly, under xvfb-run, or skips. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UNDER_XVFB, displayPlan, findOnPath } from '../../e2e/display';

describe('test:electron display plan', () => {
  it('runs directly with a display, or off Linux', () => {
    assert.deepEqual(displayPlan('linux', { DISPLAY: ':0' }, undefined), { kind: 'direct' });
    assert.deepEqual(displayPlan('linux', { WAYLAND_DISPLAY: 'wayland-0' }, '/usr/bin/xvfb-run'), { kind: 'direct' });
    assert.deepEqual(displayPlan('darwin', {}, undefined), { kind: 'direct' });
    assert.deepEqual(displayPlan('win32', {}, undefined), { kind: 'direct' });
  });

  it('headless Linux: under xvfb-run when there is one, else a skip that says why', () => {
    assert.deepEqual(displayPlan('linux', {}, '/usr/bin/xvfb-run'), { kind: 'xvfb', xvfbRun: '/usr/bin/xvfb-run' });
    assert.deepEqual(displayPlan('linux', { DISPLAY: '' }, '/usr/bin/xvfb-run'), { kind: 'xvfb', xvfbRun: '/usr/bin/xvfb-run' });
    const skip = displayPlan('linux', {}, undefined);
    assert.equal(skip.kind, 'skip');
    assert.match(skip.kind === 'skip' ? skip.reason : '', /DISPLAY is not set and xvfb-run is not installed/);
  });

  it('never wraps itself in xvfb-run twice', () => {
    const p = displayPlan('linux', { [UNDER_XVFB]: '1' }, '/usr/bin/xvfb-run');
    assert.equal(p.kind, 'skip');
    assert.deepEqual(displayPlan('linux', { [UNDER_XVFB]: '1', DISPLAY: ':99' }, '/usr/bin/xvfb-run'), { kind: 'direct' });
  });
});

describe('findOnPath', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-display-'));
    for (const d of ['a', 'b']) fs.mkdirSync(path.join(tmp, d));
    fs.writeFileSync(path.join(tmp, 'a', 'tool'), 'not executable', { mode: 0o644 });
    fs.writeFileSync(path.join(tmp, 'b', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.mkdirSync(path.join(tmp, 'a', 'dir-tool'), { mode: 0o755 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('finds the first executable file, skipping non-executables and directories', () => {
    const p = [path.join(tmp, 'a'), '', path.join(tmp, 'b')].join(path.delimiter);
    assert.equal(findOnPath('tool', p), path.join(tmp, 'b', 'tool'));
    assert.equal(findOnPath('dir-tool', p), undefined);
    assert.equal(findOnPath('missing', p), undefined);
    assert.equal(findOnPath('tool', undefined), undefined);
  });
});
