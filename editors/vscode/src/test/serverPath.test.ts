import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

import { Machine, resolveServer } from '../serverPath';

/** A Linux machine whose executable files are `files`. */
function linux(files: string[], pathVariable = '/usr/local/bin:/usr/bin'): Machine {
  return {
    platform: 'linux',
    pathVariable,
    homeDir: '/home/ann',
    isExecutable: (file) => files.includes(file),
  };
}

const extension = '/ext/dockerfile-lsp-0.1.0';
const bundled = path.join(extension, 'server', 'dockerfile-lsp');

test('the setting wins over the bundled binary and the PATH', () => {
  const machine = linux(['/opt/dl/dockerfile-lsp', bundled, '/usr/bin/dockerfile-lsp']);
  const found = resolveServer(
    { configured: '/opt/dl/dockerfile-lsp', extensionPath: extension, workspaceFolder: undefined },
    machine,
  );
  assert.deepEqual(found, { ok: true, path: '/opt/dl/dockerfile-lsp', source: 'setting' });
});

test('a setting naming no executable is an error, not a silent fallback', () => {
  const machine = linux([bundled, '/usr/bin/dockerfile-lsp']);
  const found = resolveServer(
    { configured: '/opt/missing/dockerfile-lsp', extensionPath: extension, workspaceFolder: undefined },
    machine,
  );
  assert.equal(found.ok, false);
  assert.match(!found.ok ? found.message : '', /dockerfileLsp\.server\.path is "\/opt\/missing\/dockerfile-lsp"/);
});

test('the setting may start with ~ or be relative to the workspace folder', () => {
  const machine = linux(['/home/ann/bin/dockerfile-lsp', '/work/repo/target/debug/dockerfile-lsp']);
  const home = resolveServer(
    { configured: '~/bin/dockerfile-lsp', extensionPath: extension, workspaceFolder: '/work/repo' },
    machine,
  );
  assert.deepEqual(home, { ok: true, path: '/home/ann/bin/dockerfile-lsp', source: 'setting' });
  const relative = resolveServer(
    { configured: 'target/debug/dockerfile-lsp', extensionPath: extension, workspaceFolder: '/work/repo' },
    machine,
  );
  assert.deepEqual(relative, { ok: true, path: '/work/repo/target/debug/dockerfile-lsp', source: 'setting' });
});

test('without a setting the bundled binary comes before the PATH', () => {
  const machine = linux([bundled, '/usr/bin/dockerfile-lsp']);
  for (const configured of [undefined, '', '   ']) {
    const found = resolveServer({ configured, extensionPath: extension, workspaceFolder: undefined }, machine);
    assert.deepEqual(found, { ok: true, path: bundled, source: 'bundled' });
  }
});

test('the first PATH folder holding the binary is used', () => {
  const machine = linux(['/usr/bin/dockerfile-lsp', '/home/ann/.cargo/bin/dockerfile-lsp'], '/usr/local/bin::/home/ann/.cargo/bin:/usr/bin');
  const found = resolveServer({ configured: '', extensionPath: extension, workspaceFolder: undefined }, machine);
  assert.deepEqual(found, { ok: true, path: '/home/ann/.cargo/bin/dockerfile-lsp', source: 'PATH' });
});

test('on Windows the PATH is searched with PATHEXT and the bundled binary ends in .exe', () => {
  const windowsBundled = path.join(extension, 'server', 'dockerfile-lsp.exe');
  const onPath = path.join('C:\\tools', 'dockerfile-lsp.exe');
  const machine: Machine = {
    platform: 'win32',
    pathVariable: 'C:\\Windows;C:\\tools',
    pathExt: '.COM;.EXE;.BAT',
    homeDir: 'C:\\Users\\ann',
    isExecutable: (file) => file === onPath,
  };
  const found = resolveServer({ configured: '', extensionPath: extension, workspaceFolder: undefined }, machine);
  assert.deepEqual(found, { ok: true, path: onPath, source: 'PATH' });
  const withBundled = resolveServer(
    { configured: '', extensionPath: extension, workspaceFolder: undefined },
    { ...machine, isExecutable: (file) => file === windowsBundled },
  );
  assert.deepEqual(withBundled, { ok: true, path: windowsBundled, source: 'bundled' });
});

test('nothing found: the message says how to install the server or set its path', () => {
  const found = resolveServer(
    { configured: undefined, extensionPath: extension, workspaceFolder: undefined },
    linux([], ''),
  );
  assert.equal(found.ok, false);
  const message = !found.ok ? found.message : '';
  assert.match(message, /was not found/);
  assert.match(message, /cargo install --path server/);
  assert.match(message, /dockerfileLsp\.server\.path/);
});
