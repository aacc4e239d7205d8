// VS Code's `dockerfileLsp.*` settings turned into the server's settings object (the keys of
// dockerfile-lsp.toml), sent as initializationOptions and with didChangeConfiguration.
// No `vscode` import, so that tests run under plain node.

export const SECTION = 'dockerfileLsp';

/** Settings of the extension itself, which the server never sees. */
export const EXTENSION_ONLY = ['server.path', 'server.logLevel', 'trace.server'];

/** Settings whose empty text means "not set": the server would reject an empty value. */
const EMPTY_MEANS_UNSET = ['registry.platform', 'registry.sizeBudget'];

/** `registry.cacheTtlSeconds` -> `registry.cache-ttl-seconds`: the server's own spelling. */
export function serverKey(key: string): string {
  return key
    .split('.')
    .map((part) => part.replace(/[A-Z]/g, (upper) => `-${upper.toLowerCase()}`))
    .join('.');
}

/**
 * The settings keys (without `dockerfileLsp.`) that go to the server, from the properties
 * the extension's package.json contributes.
 */
export function serverSettingKeys(contributed: Record<string, unknown>): string[] {
  const prefix = `${SECTION}.`;
  return Object.keys(contributed)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length))
    .filter((key) => !EXTENSION_ONLY.includes(key));
}

/**
 * The server's settings object. Only what the user set is sent: a default sent from here
 * would override the same key in the project's dockerfile-lsp.toml.
 *
 * `explicitValue(key)` is the value the user set for `dockerfileLsp.<key>` in any scope
 * (the most specific wins), or `undefined`.
 */
export function toServerSettings(
  keys: readonly string[],
  explicitValue: (key: string) => unknown,
): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of keys) {
    const value = explicitValue(key);
    if (value === undefined || value === null) {
      continue;
    }
    if (EMPTY_MEANS_UNSET.includes(key) && typeof value === 'string' && value.trim() === '') {
      continue;
    }
    const path = serverKey(key).split('.');
    let section = settings;
    for (const part of path.slice(0, -1)) {
      const inner = section[part];
      if (typeof inner === 'object' && inner !== null) {
        section = inner as Record<string, unknown>;
      } else {
        const created: Record<string, unknown> = {};
        section[part] = created;
        section = created;
      }
    }
    section[path[path.length - 1]] = value;
  }
  return settings;
}

/** What VS Code's `inspect` tells of one setting (the scopes this extension reads). */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The value the user set, the most specific scope first; `undefined` for the default.
 * Objects (rule severities, mirrors) are merged over the scopes key by key, as VS Code
 * merges them itself.
 */
export function explicitValueOf(inspected: Inspected | undefined): unknown {
  if (inspected === undefined) {
    return undefined;
  }
  const scopes = [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue].filter(
    (value) => value !== undefined,
  );
  if (scopes.length === 0) {
    return undefined;
  }
  if (scopes.every(isPlainObject)) {
    return Object.assign({}, ...scopes);
  }
  return scopes[scopes.length - 1];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
