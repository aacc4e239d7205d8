import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { EXTENSION_ONLY, explicitValueOf, serverKey, serverSettingKeys, toServerSettings } from '../settings';

/** The properties package.json contributes, over every category. */
function contributed(): Record<string, { default?: unknown }> {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const properties: Record<string, { default?: unknown }> = {};
  for (const category of manifest.contributes.configuration) {
    Object.assign(properties, category.properties);
  }
  return properties;
}

test('camelCase setting names become the kebab-case keys of dockerfile-lsp.toml', () => {
  assert.equal(serverKey('registry.cacheTtlSeconds'), 'registry.cache-ttl-seconds');
  assert.equal(serverKey('inlayHints.imageSize'), 'inlay-hints.image-size');
  assert.equal(serverKey('trustedRegistries'), 'trusted-registries');
  assert.equal(serverKey('rules.severity'), 'rules.severity');
});

test('every contributed setting but the extension\'s own goes to the server', () => {
  const properties = contributed();
  const keys = serverSettingKeys(properties);
  assert.equal(keys.length + EXTENSION_ONLY.length, Object.keys(properties).length);
  for (const key of EXTENSION_ONLY) {
    assert.ok(`dockerfileLsp.${key}` in properties, `${key} is contributed`);
    assert.ok(!keys.includes(key));
  }
  assert.ok(keys.includes('registry.timeoutMs'));
  assert.ok(keys.includes('inlayHints.imageSize'));
});

test('only what the user set is sent, nested in sections, with values untouched', () => {
  const keys = serverSettingKeys(contributed());
  const set: Record<string, unknown> = {
    'rules.disable': ['DL3008'],
    'rules.severity': { 'workdir-relative': 'error', DL3006: 'off' },
    strictLabels: true,
    'registry.timeoutMs': 2500,
    'registry.mirrors': { 'docker.io': 'https://mirror.example.com' },
    'inlayHints.imageSize': false,
  };
  const settings = toServerSettings(keys, (key) => set[key]);
  assert.deepEqual(settings, {
    rules: { disable: ['DL3008'], severity: { 'workdir-relative': 'error', DL3006: 'off' } },
    'strict-labels': true,
    registry: { 'timeout-ms': 2500, mirrors: { 'docker.io': 'https://mirror.example.com' } },
    'inlay-hints': { 'image-size': false },
  });
});

test('nothing set sends an empty object, so the project\'s dockerfile-lsp.toml stays in force', () => {
  const keys = serverSettingKeys(contributed());
  assert.deepEqual(toServerSettings(keys, () => undefined), {});
});

test('null, an empty platform and an empty size budget mean unset; an empty cache folder is sent', () => {
  const set: Record<string, unknown> = {
    'registry.platform': ' ',
    'registry.sizeBudget': '',
    'registry.cacheDir': '',
    'registry.insecure': null,
  };
  const settings = toServerSettings(Object.keys(set), (key) => set[key]);
  assert.deepEqual(settings, { registry: { 'cache-dir': '' } });
});

test('the most specific scope wins, and objects are merged over the scopes', () => {
  assert.equal(explicitValueOf(undefined), undefined);
  assert.equal(explicitValueOf({}), undefined);
  assert.deepEqual(explicitValueOf({ globalValue: ['a'], workspaceValue: ['b'] }), ['b']);
  assert.equal(explicitValueOf({ globalValue: true, workspaceFolderValue: false }), false);
  assert.deepEqual(
    explicitValueOf({
      globalValue: { DL3007: 'error', DL3008: 'off' },
      workspaceValue: { DL3008: 'warning' },
    }),
    { DL3007: 'error', DL3008: 'warning' },
  );
});

test('every contributed setting has a description and a default', () => {
  for (const [key, property] of Object.entries(contributed())) {
    const described = property as { description?: string; markdownDescription?: string };
    assert.ok((described.description ?? described.markdownDescription ?? '').length > 20, `${key} is described`);
    assert.ok('default' in property, `${key} has a default`);
  }
});
