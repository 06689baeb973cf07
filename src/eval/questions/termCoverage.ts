// `npm run eval:coverage -- [--half dev|test] [--mined train|dev|test] [--every N]`
// Where the words of a question are found: in the answer (its lines and the
// ABOVE lines over them, where a declaration's doc comment sits), only
// through a synonym (the engine's groups or WordNet's, as the question
// generator swaps them), elsewhere in the file, or nowhere in it. Printed
// side by side for the hand-written questions (intact files) and the mined
// training questions by kind, over their documents as shown (cut text
// blanked). Why: it says whether mined questions leave the answer's words
// out as often as real ones do, and whether more synonym swaps could close
// the gap (DESIGN §5a, How lexical).
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { parseArgs } from 'util';
import { synonymsOf } from '../../engine/search/synonyms';
import { questionTerms, searchTerms } from '../../engine/search/terms';
import { blanked } from '../../data/examples/candidates';
import { wordnetSynonyms } from '../../data/examples/wordnet';
import type { DocRecord, ExampleRecord } from '../../data/types';
import { Half, loadQuestionSet, resolveFiles } from './questionSet';

/** Lines above the answer that count as the answer's (a doc comment over a declaration). */
export const ABOVE = 8;

export interface Coverage {
  questions: number;
  terms: number;
  inAnswer: number;
  viaSynonym: number;
  elsewhere: number;
  nowhere: number;
}

export function emptyCoverage(): Coverage {
  return { questions: 0, terms: 0, inAnswer: 0, viaSynonym: 0, elsewhere: 0, nowhere: 0 };
}

/** The synonym terms of one question word, as the generator could have swapped it. */
function synonymTerms(word: string): string[] {
  return [...synonymsOf(word), ...wordnetSynonyms(word)].flatMap((s) => searchTerms(s));
}

/** Adds one question's distinct terms to `into`, each counted where it is first found. */
export function addCoverage(into: Coverage, question: string, answerText: string, fileText: string): void {
  const answer = new Set(searchTerms(answerText));
  const file = new Set(searchTerms(fileText));
  const words = new Map<string, string>(); // term → a question word it comes from
  for (const m of question.matchAll(/[A-Za-z_]+/g)) for (const t of searchTerms(m[0])) if (!words.has(t)) words.set(t, m[0].toLowerCase());
  into.questions++;
  for (const term of questionTerms(question)) {
    into.terms++;
    if (answer.has(term)) into.inAnswer++;
    else if (synonymTerms(words.get(term) ?? term).some((s) => answer.has(s))) into.viaSynonym++;
    else if (file.has(term)) into.elsewhere++;
    else into.nowhere++;
  }
}

/** Lines first..last (1-based, inclusive) of a text, with ABOVE lines more over them. */
export function answerLines(lines: readonly string[], first: number, last: number): string {
  return lines.slice(Math.max(0, first - 1 - ABOVE), last).join('\n');
}

function handWritten(root: string, half: Half): Coverage {
  const set = loadQuestionSet(root);
  const paths = resolveFiles(set, path.join(root, 'models', 'data', 'corpora'));
  const coverage = emptyCoverage();
  for (const q of set.questions) {
    if (set.files[q.file].split !== half) continue;
    const text = fs.readFileSync(paths.get(q.file)!, 'utf8');
    const lines = text.split('\n');
    addCoverage(coverage, q.question, q.gold.map(([a, b]) => answerLines(lines, a, b)).join('\n'), text);
  }
  return coverage;
}

async function* jsonLines<T>(file: string): AsyncGenerator<T> {
  for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) if (line) yield JSON.parse(line) as T;
}

async function mined(folder: string, every: number): Promise<Map<string, Coverage>> {
  const docs = new Map<string, string>();
  for await (const d of jsonLines<DocRecord>(path.join(folder, 'docs.jsonl'))) docs.set(d.docId, d.text);
  const byKind = new Map<string, Coverage>();
  let i = 0;
  for await (const e of jsonLines<ExampleRecord>(path.join(folder, 'examples.jsonl'))) {
    if (i++ % every !== 0) continue;
    const text = blanked(docs.get(e.docId)!, e.cuts);
    const key = `${e.kind}, ${e.cuts.length === 0 ? 'intact' : 'cut'}`;
    if (!byKind.has(key)) byKind.set(key, emptyCoverage());
    addCoverage(byKind.get(key)!, e.question, answerLines(text.split('\n'), e.answer.startLine, e.answer.endLine), text);
  }
  return byKind;
}

function row(name: string, c: Coverage): string {
  const share = (n: number) => (n / Math.max(c.terms, 1)).toFixed(3);
  return `| ${name} | ${c.questions} | ${c.terms} | ${share(c.inAnswer)} | ${share(c.viaSynonym)} | ${share(c.elsewhere)} | ${share(c.nowhere)} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { half: { type: 'string', default: 'dev' }, mined: { type: 'string', default: 'train' }, every: { type: 'string', default: '5' } },
  });
  const half = values.half as Half;
  if (half !== 'dev' && half !== 'test') throw new Error(`--half dev|test, not ${values.half}`);
  const every = Number(values.every);
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`--every takes a whole number ≥ 1, not ${values.every}`);
  // out/src/eval/questions/termCoverage.js -> the repository root.
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  const minedFolder = path.join(root, 'models', 'data', String(values.mined));
  if (!fs.existsSync(path.join(minedFolder, 'examples.jsonl'))) throw new Error(`no mined examples in ${minedFolder}: run npm run data`);
  console.log(`Question terms (distinct, engine terms) by where they are found; answer = its lines and ${ABOVE} above.\n`);
  console.log('| questions | count | terms | in the answer | only via a synonym | elsewhere in the file | nowhere in the file |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row(`hand-written, ${half} half`, handWritten(root, half)));
  const byKind = await mined(minedFolder, every);
  for (const key of [...byKind.keys()].sort()) console.log(row(`mined ${values.mined} (every ${every}th): ${key}`, byKind.get(key)!));
}

if (require.main === module) {
  main().catch((e: Error) => {
    console.error(`eval:coverage: ${e.message}`);
    process.exit(1);
  });
}
