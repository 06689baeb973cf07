// The one object that owns the extension's lifetime: settings, log, status
// bar, engine, highlighter, inspector and everything they subscribe to.
// activate() creates it; disposing it undoes everything.
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Answer, AskStats, AttentionTrace, SkippedFile } from '../engine/types';
import { TreeformerConfig } from './config';
import { EngineHost, OpenEngine } from './engineHost';
import { InspectedAsk, InspectorPanel } from './inspectorPanel';
import { EngineLoadError } from './loadErrors';
import { SpanHighlighter } from './spanHighlighter';
import { StatusBar } from './statusBar';

/** What the last question produced (returned by the ask commands, kept for the API). */
export interface AskOutcome {
  question: string;
  scope: 'file' | 'workspace';
  answers: Answer[];
  /** The answer the user chose in the quick pick, if any. */
  picked?: Answer;
  stats: AskStats;
  skipped: SkippedFile[];
  /** Where the question's tokens were routed in the best window (what the inspector shows). */
  trace?: AttentionTrace;
}

export class TreeformerContext implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Treeformer', { log: true });
  readonly status = new StatusBar('treeformer.showLog');
  readonly highlighter = new SpanHighlighter();
  readonly engine: EngineHost;
  readonly inspector: InspectorPanel;
  /** Where unsaved documents are written for the engine to read. */
  readonly snapshotDir: string;
  /** Where the workspace index lives; undefined without a workspace (no index is kept). */
  readonly indexDir: string | undefined;
  lastAsk: AskOutcome | undefined;

  private configValue: TreeformerConfig;
  private readonly errorEmitter = new vscode.EventEmitter<string>();
  /** Every error message shown to the user. */
  readonly onDidReportError = this.errorEmitter.event;
  private readonly answersEmitter = new vscode.EventEmitter<readonly Answer[]>();
  /** Fires when the answers quick pick is on screen. */
  readonly onDidShowAnswers = this.answersEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly extension: vscode.ExtensionContext,
    openEngine: OpenEngine,
  ) {
    const root = extension.extensionUri.fsPath;
    this.configValue = TreeformerConfig.read(root);
    this.logProblems(this.configValue);
    this.snapshotDir = path.join(storageDir(extension.globalStorageUri), 'snapshots');
    this.indexDir = extension.storageUri && path.join(storageDir(extension.storageUri), 'index');
    this.engine = new EngineHost(openEngine, () => this.configValue, this.indexDir, this.log);
    this.inspector = new InspectorPanel(vscode.Uri.joinPath(extension.extensionUri, 'media'), this.highlighter, this.log);
    this.disposables.push(
      this.log,
      this.status,
      this.highlighter,
      this.inspector,
      this.engine,
      this.errorEmitter,
      this.answersEmitter,
      this.engine.onDidChangeState((state) => this.status.setEngineState(state)),
      vscode.workspace.onDidChangeConfiguration((e) => this.onConfigurationChanged(e)),
    );
  }

  get config(): TreeformerConfig {
    return this.configValue;
  }

  push(...disposables: vscode.Disposable[]): void {
    this.disposables.push(...disposables);
  }

  /** Logs the error and shows it, with "Open Settings" when a setting fixes it. */
  reportError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const setting = err instanceof EngineLoadError ? err.setting : undefined;
    this.log.error(message);
    this.errorEmitter.fire(message);
    const actions = setting ? ['Open Settings', 'Show Log'] : ['Show Log'];
    // not awaited: the promise settles only when the user dismisses the message
    void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', setting);
      if (choice === 'Show Log') this.log.show();
    });
  }

  recordAsk(outcome: AskOutcome, inspected: InspectedAsk | undefined): void {
    this.lastAsk = outcome;
    if (inspected) this.inspector.setInspected(inspected);
  }

  answersShown(answers: readonly Answer[]): void {
    this.answersEmitter.fire(answers);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration('treeformer')) return;
    this.configValue = TreeformerConfig.read(this.extension.extensionUri.fsPath);
    this.logProblems(this.configValue);
    if (TreeformerConfig.affectsEngine(event)) {
      this.log.info('settings changed: the model reopens on next use');
      void this.engine.reset();
    }
    if (TreeformerConfig.affectsNativeDir(event)) {
      void vscode.window
        .showInformationMessage('Treeformer loads its native runtime once per window: reload to use the new "treeformer.nativeDir".', 'Reload Window')
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.reloadWindow');
        });
    }
  }

  private logProblems(config: TreeformerConfig): void {
    for (const problem of config.problems) this.log.warn(problem);
  }
}

/** A storage folder on this machine's disk (the extension host's temp folder when storage is not a file URI). */
function storageDir(uri: vscode.Uri): string {
  return uri.scheme === 'file' ? uri.fsPath : path.join(os.tmpdir(), 'treeformer-vscode');
}
