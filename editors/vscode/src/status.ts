// The status bar text while the server reports work-done progress (registry lookups).
// No `vscode` import, so that tests run under plain node.

/** The `$/progress` values of LSP's work-done progress. */
export type ProgressValue =
  | { kind: 'begin'; title: string; message?: string; percentage?: number; cancellable?: boolean }
  | { kind: 'report'; message?: string; percentage?: number; cancellable?: boolean }
  | { kind: 'end'; message?: string };

export interface StatusText {
  text: string;
  tooltip: string;
}

interface Task {
  title: string;
  message?: string;
}

/** The progress the server is reporting, by token; the latest begun is shown. */
export class ProgressTracker {
  private readonly tasks = new Map<string, Task>();

  /** Applies one `$/progress` value. Reports and ends of unknown tokens are ignored. */
  update(token: string | number, value: ProgressValue): void {
    const key = String(token);
    switch (value.kind) {
      case 'begin':
        // Re-inserted so that it is the latest.
        this.tasks.delete(key);
        this.tasks.set(key, { title: value.title, message: value.message });
        break;
      case 'report': {
        const task = this.tasks.get(key);
        if (task !== undefined) {
          task.message = value.message ?? task.message;
        }
        break;
      }
      case 'end':
        this.tasks.delete(key);
        break;
    }
  }

  /** Forgets everything (the server stopped). */
  clear(): void {
    this.tasks.clear();
  }

  /** The status bar text, or `undefined` when nothing runs. */
  status(): StatusText | undefined {
    const tasks = [...this.tasks.values()];
    const latest = tasks[tasks.length - 1];
    if (latest === undefined) {
      return undefined;
    }
    return {
      text: `$(sync~spin) ${describe(latest)}`,
      tooltip: `dockerfile-lsp: ${tasks.map(describe).join('; ')} (click to show the log)`,
    };
  }
}

/** `Registry: resolving python:3.12-slim (2 left)`, or the title alone. */
export function describe(task: Task): string {
  const parts = [task.title];
  if (task.message !== undefined && task.message.length > 0) {
    parts.push(`: ${task.message}`);
  }
  return parts.join('');
}
