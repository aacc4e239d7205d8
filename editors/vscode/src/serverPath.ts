// Which dockerfile-lsp binary to start: the setting, else the one bundled in the
// extension, else the PATH. No `vscode` import, so that tests run under plain node.

import * as path from 'path';

/** Where a binary was found, for the log. */
export type ServerSource = 'setting' | 'bundled' | 'PATH';

export type Resolution =
  | { ok: true; path: string; source: ServerSource }
  | { ok: false; message: string };

/** What the resolution needs to know of the machine; tests pass their own. */
export interface Machine {
  platform: NodeJS.Platform;
  /** The PATH variable (`undefined` when unset). */
  pathVariable: string | undefined;
  /** Windows' PATHEXT (`.EXE;.CMD;...`). */
  pathExt?: string;
  homeDir: string;
  /** Whether `file` is a file this process may execute. */
  isExecutable(file: string): boolean;
}

export interface Request {
  /** The `dockerfileLsp.server.path` setting, as the user wrote it. */
  configured: string | undefined;
  /** The extension's installation folder. */
  extensionPath: string;
  /** The first workspace folder, which a relative setting is resolved against. */
  workspaceFolder: string | undefined;
}

export const BINARY = 'dockerfile-lsp';

/** The file name of the binary on this platform. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${BINARY}.exe` : BINARY;
}

/** The bundled binary's place inside the extension. */
export function bundledPath(extensionPath: string, platform: NodeJS.Platform): string {
  return path.join(extensionPath, 'server', binaryName(platform));
}

/** `~` and `~/x` name the home folder; a relative path is inside the workspace folder. */
export function expandConfigured(
  configured: string,
  homeDir: string,
  workspaceFolder: string | undefined,
): string {
  let expanded = configured.trim();
  if (expanded === '~') {
    expanded = homeDir;
  } else if (expanded.startsWith('~/') || expanded.startsWith('~\\')) {
    expanded = path.join(homeDir, expanded.slice(2));
  }
  if (!path.isAbsolute(expanded) && workspaceFolder !== undefined) {
    expanded = path.join(workspaceFolder, expanded);
  }
  return expanded;
}

/** The first executable `dockerfile-lsp` in the PATH's folders. */
export function searchPath(machine: Machine): string | undefined {
  const separator = machine.platform === 'win32' ? ';' : ':';
  const folders = (machine.pathVariable ?? '').split(separator).filter((f) => f.length > 0);
  const names =
    machine.platform === 'win32'
      ? (machine.pathExt ?? '.EXE').split(';').filter((e) => e.length > 0).map((e) => BINARY + e.toLowerCase())
      : [BINARY];
  for (const folder of folders) {
    for (const name of names) {
      const candidate = path.join(folder, name);
      if (machine.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * The binary to start. A path set by the user is used or reported as missing: falling
 * back to another binary would hide a mistake in the setting.
 */
export function resolveServer(request: Request, machine: Machine): Resolution {
  const configured = request.configured?.trim() ?? '';
  if (configured.length > 0) {
    const file = expandConfigured(configured, machine.homeDir, request.workspaceFolder);
    if (machine.isExecutable(file)) {
      return { ok: true, path: file, source: 'setting' };
    }
    return {
      ok: false,
      message:
        `dockerfileLsp.server.path is "${configured}", but ${file} is not an executable file. ` +
        'Fix the setting, or clear it to use the bundled server or the one on the PATH.',
    };
  }
  const bundled = bundledPath(request.extensionPath, machine.platform);
  if (machine.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: 'bundled' };
  }
  const onPath = searchPath(machine);
  if (onPath !== undefined) {
    return { ok: true, path: onPath, source: 'PATH' };
  }
  return {
    ok: false,
    message:
      `The ${BINARY} language server was not found: this extension has no bundled binary for ` +
      `${machine.platform}, and there is none on the PATH. Install it (cargo install --path server ` +
      'in the dockerfile-lsp repository) or set dockerfileLsp.server.path to its location.',
  };
}
