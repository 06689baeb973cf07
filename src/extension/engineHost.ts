// The extension's only door to the engine: opens it lazily with the current
// settings, shares one instance, reports its state, and reopens it when a
// setting that shapes it changes.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { EngineOptions, QaEngine } from '../engine/types';
import type { TreeformerConfig } from './config';
import { describeLoadFailure, EngineLoadError, modelMissing, nativeDirMissing } from './loadErrors';

export type EngineState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; device: 'cpu' | 'cuda' }
  | { kind: 'failed'; error: EngineLoadError };

export type OpenEngine = (options: EngineOptions) => Promise<QaEngine>;

export class EngineHost implements vscode.Disposable {
  /** The engine being opened or open, shared by every caller. */
  private current: Promise<QaEngine> | undefined;
  /** The engine once open, for reset() to close. */
  private opened: QaEngine | undefined;
  /** Bumped by reset(), so an open that finishes afterwards knows it is stale. */
  private generation = 0;
  private disposed = false;
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly open: OpenEngine,
    private readonly config: () => TreeformerConfig,
    private readonly cacheDir: string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The shared engine, opened on first use; rejects with an EngineLoadError. */
  engine(): Promise<QaEngine> {
    if (this.disposed) return Promise.reject(new EngineLoadError('engine', 'Treeformer is shutting down'));
    if (!this.current) {
      const opening = this.openWithCurrentSettings();
      this.current = opening;
      // a failed open is forgotten, so the next use retries once the user has fixed it
      opening.catch(() => {
        if (this.current === opening) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Closes the engine; the next use opens it again with the settings of that time. */
  async reset(): Promise<void> {
    const engine = this.opened;
    this.current = undefined;
    this.opened = undefined;
    this.generation++;
    this.stateEmitter.fire({ kind: 'idle' });
    // an open still in flight sees the new generation and closes its own engine
    await engine?.dispose();
  }

  dispose(): void {
    this.disposed = true;
    void this.reset();
    this.stateEmitter.dispose();
  }

  private async openWithCurrentSettings(): Promise<QaEngine> {
    const config = this.config();
    const generation = this.generation;
    this.stateEmitter.fire({ kind: 'loading' });
    try {
      if (!fs.existsSync(config.model.path)) throw modelMissing(config);
      if (config.nativeDir && !fs.existsSync(config.nativeDir)) throw nativeDirMissing(config.nativeDir);
      this.log.info(`opening ${config.model.path} (device ${config.device}, index ${this.cacheDir ?? 'not kept'})`);
      const engine = await this.open(this.engineOptions(config));
      if (generation !== this.generation) {
        // reset() ran while it opened: close it, and give the waiting callers one opened with the new settings
        await engine.dispose();
        return this.engine();
      }
      this.opened = engine;
      this.log.info(`model ready on ${engine.device}`);
      this.stateEmitter.fire({ kind: 'ready', device: engine.device });
      return engine;
    } catch (err) {
      const error = describeLoadFailure(err, config);
      if (generation === this.generation) this.stateEmitter.fire({ kind: 'failed', error });
      throw error;
    }
  }

  private engineOptions(config: TreeformerConfig): EngineOptions {
    return {
      modelPath: config.model.path,
      device: config.device,
      nativeDir: config.nativeDir,
      cacheDir: this.cacheDir,
      include: config.include.length > 0 ? config.include : undefined,
      exclude: config.exclude.length > 0 ? config.exclude : undefined,
      maxFileBytes: config.maxFileBytes,
      maxScopeTokens: config.maxTokensPerQuestion,
    };
  }
}
