// Reads the answers of a CLI JSON reply (DESIGN.md §8), rejecting anything
// that does not follow the contract with a message naming the bad field.
import { Answer } from './ranker';

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function checkAnswer(value: unknown, where: string): Answer {
  if (typeof value !== 'object' || value === null) throw new Error(`${where} is not an object`);
  const { file, startLine, endLine, score, text } = value as Record<string, unknown>;
  if (typeof file !== 'string') throw new Error(`${where}.file is not a string`);
  if (!isPositiveInteger(startLine)) throw new Error(`${where}.startLine is not a positive integer`);
  if (!isPositiveInteger(endLine) || endLine < startLine) throw new Error(`${where}.endLine is not an integer >= startLine`);
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new Error(`${where}.score is not a finite number`);
  if (typeof text !== 'string') throw new Error(`${where}.text is not a string`);
  return { file, startLine, endLine, score, text };
}

/** The ranked answers of one `ask --json` reply. */
export function parseAnswersJson(stdout: string): Answer[] {
  let reply: unknown;
  try {
    reply = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`expected one JSON object on stdout: ${(err as Error).message}`);
  }
  if (typeof reply !== 'object' || reply === null || !Array.isArray((reply as { answers?: unknown }).answers)) {
    throw new Error('the JSON reply has no "answers" array');
  }
  return (reply as { answers: unknown[] }).answers.map((answer, i) => checkAnswer(answer, `answers[${i}]`));
}
