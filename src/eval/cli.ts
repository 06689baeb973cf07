// `npm run eval`: evaluates a ranker on a split of the mined dataset and writes
// results.json and results.md (the table is printed too; progress on stderr).
import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '../engine/tokenizer';
import { Bm25Ranker } from './bm25Ranker';
import { EvalArgs, parseEvalArgs, UsageError, USAGE } from './cliArgs';
import { CommandRanker } from './commandRanker';
import { readDocuments, readExamples } from './dataset';
import { openModelRanker } from './modelRanker';
import { Ranker } from './ranker';
import { markdownTable } from './report';
import { evaluateRanker, sampleEvenly } from './runner';

// out/src/eval/cli.js -> the repository root.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const PROGRESS_EVERY_MS = 2000;

async function openRanker(args: EvalArgs): Promise<Ranker> {
  switch (args.ranker.kind) {
    case 'bm25':
      if (!fs.existsSync(args.tokenizerPath)) {
        throw new Error(`no vocabulary at ${args.tokenizerPath}: build the dataset (npm run data) or pass --tokenizer <vocab.json>`);
      }
      return new Bm25Ranker(Tokenizer.fromFile(args.tokenizerPath), { window: args.window });
    case 'command':
      return new CommandRanker(args.ranker.command, args.ranker.name);
    case 'model':
      return openModelRanker(args.ranker.modelPath, args.threads);
  }
}

function progressPrinter(): (done: number, total: number) => void {
  const started = Date.now();
  let printed = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - printed < PROGRESS_EVERY_MS) return;
    printed = now;
    process.stderr.write(`eval: ${done}/${total} examples, ${((now - started) / 1000).toFixed(1)} s\n`);
  };
}

async function main(argv: string[]): Promise<void> {
  const args = parseEvalArgs(argv, REPO_ROOT);
  const splitDir = path.join(args.dataDir, args.split);
  const examplesFile = path.join(splitDir, 'examples.jsonl');
  if (!fs.existsSync(examplesFile)) throw new Error(`no examples at ${examplesFile}: build the dataset first (npm run data)`);

  const ranker = await openRanker(args);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  try {
    const examples = sampleEvenly(await readExamples(examplesFile), args.limit);
    const documents = await readDocuments(path.join(splitDir, 'docs.jsonl'), new Set(examples.map((e) => e.docId)));
    process.stderr.write(`eval: ${ranker.name} on ${args.split}: ${examples.length} examples, ${documents.size} documents\n`);
    const report = await evaluateRanker(ranker, args.split, examples, documents, {
      topK: args.topK,
      signal: controller.signal,
      onProgress: progressPrinter(),
    });
    const outDir = args.outDir ?? path.join(REPO_ROOT, 'models', 'eval', `${ranker.name}-${args.split}`);
    fs.mkdirSync(outDir, { recursive: true });
    const table = markdownTable(report);
    fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(outDir, 'results.md'), table);
    process.stdout.write(table);
    process.stderr.write(`eval: wrote ${path.join(outDir, 'results.json')} and results.md\n`);
  } finally {
    await ranker.dispose?.();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`eval: ${err.message}\n`);
  if (err instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
