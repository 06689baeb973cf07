// The status-bar item: model state (not loaded, loading, ready on cpu/cuda,
// failed) and, while long work runs, its progress.
import * as vscode from 'vscode';
import type { EngineState } from './engineHost';

export interface StatusSnapshot {
  text: string;
  tooltip: string;
  engine: EngineState['kind'];
  device?: 'cpu' | 'cuda';
  /** Set while indexing or answering. */
  progress?: string;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('treeformer.status', vscode.StatusBarAlignment.Right, 100);
  private engine: EngineState = { kind: 'idle' };
  private progress: string | undefined;
  private readonly changeEmitter = new vscode.EventEmitter<StatusSnapshot>();
  readonly onDidChange = this.changeEmitter.event;

  constructor(command: string) {
    this.item.name = 'Treeformer';
    this.item.command = command;
    this.render();
    this.item.show();
  }

  setEngineState(state: EngineState): void {
    this.engine = state;
    this.render();
  }

  /** `label` e.g. "indexing 40%"; undefined clears it. */
  setProgress(label: string | undefined): void {
    this.progress = label;
    this.render();
  }

  snapshot(): StatusSnapshot {
    return {
      text: this.item.text,
      tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '',
      engine: this.engine.kind,
      device: this.engine.kind === 'ready' ? this.engine.device : undefined,
      progress: this.progress,
    };
  }

  dispose(): void {
    this.item.dispose();
    this.changeEmitter.dispose();
  }

  private render(): void {
    const { icon, label, tooltip } = describe(this.engine);
    this.item.text = this.progress ? `$(sync~spin) Treeformer: ${this.progress}` : `${icon} Treeformer${label ? `: ${label}` : ''}`;
    this.item.tooltip = this.progress ? `${tooltip}\n${this.progress}` : tooltip;
    this.item.backgroundColor =
      this.engine.kind === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.changeEmitter.fire(this.snapshot());
  }
}

function describe(state: EngineState): { icon: string; label: string; tooltip: string } {
  switch (state.kind) {
    case 'idle':
      return { icon: '$(circle-outline)', label: '', tooltip: 'Treeformer: the model loads on the first question.' };
    case 'loading':
      return { icon: '$(loading~spin)', label: 'loading', tooltip: 'Treeformer: loading the model…' };
    case 'ready':
      return { icon: '$(check)', label: state.device, tooltip: `Treeformer: model ready on ${state.device}.` };
    case 'failed':
      return { icon: '$(error)', label: 'error', tooltip: state.error.message };
  }
}
