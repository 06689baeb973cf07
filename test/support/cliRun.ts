// Runs the compiled `treeformer` CLI in a child process (the CLI tests and
// the bad-input table share it).
import { spawn } from 'child_process';
import * as path from 'path';

export const CLI = path.resolve(__dirname, '../../src/cli/treeformer.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether `killAfterMs` ran out and the child was killed. */
  killed?: boolean;
}

export function treeformer(
  args: string[],
  options: { onStderr?: (text: string, child: ReturnType<typeof spawn>) => void; killAfterMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, TREEFORMER_CACHE: undefined } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.killAfterMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}
