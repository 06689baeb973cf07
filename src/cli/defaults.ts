// Where the CLI looks when no --model or --cache is given.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const MODEL_FILE = path.join('models', 'treeformer-qa.onnx');

/**
 * The shipped model: models/treeformer-qa.onnx in the nearest folder above
 * this script that has one (dist/cli.js and out/src/cli/ both live inside the
 * project). When none exists, the project root's path, for the error message.
 */
export function defaultModelPath(): string {
  let projectRoot: string | undefined;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, MODEL_FILE);
    if (fs.existsSync(candidate)) return candidate;
    if (!projectRoot && fs.existsSync(path.join(dir, 'package.json'))) projectRoot = dir;
    if (path.dirname(dir) === dir) return path.join(projectRoot ?? process.cwd(), MODEL_FILE);
  }
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TREEFORMER_CACHE) return path.resolve(env.TREEFORMER_CACHE);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'treeformer');
}
