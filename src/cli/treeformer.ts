#!/usr/bin/env node
// `treeformer`: the engine from the command line (DESIGN §8). Results go to
// stdout, progress and errors to stderr; Ctrl-C cancels cleanly (exit 130).
import { EngineError, isAbortError, openEngine } from '../engine';
import type { EngineErrorCode } from '../engine';
import { AskCommand, Command, IndexCommand, parseCommandLine, USAGE, UsageError } from './args';
import { defaultCacheDir, defaultModelPath } from './defaults';
import { askJson, askText, indexText } from './format';
import { ProgressLine } from './progress';

export const EXIT = { ok: 0, failure: 1, usage: 2, missingPath: 3, nothingToRead: 4, model: 5, vocabulary: 6, device: 7, cache: 8, scope: 9, interrupted: 130 };

const EXIT_BY_CODE: Record<EngineErrorCode, number> = {
  'missing-path': EXIT.missingPath,
  'nothing-to-read': EXIT.nothingToRead,
  'model-missing': EXIT.model,
  'model-invalid': EXIT.model,
  'vocabulary-missing': EXIT.vocabulary,
  'vocabulary-invalid': EXIT.vocabulary,
  'device-unavailable': EXIT.device,
  'cache-unusable': EXIT.cache,
  'scope-too-large': EXIT.scope,
  'bad-request': EXIT.usage,
};

export async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`treeformer: ${err.message} (treeformer --help shows the usage)\n`);
    return EXIT.usage;
  }
  if (command.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    // The first Ctrl-C cancels between windows; a second one does not wait.
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = new ProgressLine(process.stderr);
  try {
    const output = command.command === 'ask'
      ? await ask(command, controller.signal, command.quiet ? undefined : progress)
      : await index(command, controller.signal, command.quiet ? undefined : progress);
    progress.finish();
    process.stdout.write(`${output}\n`);
    return EXIT.ok;
  } catch (err) {
    progress.finish();
    if (isAbortError(err) || controller.signal.aborted) {
      process.stderr.write('treeformer: cancelled\n');
      return EXIT.interrupted;
    }
    if (err instanceof EngineError) {
      process.stderr.write(`treeformer: ${err.message}\n`);
      return EXIT_BY_CODE[err.code];
    }
    process.stderr.write(`treeformer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function ask(command: AskCommand, signal: AbortSignal, progress: ProgressLine | undefined): Promise<string> {
  const cacheDir = command.cache === 'default' ? defaultCacheDir() : command.cache;
  const engine = await openEngine({ modelPath: command.model ?? defaultModelPath(), device: command.device, cacheDir, maxScopeTokens: command.maxTokens });
  try {
    const result = await engine.ask({
      question: command.question,
      paths: command.paths,
      topK: command.top,
      ranker: command.ranker,
      signal,
      onProgress: progress?.update,
    });
    return command.json ? askJson(result) : askText(result, process.cwd());
  } finally {
    await engine.dispose();
  }
}

async function index(command: IndexCommand, signal: AbortSignal, progress: ProgressLine | undefined): Promise<string> {
  const cacheDir = command.cache ?? defaultCacheDir();
  const engine = await openEngine({ modelPath: command.model ?? defaultModelPath(), device: command.device, cacheDir, maxScopeTokens: command.maxTokens });
  try {
    const stats = await engine.buildIndex(command.paths, { signal, onProgress: progress?.update });
    return indexText(stats, cacheDir);
  } finally {
    await engine.dispose();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`treeformer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
