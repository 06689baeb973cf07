// The hand-written question set (models/questions/): developer questions over
// long real files of the data's *test* packages, with gold line ranges read
// by a person. files.json pins each file (sha256, so a changed corpus fails
// loudly instead of scoring against moved lines) and its half (dev or test,
// split by file). The files come from the corpora folder that `npm run data`
// installs (models/data/corpora); nothing here is ever used for training.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export type QuestionKind = 'locate' | 'explain' | 'config';
export const KINDS: readonly QuestionKind[] = ['locate', 'explain', 'config'];
export type Half = 'dev' | 'test';
/** One question file each (models/questions/<language>.json). */
export const LANGUAGES = ['go', 'rust', 'python', 'typescript'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Question {
  id: string;
  /** Path relative to the corpora folder. */
  file: string;
  kind: QuestionKind;
  /** The question file it comes from. */
  language: Language;
  question: string;
  /** 1-based inclusive line ranges; a hit overlaps any of them. */
  gold: [number, number][];
}

export interface SetFile {
  sha256: string;
  split: Half;
  lines: number;
}

export interface QuestionSet {
  questions: Question[];
  files: Record<string, SetFile>;
}

export const QUESTIONS_DIR = 'models/questions';

export function loadQuestionSet(root: string): QuestionSet {
  const dir = path.join(root, QUESTIONS_DIR);
  const files = JSON.parse(fs.readFileSync(path.join(dir, 'files.json'), 'utf8')) as Record<string, SetFile>;
  const questions: Question[] = [];
  for (const language of LANGUAGES) {
    const name = `${language}.json`;
    const raw = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Omit<Question, 'id' | 'language'>[];
    raw.forEach((q, i) => {
      checkQuestion(q, `${name}[${i}]`, files);
      questions.push({ ...q, language, id: `${language}-${i + 1}` });
    });
  }
  return { questions, files };
}

function checkQuestion(q: Omit<Question, 'id' | 'language'>, where: string, files: Record<string, SetFile>): void {
  const file = files[q.file];
  if (!file) throw new Error(`${where}: ${q.file} is not in files.json`);
  if (!KINDS.includes(q.kind)) throw new Error(`${where}: kind '${q.kind}'`);
  if (typeof q.question !== 'string' || q.question.trim() === '') throw new Error(`${where}: no question`);
  if (!Array.isArray(q.gold) || q.gold.length < 1 || q.gold.length > 3) throw new Error(`${where}: 1 to 3 gold ranges`);
  for (const [a, b] of q.gold) {
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 1 && a <= b && b <= file.lines)) throw new Error(`${where}: gold [${a}, ${b}] outside 1..${file.lines}`);
  }
}

/**
 * Writes files.json for the files the question files name: sha256 and line
 * count from disk; a file already pinned keeps its half, a new one gets the
 * half its ecosystem has fewer files in (dev first), so halves split by file.
 */
export function pinFiles(root: string, corpora: string): Record<string, SetFile> {
  const dir = path.join(root, QUESTIONS_DIR);
  const pinnedFile = path.join(dir, 'files.json');
  const old: Record<string, SetFile> = fs.existsSync(pinnedFile) ? JSON.parse(fs.readFileSync(pinnedFile, 'utf8')) : {};
  const files: Record<string, SetFile> = {};
  for (const language of LANGUAGES) {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, `${language}.json`), 'utf8')) as { file: string }[];
    const names = [...new Set(raw.map((q) => q.file))].sort();
    const count = { dev: 0, test: 0 };
    for (const rel of names) if (old[rel]) count[old[rel].split]++;
    for (const rel of names) {
      const bytes = fs.readFileSync(path.join(corpora, rel));
      const split: Half = old[rel]?.split ?? (count.dev <= count.test ? 'dev' : 'test');
      if (!old[rel]) count[split]++;
      files[rel] = { sha256: createHash('sha256').update(bytes).digest('hex'), split, lines: bytes.toString('utf8').split('\n').length };
    }
  }
  fs.writeFileSync(pinnedFile, JSON.stringify(files, null, 2) + '\n');
  return files;
}

/** The set's files on disk, checked against files.json; a missing or changed file is an error naming the fix. */
export function resolveFiles(set: QuestionSet, corpora: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const [rel, meta] of Object.entries(set.files)) {
    const abs = path.join(corpora, rel);
    if (!fs.existsSync(abs)) throw new Error(`${abs} is missing: install the corpora first (npm run data, or --corpora <dir>)`);
    const hash = createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
    if (hash !== meta.sha256) throw new Error(`${abs} differs from the file the questions were written on (sha256 ${hash.slice(0, 12)} ≠ ${meta.sha256.slice(0, 12)})`);
    paths.set(rel, fs.realpathSync(abs));
  }
  return paths;
}

/** Keywords and English words that name nothing in particular. */
const NOT_IDENTIFIERS = new Set(
  ('the and for not are was with that this from into when what which where does how why its has have will can ' +
    'if else return function def func fn let const var new type interface export declare import pub mut impl struct ' +
    'class match true false null none nil self void any string number boolean bool int async await yield try catch ' +
    'throw raise pass break continue while loop use mod enum trait where static readonly public private protected ' +
    'extends implements package range map go defer select case switch default err error').split(' '),
);

/** Identifiers of the code in some lines, lower-cased and whole: comment lines and string literals left out. */
export function codeIdentifiers(lines: string): Set<string> {
  const code = lines
    .split('\n')
    .filter((l) => !/^\s*(?:\/\/|#|\*|\/\*|"""|\'\'\')/.test(l))
    .join('\n')
    .replace(/(["'`])(?:\\.|(?!\1).)*\1/g, ' ');
  return new Set([...code.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => m[0].toLowerCase()).filter((w) => !NOT_IDENTIFIERS.has(w)));
}

/** Whether the question uses a whole identifier (3+ characters) of its gold lines' code. */
export function sharesIdentifier(question: string, goldText: string): boolean {
  const gold = codeIdentifiers(goldText);
  return [...question.matchAll(/[A-Za-z_$][\w$]*/g)].some((m) => m[0].length >= 3 && gold.has(m[0].toLowerCase()));
}
