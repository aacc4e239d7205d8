import * as assert from 'node:assert/strict';
import { test } from 'node:test';

import { ProgressTracker } from '../status';

test('nothing runs: no status text', () => {
  assert.equal(new ProgressTracker().status(), undefined);
});

test('a registry lookup shows its title and message until it ends', () => {
  const tracker = new ProgressTracker();
  tracker.update(1, { kind: 'begin', title: 'Registry', message: 'resolving python:3.12-slim (2 left)', percentage: 0 });
  assert.deepEqual(tracker.status(), {
    text: '$(sync~spin) Registry: resolving python:3.12-slim (2 left)',
    tooltip: 'dockerfile-lsp: Registry: resolving python:3.12-slim (2 left) (click to show the log)',
  });
  tracker.update(1, { kind: 'report', message: 'resolving alpine:3.20', percentage: 50 });
  assert.equal(tracker.status()?.text, '$(sync~spin) Registry: resolving alpine:3.20');
  tracker.update(1, { kind: 'report', percentage: 75 });
  assert.equal(tracker.status()?.text, '$(sync~spin) Registry: resolving alpine:3.20', 'a report without a message keeps it');
  tracker.update(1, { kind: 'end' });
  assert.equal(tracker.status(), undefined);
});

test('with two tokens the latest begun is shown, and the other once it ends', () => {
  const tracker = new ProgressTracker();
  tracker.update('a', { kind: 'begin', title: 'Registry', message: 'resolving node:20' });
  tracker.update('b', { kind: 'begin', title: 'Indexing' });
  assert.equal(tracker.status()?.text, '$(sync~spin) Indexing');
  assert.match(tracker.status()?.tooltip ?? '', /Registry: resolving node:20; Indexing/);
  tracker.update('b', { kind: 'end' });
  assert.equal(tracker.status()?.text, '$(sync~spin) Registry: resolving node:20');
});

test('reports and ends of tokens never begun are ignored; clear forgets all', () => {
  const tracker = new ProgressTracker();
  tracker.update(7, { kind: 'report', message: 'stray' });
  tracker.update(7, { kind: 'end' });
  assert.equal(tracker.status(), undefined);
  tracker.update(8, { kind: 'begin', title: 'Registry' });
  tracker.clear();
  assert.equal(tracker.status(), undefined);
});
