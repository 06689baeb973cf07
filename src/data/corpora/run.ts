// Runs an installer command, failing with its output when it fails.
import { spawnSync, SpawnSyncOptions } from 'child_process';

export function runOrThrow(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (r.error) throw new Error(`${command} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} … exited with ${r.status ?? r.signal}:\n${output}`);
  }
  return String(r.stdout ?? '');
}
