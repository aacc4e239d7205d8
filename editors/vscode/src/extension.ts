// The extension's entry points: the commands, the output channel and the status item, and
// reactions to settings changes.

import * as vscode from 'vscode';

import { Server } from './client';
import { SECTION } from './settings';

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('dockerfile-lsp');
  const statusItem = vscode.window.createStatusBarItem(`${SECTION}.status`, vscode.StatusBarAlignment.Left);
  statusItem.name = 'dockerfile-lsp';
  statusItem.command = `${SECTION}.showLog`;
  server = new Server(context, output, statusItem);
  const running = server;
  context.subscriptions.push(
    output,
    statusItem,
    running,
    vscode.commands.registerCommand(`${SECTION}.restartServer`, () => running.restart()),
    vscode.commands.registerCommand(`${SECTION}.showLog`, () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.server`)) {
        // Another binary or log level: only a new process takes it.
        void running.restart();
      } else if (event.affectsConfiguration(SECTION)) {
        void running.sendSettings();
      }
    }),
  );
  await running.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
