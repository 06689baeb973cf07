// Command-line arguments of `treeformer` (DESIGN §8), parsed and checked.
import { parseArgs } from 'util';
import { RANKERS, RankerKind } from '../engine/fusion';

export const USAGE = `usage:
  treeformer ask <path>... --question "<text>" [--top K] [--json]
                 [--ranker bm25|model|hybrid]
                 [--model <file.onnx>] [--device auto|cpu|cuda]
                 [--index | --cache <dir>] [--max-tokens N] [--quiet]
  treeformer index <path>... [--cache <dir>] [--model <file.onnx>] [--device auto|cpu|cuda]
                 [--max-tokens N] [--quiet]

Paths are files or folders (walked with their .gitignore rules; node_modules,
.git, out, dist and build folders are skipped).

ask      answers a question with ranked spans, each a syntax unit (function,
         method, class member, block) of at most 40 lines. The lexical stage
         ranks the chunks of every file; --ranker hybrid (default) lets the
         model read the best candidates and fuses both scores, bm25 ranks by
         words alone, model by the model alone (over the lexical candidates).
         With --index/--cache the workspace index (built on first use) is
         kept on disk and its tree-leaf scores join the lexical stage.
--max-tokens  refuses (exit 9) a scope of more estimated tokens than N
         (default 2,000,000: about 8 MB of code) before reading it.
index    builds or updates the workspace index (default cache: $TREEFORMER_CACHE,
         else $XDG_CACHE_HOME/treeformer, else ~/.cache/treeformer).

exit codes: 0 ok, 1 unexpected error, 2 bad usage, 3 missing path,
            4 nothing readable (empty, binary, too large), 5 model missing or
            invalid, 6 vocabulary missing or invalid, 7 device unavailable,
            8 cache folder unusable (not a folder, cannot be created, read
            or written), 9 scope over the token cap (--max-tokens),
            130 interrupted (Ctrl-C)`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Device = 'auto' | 'cpu' | 'cuda';

interface Common {
  paths: string[];
  model?: string;
  device: Device;
  quiet: boolean;
  /** --max-tokens: the scope's token cap; the engine's default when absent. */
  maxTokens?: number;
}

export interface AskCommand extends Common {
  command: 'ask';
  question: string;
  top: number;
  json: boolean;
  ranker: RankerKind;
  /** Use the workspace index: a folder, or 'default' for the default cache folder. */
  cache?: string | 'default';
}

export interface IndexCommand extends Common {
  command: 'index';
  cache?: string;
}

export type Command = AskCommand | IndexCommand | { command: 'help' };

export function parseCommandLine(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        question: { type: 'string', short: 'q' },
        top: { type: 'string', short: 'k' },
        json: { type: 'boolean' },
        model: { type: 'string' },
        device: { type: 'string' },
        cache: { type: 'string' },
        index: { type: 'boolean' },
        quiet: { type: 'boolean' },
        ranker: { type: 'string' },
        'max-tokens': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...paths] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  if (command !== 'ask' && command !== 'index') throw new UsageError(`unknown command '${command}' (ask or index)`);
  if (paths.length === 0) throw new UsageError(`${command} needs at least one file or folder`);
  const device = values.device ?? 'auto';
  if (device !== 'auto' && device !== 'cpu' && device !== 'cuda') {
    throw new UsageError(`--device must be auto, cpu or cuda, not '${device}'`);
  }
  const maxTokens = values['max-tokens'] === undefined ? undefined : Number(values['max-tokens']);
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new UsageError(`--max-tokens must be a positive integer, not '${values['max-tokens']}'`);
  }
  const common: Common = { paths, model: values.model, device, quiet: values.quiet === true, maxTokens };
  if (command === 'index') {
    for (const flag of ['question', 'top', 'json', 'index', 'ranker'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to ask, not index`);
    }
    return { command, ...common, cache: values.cache };
  }
  const question = values.question?.trim();
  if (!question) throw new UsageError('ask needs --question "<text>"');
  const top = values.top === undefined ? 5 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, not '${values.top}'`);
  const ranker = (values.ranker ?? 'hybrid') as RankerKind;
  if (!RANKERS.includes(ranker)) throw new UsageError(`--ranker must be ${RANKERS.join(', ')}, not '${values.ranker}'`);
  if (values.index && values.cache) throw new UsageError('give --index or --cache <dir>, not both');
  return {
    command,
    ...common,
    question,
    top,
    json: values.json === true,
    ranker,
    cache: values.cache ?? (values.index ? 'default' : undefined),
  };
}
