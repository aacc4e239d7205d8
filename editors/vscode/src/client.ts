// The language client: finds and starts the server, sends it the settings, and shows its
// work-done progress (registry lookups) in the status bar.

import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  ClientCapabilities,
  DidChangeConfigurationNotification,
  FeatureState,
  LanguageClient,
  LanguageClientOptions,
  ProgressToken,
  ServerOptions,
  StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';

import { Machine, resolveServer } from './serverPath';
import { SECTION, explicitValueOf, serverSettingKeys, toServerSettings } from './settings';
import { ProgressTracker } from './status';

/** The languages the server reads; `dockerignore` is contributed by this extension. */
const LANGUAGES = ['dockerfile', 'dockerignore'];

/** This machine, for the server path resolution. */
function thisMachine(): Machine {
  return {
    platform: process.platform,
    pathVariable: process.env.PATH,
    pathExt: process.env.PATHEXT,
    homeDir: os.homedir(),
    isExecutable(file: string): boolean {
      try {
        if (!fs.statSync(file).isFile()) {
          return false;
        }
        if (process.platform !== 'win32') {
          fs.accessSync(file, fs.constants.X_OK);
        }
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The `dockerfileLsp.*` properties of package.json (one object, or one per category). */
function contributedProperties(context: vscode.ExtensionContext): Record<string, unknown> {
  const configuration: unknown = context.extension.packageJSON?.contributes?.configuration;
  const categories = Array.isArray(configuration) ? configuration : [configuration];
  const properties: Record<string, unknown> = {};
  for (const category of categories) {
    Object.assign(properties, (category as { properties?: Record<string, unknown> })?.properties ?? {});
  }
  return properties;
}

/**
 * The server's work-done progress in our status item. Registered after the client's own
 * features, its handler for `window/workDoneProgress/create` replaces the client's (which
 * would show the same progress a second time), at every start including restarts after
 * a crash.
 */
class ProgressInStatus implements StaticFeature {
  constructor(
    private readonly client: LanguageClient,
    private readonly tracker: ProgressTracker,
    private readonly render: () => void,
  ) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = { ...capabilities.window, workDoneProgress: true };
  }

  initialize(): void {
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => this.follow(token));
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    this.tracker.clear();
    this.render();
  }

  /** Shows one token's begin, reports and end. */
  private follow(token: ProgressToken): void {
    const subscription = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
      this.tracker.update(token, value);
      if (value.kind === 'end') {
        subscription.dispose();
      }
      this.render();
    });
  }
}

/** One server process at a time, started again on demand. */
export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly progress = new ProgressTracker();
  /** A problem that keeps the server from running, shown until the next start. */
  private failure: string | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly statusItem: vscode.StatusBarItem,
  ) {}

  /** The server's settings object, from what the user set. */
  settings(): Record<string, unknown> {
    const keys = serverSettingKeys(contributedProperties(this.context));
    const configuration = vscode.workspace.getConfiguration(SECTION);
    return toServerSettings(keys, (key) => explicitValueOf(configuration.inspect(key)));
  }

  async start(): Promise<void> {
    this.failure = undefined;
    const configuration = vscode.workspace.getConfiguration(SECTION);
    const resolution = resolveServer(
      {
        configured: configuration.get<string>('server.path'),
        extensionPath: this.context.extensionPath,
        workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      },
      thisMachine(),
    );
    if (!resolution.ok) {
      this.fail(resolution.message);
      return;
    }
    this.output.appendLine(`Starting ${resolution.path} --stdio (found through ${resolution.source})`);
    const serverOptions: ServerOptions = {
      command: resolution.path,
      args: ['--stdio'],
      options: {
        env: { ...process.env, DOCKERFILE_LSP_LOG: configuration.get<string>('server.logLevel', 'info') },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.flatMap((language) => [
        { scheme: 'file', language },
        { scheme: 'untitled', language },
      ]),
      initializationOptions: this.settings(),
      outputChannel: this.output,
    };
    const client = new LanguageClient(SECTION, 'dockerfile-lsp', serverOptions, clientOptions);
    this.client = client;
    client.registerFeature(new ProgressInStatus(client, this.progress, () => this.render()));
    try {
      await client.start();
    } catch (error) {
      this.fail(`dockerfile-lsp (${resolution.path}) could not be started: ${String(error)}`);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.progress.clear();
    this.render();
    if (client !== undefined) {
      try {
        await client.dispose();
      } catch (error) {
        this.output.appendLine(`Stopping the server: ${String(error)}`);
      }
    }
  }

  async restart(): Promise<void> {
    this.output.appendLine('Restarting the server');
    await this.stop();
    await this.start();
  }

  /** Sends the settings again, after the user changed them. */
  async sendSettings(): Promise<void> {
    const client = this.client;
    if (client === undefined || !client.isRunning()) {
      return;
    }
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: this.settings() });
  }

  dispose(): void {
    void this.stop();
  }

  private fail(message: string): void {
    this.failure = message;
    this.output.appendLine(message);
    this.render();
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
      if (choice === 'Open Settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
      } else if (choice === 'Show Log') {
        this.output.show(true);
      }
    });
  }

  private render(): void {
    const status = this.progress.status();
    if (this.failure !== undefined) {
      this.statusItem.text = '$(error) dockerfile-lsp';
      this.statusItem.tooltip = this.failure;
      this.statusItem.show();
    } else if (status !== undefined) {
      this.statusItem.text = status.text;
      this.statusItem.tooltip = status.tooltip;
      this.statusItem.show();
    } else {
      this.statusItem.hide();
    }
  }
}
