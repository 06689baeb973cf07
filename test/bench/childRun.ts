// The benches' one-measurement-per-process pattern (each peak RSS is its
// own): the parent runs this script again with --child and its arguments; the
// child prints one JSON object as its last stdout line.
import { execFileSync } from 'child_process';

/** Runs `script --child ...args` and parses its last stdout line; throws with the child's stderr when it fails. */
export function runInChild<T>(script: string, args: readonly string[]): T {
  const stdout = execFileSync(process.execPath, [script, '--child', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** The child side: when this process is a --child, measures with its arguments, prints the result and returns true. */
export function serveChild<T>(measure: (args: string[]) => Promise<T>): boolean {
  if (process.argv[2] !== '--child') return false;
  measure(process.argv.slice(3)).then(
    (m) => console.log(JSON.stringify(m)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
  return true;
}
