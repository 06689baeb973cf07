// One typed snapshot of the `treeformer.*` settings. Re-read on every
// configuration change; nothing else in the extension reads settings.
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_SCOPE_TOKENS, RANKERS } from '../engine';
import type { RankerKind } from '../engine';

const CONFIG_SECTION = 'treeformer';

export type DevicePreference = 'auto' | 'cpu' | 'cuda';
export type AttentionKind = 'fine' | 'coarse';

const DEVICES: readonly DevicePreference[] = ['auto', 'cpu', 'cuda'];
const ATTENTION_KINDS: readonly AttentionKind[] = ['fine', 'coarse'];

/** Bundled model per attention kind, relative to the extension's root. */
const BUNDLED_MODELS: Record<AttentionKind, string> = {
  fine: path.join('models', 'treeformer-qa.onnx'),
  coarse: path.join('models', 'treeformer-qa-coarse.onnx'),
};

/** Settings whose change means the engine must be opened again. */
const ENGINE_SETTINGS = ['device', 'attention', 'modelPath', 'include', 'exclude', 'maxFileBytes', 'maxTokensPerQuestion'];

export interface ModelLocation {
  path: string;
  /** Where the path came from, so errors can say what to fix. */
  source: 'bundled' | 'setting';
}

export class TreeformerConfig {
  readonly device: DevicePreference;
  readonly attention: AttentionKind;
  readonly ranker: RankerKind;
  readonly include: string[];
  readonly exclude: string[];
  readonly maxFileBytes: number;
  readonly maxTokensPerQuestion: number;
  readonly maxAnswers: number;
  readonly hoverEnabled: boolean;
  readonly hoverDelayMs: number;
  readonly model: ModelLocation;
  /** From user settings only; undefined means the bundled runtime. */
  readonly nativeDir: string | undefined;
  /** Settings that were present but unusable, for the log. */
  readonly problems: string[] = [];

  constructor(section: vscode.WorkspaceConfiguration, extensionRoot: string) {
    this.device = this.oneOf(section, 'device', DEVICES, 'auto');
    this.attention = this.oneOf(section, 'attention', ATTENTION_KINDS, 'fine');
    this.ranker = this.oneOf(section, 'ranker', RANKERS, 'hybrid');
    this.include = this.strings(section, 'include');
    this.exclude = this.strings(section, 'exclude');
    this.maxFileBytes = this.number(section, 'maxFileBytes', DEFAULT_MAX_FILE_BYTES, 1, Number.MAX_SAFE_INTEGER);
    this.maxTokensPerQuestion = Math.round(this.number(section, 'maxTokensPerQuestion', DEFAULT_MAX_SCOPE_TOKENS, 1, Number.MAX_SAFE_INTEGER));
    this.maxAnswers = Math.round(this.number(section, 'maxAnswers', 10, 1, 50));
    this.hoverEnabled = section.get<boolean>('hover.enabled', true) === true;
    this.hoverDelayMs = this.number(section, 'hover.delay', 300, 0, 5000);
    const modelSetting = this.machinePath(section, 'modelPath');
    this.model = modelSetting
      ? { path: modelSetting, source: 'setting' }
      : { path: path.join(extensionRoot, BUNDLED_MODELS[this.attention]), source: 'bundled' };
    this.nativeDir = this.machinePath(section, 'nativeDir');
  }

  static read(extensionRoot: string): TreeformerConfig {
    return new TreeformerConfig(vscode.workspace.getConfiguration(CONFIG_SECTION), extensionRoot);
  }

  static affectsEngine(event: vscode.ConfigurationChangeEvent): boolean {
    return ENGINE_SETTINGS.some((key) => event.affectsConfiguration(`${CONFIG_SECTION}.${key}`));
  }

  static affectsNativeDir(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(`${CONFIG_SECTION}.nativeDir`);
  }

  private oneOf<T extends string>(section: vscode.WorkspaceConfiguration, key: string, allowed: readonly T[], fallback: T): T {
    const value = section.get<string>(key, fallback);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`treeformer.${key} = ${JSON.stringify(value)} is not one of ${allowed.join(', ')}; using ${fallback}`);
    return fallback;
  }

  private strings(section: vscode.WorkspaceConfiguration, key: string): string[] {
    const value = section.get<unknown>(key, []);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.filter((v) => v.trim() !== '');
    this.problems.push(`treeformer.${key} must be a list of glob patterns; ignoring it`);
    return [];
  }

  private number(section: vscode.WorkspaceConfiguration, key: string, fallback: number, min: number, max: number): number {
    const value = section.get<unknown>(key, fallback);
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
    this.problems.push(`treeformer.${key} must be a number from ${min} to ${max}; using ${fallback}`);
    return fallback;
  }

  /**
   * A machine-scoped path: only the user's (machine's) own value counts, so a
   * workspace can never point the extension at a model or native library.
   */
  private machinePath(section: vscode.WorkspaceConfiguration, key: string): string | undefined {
    const raw = section.inspect<string>(key)?.globalValue;
    if (typeof raw !== 'string' || raw.trim() === '') return undefined;
    const expanded = raw.trim().replace(/^~(?=$|[\\/])/, os.homedir());
    if (!path.isAbsolute(expanded)) {
      // kept as given, so opening fails naming it rather than silently using the bundled file
      this.problems.push(`treeformer.${key} must be an absolute path, got ${JSON.stringify(raw)}`);
      return expanded;
    }
    return path.normalize(expanded);
  }
}
