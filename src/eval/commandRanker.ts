// Evaluates any ranker that follows the CLI contract of DESIGN.md §8:
// `<command> ask <file>... --question "<q>" --top K --json`, one JSON object out.
import { spawn } from 'child_process';
import { parseAnswersJson } from './answersJson';
import { Answer, Ranker, RankerDocument } from './ranker';
import { writeDocuments } from './tempDocuments';

const STDERR_TAIL_CHARS = 2000;

/** Runs `command` through the shell with `args` appended unquoted-safe (as "$@"). */
function runShellCommand(command: string, args: string[], signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${command} "$@"`, 'sh', ...args], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new Error(`ranker command ${killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`}: ${stderr.trim() || '(no stderr)'}`));
    });
  });
}

export class CommandRanker implements Ranker {
  readonly name: string;

  constructor(readonly command: string, name = 'command') {
    this.name = name;
  }

  async rank(question: string, documents: RankerDocument[], topK: number, signal?: AbortSignal): Promise<Answer[]> {
    const written = writeDocuments(documents);
    try {
      const args = ['ask', ...written.paths, '--question', question, '--top', String(topK), '--json'];
      const stdout = await runShellCommand(this.command, args, signal);
      let answers: Answer[];
      try {
        answers = parseAnswersJson(stdout);
      } catch (err) {
        throw new Error(`ranker command "${this.command}" broke the JSON contract: ${(err as Error).message}`);
      }
      return answers.slice(0, topK).map((answer) => ({ ...answer, file: written.fileOf(answer.file) ?? answer.file }));
    } finally {
      written.dispose();
    }
  }
}
